"""Property-based fuzzing of the API against its own OpenAPI schema (Schemathesis).

Every operation in ``/api/v1/schema/`` is called in-process through the WSGI app with
generated paths, query strings and bodies: reads anonymously and with an editor's token,
writes with an editor's token. No answer may be a 5xx, and every answer must be one the
schema documents, in the shape it documents.

Both run twice: in development mode, and in production mode (``DEBUG=false``), with the
settings ``archive/settings.py`` gives production (HTTPS redirects, HSTS, secure
cookies…) and requests as the TLS-terminating proxy passes them on.

Schema-valid data must be accepted, with the refusals a schema cannot foresee: a slug
that names nothing, a cursor the API never issued, a slug, name or issue number already
taken, a published article without a time, an image moved to another article, an
uploaded file that is not an archive page or not a picture. Generated references are
often swapped for real ones, so that filters and writes (of every resource) also run
against the archive's actual records.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from api.serializers import FULL_TEXT_FIELDS
from articles.models import Article, Author, Book, Image, Issue, Publication, Topic
from tests.factories import ArticleFactory, TopicFactory
from tests.test_settings import PRODUCTION, manage

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())

# Query parameters and body fields naming a record by slug (or id), and the model it names.
QUERY_REFERENCES = {
    "publication": Publication,
    "issue": Issue,
    "author": Author,
    "book": Book,
    "article": Article,
    "topic": Topic,
}
BODY_REFERENCES = {
    "publication": Publication,
    "issue": Issue,
    "authors": Author,
    "topics": Topic,
    "article": Article,
}
PATH_REFERENCES = {
    "/api/v1/publications/{slug}/": Publication,
    "/api/v1/issues/{slug}/": Issue,
    "/api/v1/articles/{slug}/": Article,
    "/api/v1/authors/{slug}/": Author,
    "/api/v1/books/{slug}/": Book,
    "/api/v1/topics/{slug}/": Topic,
    "/api/v1/images/{id}/": Image,
}
# What only the database can judge, so a schema-valid request may still be refused for it.
# A cursor (the lists' `cursor`, the change feed's `since`) is a position only the server
# can judge: any text is schema-valid.
SEMANTIC_QUERY = {"cursor", "since", *QUERY_REFERENCES}
# Query parameters a schema cannot judge alone, by operation: a coverage's `number_max`
# below its `number_min`.
PAIRED_QUERY = {"/api/v1/publications/{slug}/coverage/": {"number_max"}}
# Body fields only the database can judge: a reference that names nothing (or an image's
# other article), a slug or a publication's name already taken, a published article
# without a time, a book in a reading list that names nothing; `non_field_errors` is an
# issue number already taken in its publication.
# A multipart part without a filename is a plain field to Django, not a file, and a
# file's bytes may not be a picture: OpenAPI's `format: binary` can say neither.
SEMANTIC_BODY = {
    "slug",
    "name",
    "published_at",
    "file",
    "non_field_errors",
    "reading_list",
    *BODY_REFERENCES,
}
NUL_REFUSED = "Null characters are not allowed."
# Fields only some readers get (`status` for staff, `highlight` with `q`): the schema's
# `fields` enum lists them, saying where they apply, and elsewhere naming one is a 400.
READER_FIELDS = {"status", "highlight"}

FUZZ_SETTINGS = settings(
    # Examples per operation; more with ARCHIVE_FUZZ_EXAMPLES=500 for a longer hunt.
    max_examples=int(os.environ.get("ARCHIVE_FUZZ_EXAMPLES", 40)),
    # The same cases on every run, so CI cannot pass or fail by luck.
    derandomize=True,
    deadline=None,
    # Generated cases only: the request examples the schema documents are sent as they
    # stand by tests/api/test_record_writes.py (Schemathesis cannot combine its own run of
    # them with the real references this test draws).
    phases=[phase for phase in Phase if phase is not Phase.explicit],
    # The database and token fixtures are set up once per operation on purpose: each
    # example runs in a savepoint that is rolled back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Production mode costs as much again: fewer examples keep CI's run short.
PRODUCTION_FUZZ_SETTINGS = settings(
    FUZZ_SETTINGS,
    max_examples=int(os.environ.get("ARCHIVE_FUZZ_EXAMPLES", 15)),
)
# What production mode's settings may not take from archive/settings.py here: the test
# run's own database, cache, storage, secret and host; the rest is production's.
TEST_RUN_OWN = {
    "DATABASES",
    "CACHES",
    "STORAGES",
    "MEDIA_STORAGE",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
}


# A fixed key, so that the auth provider needs no database: the token is made per test.
EDITOR_TOKEN = "fuzz" + "0" * 36


@schema.auth().apply_to(method=["POST", "PUT", "PATCH", "DELETE"])
class EditorToken:
    """Writes carry an editor's token; Schemathesis also checks that they fail without it."""

    def get(self, case, context):
        return EDITOR_TOKEN

    def set(self, case, token, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """The WSGI handler closes old connections around each request, which would close the
    test's own transaction; Django's test client leaves them open the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def archive(seed, editor, unthrottled, wsgi_keeps_the_test_connection):
    """The seed plus a draft filed under a topic, and the real slugs (and image ids) by
    model."""
    ArticleFactory(
        headline="Draft on the dockers",
        status=Article.Status.DRAFT,
        published_at=None,
        topics=[TopicFactory(name="Docks")],
    )
    known = {
        model: [str(key) for key in model.objects.values_list("slug", flat=True)]
        for model in (Publication, Issue, Article, Author, Book, Topic)
    }
    known[Image] = [str(pk) for pk in Image.objects.values_list("pk", flat=True)]
    Token.objects.create(user=editor, key=EDITOR_TOKEN)
    return known


@pytest.fixture(scope="session")
def production_settings():
    """The settings archive/settings.py makes with ``DEBUG=false`` that differ from this
    run's, read from a production-mode process, without those the test run keeps."""
    dump = """
import json
from django.conf import settings
values = {}
for name in dir(settings):
    if name.isupper():
        try:
            values[name] = json.loads(json.dumps(getattr(settings, name)))
        except (TypeError, ValueError):
            pass  # Not plain data (classes, lazy objects): the same in both modes here.
print(json.dumps(values))
"""
    result = manage("shell", "-c", dump, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture
def production(settings, production_settings):
    """Production mode in this process: a WSGI application loaded with its settings."""
    from django.conf import settings as current

    changed = {
        name: value
        for name, value in production_settings.items()
        if name not in TEST_RUN_OWN
        and json.dumps(getattr(current, name, None), default=repr)
        != json.dumps(value, default=repr)
    }
    # pytest-django already runs tests with DEBUG off: the rest is production's own.
    assert production_settings["DEBUG"] is False and changed["SECURE_SSL_REDIRECT"], changed
    for name, value in changed.items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # A handler of its own: Django's middleware reads its settings when it is loaded.
    return get_wsgi_application()


def _plain(value):
    """``value`` as JSON gives it back (tuples as lists), or None if it is not plain data."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return None


def use_real_references(case, data, known):
    """Swap some generated references for records that exist (each one by chance)."""

    def maybe_real(model, value):
        if not known[model] or not data.draw(st.booleans()):
            return value
        if isinstance(value, list):
            return data.draw(st.lists(st.sampled_from(known[model]), min_size=1, max_size=3))
        return data.draw(st.sampled_from(known[model]))

    model = PATH_REFERENCES.get(case.path)
    if model and case.path_parameters:
        name = next(iter(case.path_parameters))
        case.path_parameters[name] = maybe_real(model, case.path_parameters[name])
    for name, model in QUERY_REFERENCES.items():
        if case.query and name in case.query:
            case.query[name] = maybe_real(model, case.query[name])
    if isinstance(case.body, dict):
        for name, model in BODY_REFERENCES.items():
            if name in case.body:
                case.body[name] = maybe_real(model, case.body[name])
        for entry in reading_list_entries(case.body):
            entry["books"] = maybe_real(Book, entry["books"])


def reading_list_entries(body):
    """The entries of an article's reading list in a generated body that has books."""
    groups = (
        body.get("reading_list", {}).get("groups")
        if isinstance(body.get("reading_list"), dict)
        else None
    )
    for group in groups if isinstance(groups, list) else ():
        entries = group.get("entries") if isinstance(group, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and isinstance(entry.get("books"), list):
                yield entry


def assert_refused_only_for_what_the_schema_cannot_judge(case, response):
    """A 400 for schema-valid data must name only database-dependent parameters or fields."""
    if not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    errors = response.json()
    semantic = SEMANTIC_QUERY if case.method == "GET" else SEMANTIC_BODY
    semantic = {*semantic, *PAIRED_QUERY.get(case.path, ())}
    named = (case.query or {}).get("fields", "")
    named = set(named if isinstance(named, list) else str(named).split(","))
    if READER_FIELDS & named:
        semantic = {*semantic, "fields"}
    if set(FULL_TEXT_FIELDS) & named:
        # A page of full texts has a smaller bound, which the schema of one parameter
        # cannot make depend on another's value.
        semantic = {*semantic, "page_size"}
    refused = {
        name
        for name, messages in errors.items()
        if name not in semantic and messages != [NUL_REFUSED]
    }
    assert not refused, f"schema-valid {sorted(refused)} refused: {errors}"


def call_and_check(case, data, known, **call):
    use_real_references(case, data, known)
    response = case.call(**call)
    # Unknown query parameters are ignored by design, as by most HTTP APIs, and a path's
    # id is text in a URL ("1" is 1): Schemathesis counts both as invalid requests that
    # must be refused. Each bad value the API does refuse has its own 400 test.
    case.validate_response(
        response, excluded_checks=[positive_data_acceptance, negative_data_rejection]
    )
    assert_refused_only_for_what_the_schema_cannot_judge(case, response)
    return response


@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_anonymous_reads_conform_to_the_schema(case, data, archive):
    """Any generated read answers a documented status with a documented body, never 5xx."""
    call_and_check(case, data, archive)


@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_editor_reads_conform_to_the_schema(case, data, archive):
    """The same reads by an editor, who also gets drafts, ``status`` and revisions."""
    case.headers = {**(case.headers or {}), "Authorization": f"Token {EDITOR_TOKEN}"}
    call_and_check(case, data, archive)


@schema.exclude(method="GET").parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_editor_writes_conform_to_the_schema(case, data, archive):
    """Any generated write by an editor answers as documented, never 5xx; each rolls back."""
    with transaction.atomic():
        call_and_check(case, data, archive)
        transaction.set_rollback(True)


def call_in_production(case, data, known, application):
    """Call ``application`` as the TLS-terminating proxy in front of it would."""
    case.headers = {**(case.headers or {}), "X-Forwarded-Proto": "https"}
    response = call_and_check(case, data, known, app=application)
    # Production's own headers: the answer really came from production mode.
    assert response.headers.get("strict-transport-security"), response.headers
    return response


@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
@PRODUCTION_FUZZ_SETTINGS
@pytest.mark.django_db
def test_anonymous_reads_conform_to_the_schema_in_production(case, data, archive, production):
    """The same reads, in production mode: never 5xx, always as documented."""
    call_in_production(case, data, archive, production)


@schema.include(method="GET").parametrize()
@schema.given(data=st.data())
@PRODUCTION_FUZZ_SETTINGS
@pytest.mark.django_db
def test_editor_reads_conform_to_the_schema_in_production(case, data, archive, production):
    """An editor's reads, drafts and revisions included, in production mode."""
    case.headers = {**(case.headers or {}), "Authorization": f"Token {EDITOR_TOKEN}"}
    call_in_production(case, data, archive, production)


@schema.exclude(method="GET").parametrize()
@schema.given(data=st.data())
@PRODUCTION_FUZZ_SETTINGS
@pytest.mark.django_db
def test_editor_writes_conform_to_the_schema_in_production(case, data, archive, production):
    """The same writes, in production mode: never 5xx, always as documented."""
    with transaction.atomic():
        call_in_production(case, data, archive, production)
        transaction.set_rollback(True)
