"""Property-based fuzzing of the API against its own OpenAPI schema (Schemathesis).

Every operation in ``/api/v1/schema/`` is called in-process through the WSGI app with
generated paths, query strings and bodies: reads anonymously, writes with an editor's
token. No answer may be a 5xx, and every answer must be one the schema documents, in
the shape it documents.

Schema-valid data must be accepted, with the refusals a schema cannot foresee: a slug
that names nothing, a cursor the API never issued, a slug already taken, a published
article without a time, an uploaded file that is not an archive page. Generated
references are often swapped for real ones, so that filters and writes also run
against the archive's actual records.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from articles.models import Article, Author, Book, Image, Issue, Publication
from tests.factories import ArticleFactory

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())

# Query parameters and body fields naming a record by slug (or id), and the model it names.
QUERY_REFERENCES = {
    "publication": Publication,
    "issue": Issue,
    "author": Author,
    "book": Book,
    "article": Article,
}
BODY_REFERENCES = {"issue": Issue, "authors": Author}
PATH_REFERENCES = {
    "/api/v1/publications/{slug}/": Publication,
    "/api/v1/issues/{slug}/": Issue,
    "/api/v1/articles/{slug}/": Article,
    "/api/v1/authors/{slug}/": Author,
    "/api/v1/books/{slug}/": Book,
    "/api/v1/images/{id}/": Image,
}
# What only the database can judge, so a schema-valid request may still be refused for it.
SEMANTIC_QUERY = {"cursor", *QUERY_REFERENCES}
# A multipart part without a filename is a plain field to Django, not a file: OpenAPI's
# `format: binary` cannot say so.
SEMANTIC_BODY = {"slug", "published_at", "file", *BODY_REFERENCES}
NUL_REFUSED = "Null characters are not allowed."

FUZZ_SETTINGS = settings(
    # Examples per operation; more with ARCHIVE_FUZZ_EXAMPLES=500 for a longer hunt.
    max_examples=int(os.environ.get("ARCHIVE_FUZZ_EXAMPLES", 40)),
    # The same cases on every run, so CI cannot pass or fail by luck.
    derandomize=True,
    deadline=None,
    # The database and token fixtures are set up once per operation on purpose: each
    # example runs in a savepoint that is rolled back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


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
    """The seed plus a draft, and the real slugs (and image ids) by model."""
    ArticleFactory(headline="Draft on the dockers", status=Article.Status.DRAFT, published_at=None)
    known = {
        model: [str(key) for key in model.objects.values_list("slug", flat=True)]
        for model in (Publication, Issue, Article, Author, Book)
    }
    known[Image] = [str(pk) for pk in Image.objects.values_list("pk", flat=True)]
    Token.objects.create(user=editor, key=EDITOR_TOKEN)
    return known


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


def assert_refused_only_for_what_the_schema_cannot_judge(case, response):
    """A 400 for schema-valid data must name only database-dependent parameters or fields."""
    if not case.meta.generation.mode.is_positive or response.status_code != 400:
        return
    errors = response.json()
    semantic = SEMANTIC_QUERY if case.method == "GET" else SEMANTIC_BODY
    refused = {
        name
        for name, messages in errors.items()
        if name not in semantic and messages != [NUL_REFUSED]
    }
    assert not refused, f"schema-valid {sorted(refused)} refused: {errors}"


def call_and_check(case, data, known):
    use_real_references(case, data, known)
    response = case.call()
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


@schema.exclude(method="GET").parametrize()
@schema.given(data=st.data())
@FUZZ_SETTINGS
@pytest.mark.django_db
def test_editor_writes_conform_to_the_schema(case, data, archive):
    """Any generated write by an editor answers as documented, never 5xx; each rolls back."""
    with transaction.atomic():
        call_and_check(case, data, archive)
        transaction.set_rollback(True)
