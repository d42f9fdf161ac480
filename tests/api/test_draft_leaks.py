"""The draft-leak walk: nothing of a draft reaches a reader who may not read drafts, by
any public route, after an editor has warmed every cache with it.

A draft with distinctive words in its headline, standfirst, body and image caption,
in an issue of its own, by an author of its own, filed under a topic of its own (and one
it shares with the seed), recommending a book (by an author) of its own. An editor first
GETs every route, so that whatever the API, its response and count caches, the feeds
and the sitemaps keep, they keep with the draft in view. Then
an anonymous reader, and a signed-in user without the article permissions
(``articles.readers``), walk the same routes: no body or header holds any of the
draft's words or slugs, and a route naming a draft-only record answers exactly as one
naming nothing.

The routes are not listed by hand. The API's come from its OpenAPI schema, each GET
operation with each of its query parameters; every other page comes from the URL conf.
A route whose path parameter the walk cannot fill fails the test, so a new route is
walked, or noticed, the day it is added.
"""

import re
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient
from reversion.models import Version

from api.previews import preview_token
from api.sitemaps import _sections
from articles.models import (
    Article,
    ImportJob,
    ImportJobFile,
    ReadingListEntry,
    ReadingListGroup,
)
from tests.factories import AuthorFactory, BookFactory, ImageFactory, TopicFactory

SEED = "trotskys-socialism"
# Words no other text in the archive holds, one set per field of the draft and its
# draft-only records.
DRAFT_WORDS = {
    "headline": "Zymurgic embargo",
    "standfirst": "Xylophonic whispers",
    "body": "Quokkaberry ultimatum",
    "caption": "Vexillographic tarpaulin",
    "author": "Quintessa Draftwright",
    "book": "Unpublishable Codex",
    "book author": "Ulrike Hiddenfield",
    "topic": "Wunderkammer tribunal",
}
# A topic the draft shares with the seed: public, since a published article has it.
SHARED_TOPIC = "seed-and-draft"
SLUGS = {
    "article": "zymurgic-embargo",
    "issue": "socialist-worker-2399",
    "author": "quintessa-draftwright",
    "book": "unpublishable-codex",
    "book author": "ulrike-hiddenfield",
    "topic": "wunderkammer-tribunal",
}
# Where the walk takes no route, and why.
NOT_WALKED = {
    "admin/": "the admin: staff only, it sends everyone else to its login page",
    "_nested_admin/": "the admin's inline forms' helpers, staff only",
    "api/v1/schema/": "the schema: no records in it",
    "api/v1/docs/": "Swagger UI: no records in it",
    "^media/": "development's media files, named by upload, linked from no public answer",
}
# What names nothing, by path parameter: a slug, or an id.
GHOSTS = {"id": "999999", "pk": "999999"}
GHOST = "no-such-record"


@pytest.fixture
def draft_only(seed, editor, settings):
    """The draft and its draft-only issue, author, book and book author, made as an
    editor makes them: the article through the API (so it has revisions), its image and
    reading list in the admin's stead."""
    # Events are listed as soon as written (the shared topic's, for readers too), so the
    # walks before and after the editor's see the same change feed.
    settings.CHANGES_FEED_DELAY = 0
    settings.FRONTEND_URLS = (
        "article=https://www.example.org/{year}/{slug}/,"
        "issue=https://www.example.org/issues/{number}/,"
        "author=https://www.example.org/people/{slug}/"
    )
    seed_article = Article.objects.get(slug=SEED)
    issue = type(seed_article.issue).objects.create(
        publication=seed_article.issue.publication,
        number=2399,
        slug=SLUGS["issue"],
        date=seed_article.issue.date,
    )
    AuthorFactory(name=DRAFT_WORDS["author"])
    TopicFactory(name=DRAFT_WORDS["topic"])
    seed_article.topics.add(TopicFactory(name="Seed and draft", slug=SHARED_TOPIC))
    book = BookFactory(
        title=DRAFT_WORDS["book"], authors=[AuthorFactory(name=DRAFT_WORDS["book author"])]
    )
    api = APIClient()
    api.force_authenticate(editor)
    response = api.post(
        "/api/v1/articles/",
        {
            "issue": issue.slug,
            "headline": DRAFT_WORDS["headline"],
            "slug": SLUGS["article"],
            "standfirst": DRAFT_WORDS["standfirst"],
            "body": DRAFT_WORDS["body"],
            "authors": [SLUGS["author"]],
            "topics": [SLUGS["topic"], SHARED_TOPIC],
            "status": "draft",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    response = api.patch(
        f"/api/v1/articles/{SLUGS['article']}/", {"body": "Quokkaberry ultimatum."}, format="json"
    )
    assert response.status_code == 200, response.content
    draft = Article.objects.get(slug=SLUGS["article"])
    image = ImageFactory(article=draft, caption=DRAFT_WORDS["caption"])
    group = ReadingListGroup.objects.create(article=draft, heading="Read:")
    ReadingListEntry.objects.create(group=group, text="The codex").books.add(book)
    # The editor's import job, named after the draft's issue: only the editor reads it.
    job = ImportJob.objects.create(user=editor)
    ImportJobFile.objects.create(job=job, position=0, name=f"{SLUGS['issue']}.json")
    return {
        "draft": draft,
        "ids": {
            "image": image.pk,
            "revisions": list(_revisions_of(draft)),
            "import job": job.pk,
        },
    }


def _revisions_of(article):
    return Version.objects.get_for_object(article).values_list("revision_id", flat=True)


def path_values(draft_only):
    """Values for each path parameter the routes have: the draft-only records' (which
    must answer as ``GHOST`` does) and published ones (whose answers must not name the
    draft). Values are (text, whether it names a draft-only record)."""
    published_slugs = ["socialist-worker", "socialist-worker-2215", SEED, "esme-choonara"]
    published_slugs += ["my-life", "leon-trotsky", SHARED_TOPIC]
    seed_article = Article.objects.get(slug=SEED)
    slugs = [(slug, True) for slug in SLUGS.values()] + [(s, False) for s in published_slugs]
    seed_images = [(str(pk), False) for pk in seed_article.images.values_list("pk", flat=True)]
    revisions = [(str(pk), True) for pk in draft_only["ids"]["revisions"]]
    revisions += [(str(pk), False) for pk in _revisions_of(seed_article)]
    return {
        "slug": slugs,
        "article_slug": [(SLUGS["article"], True), (SEED, False)],
        # Ids are counted per model, so they are chosen by the resource they name.
        "id": {
            "/images/": [(str(draft_only["ids"]["image"]), True), *seed_images],
            "/revisions/": revisions,
            "/imports/": [(str(draft_only["ids"]["import job"]), True)],
        },
        "pk": [(str(draft_only["ids"]["import job"]), True)],
        "token": [(preview_token(seed_article), False), ("not-a-token", False)],
        "section": [(section, False) for section in _sections()],
        "format": [(".json", False), (".api", False)],
    }


def query_values(parameter):
    """Values to try for one query parameter of the schema: the draft's words and
    slugs where the parameter takes text, else one value of its type."""
    name, schema = parameter["name"], parameter.get("schema", {})
    if name == "q":
        return [*(words.split()[0] for words in DRAFT_WORDS.values()), "trotsky"]
    if name in ("author", "book", "issue", "article", "topic"):
        slug = SLUGS["article"] if name == "article" else SLUGS[name]
        return [slug, SLUGS["book author"]] if name == "author" else [slug]
    if name in ("cursor", "page"):
        return []  # The answers' own links are followed instead (walk()).
    if "enum" in schema:
        return schema["enum"][:3]
    if schema.get("type") == "array" and "enum" in schema.get("items", {}):
        return [",".join(schema["items"]["enum"])]
    if schema.get("type") == "boolean":
        return ["true", "false"]
    if schema.get("type") == "integer":
        return ["2399", "100"] if "number" in name else ["100"]
    if schema.get("format") in ("date", "date-time"):
        return ["1900-01-01"]
    return [SLUGS["article"]]


def schema_routes(client):
    """The API's GET routes from its schema: (path template, [query strings])."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    routes = []
    for template, operations in schema.json()["paths"].items():
        if "get" not in operations:
            continue
        # JSON, and the browsable API's HTML page, with its forms and filters.
        queries = ["", "format=api"]
        for parameter in operations["get"].get("parameters", []):
            if parameter["in"] == "query":
                queries += [urlencode({parameter["name"]: v}) for v in query_values(parameter)]
        routes.append((template, queries))
    return routes


def urlconf_routes(patterns=None, prefix=""):
    """Every other page the URL conf serves, as path templates in the schema's
    ``{name}`` style: the home page, feeds, sitemaps, health checks."""
    routes = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if any(route.startswith(skipped) for skipped in NOT_WALKED):
            continue
        if not isinstance(entry.pattern, RoutePattern):
            # DRF's router: the schema's routes (schema_routes()).
            assert route.startswith("api/v1/^"), f"a route neither walked nor excused: {route}"
            continue
        if isinstance(entry, URLResolver):
            routes += urlconf_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route != "api/v1/previews/<str:token>/":
            routes.append(("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), [""]))
    return routes


def expand(template, queries, values):
    """Concrete URLs for a route, each with its twin naming ``GHOST`` in place of the
    draft-only records it names (None if it names none)."""
    names = re.findall(r"{(\w+)}", template)
    unknown = [name for name in names if name not in values]
    assert not unknown, f"the walk cannot fill {unknown} in {template}: teach path_values()"
    urls = [(template, template)]
    for name in names:
        choices = values[name]
        if isinstance(choices, dict):
            [choices] = [c for part, c in choices.items() if part in template] or [None]
            assert choices, f"the walk cannot fill {name} in {template}: teach path_values()"
        urls = [
            (
                url.replace(f"{{{name}}}", value),
                ghost.replace(f"{{{name}}}", GHOSTS.get(name, GHOST) if drafty else value),
            )
            for url, ghost in urls
            for value, drafty in choices
        ]
    walk = []
    for url, ghost in urls:
        for query in queries:
            suffix = f"?{query}" if query else ""
            walk.append((url + suffix, ghost + suffix if ghost != url else None))
    return walk


def answers(client, url):
    """The answer to ``url`` and every page its ``Link`` header leads to (cursors,
    next pages), as (url, status, the text of its headers and body, what a reader is
    told: the status, the count and the body)."""
    seen, pending, found = set(), [url], []
    while pending and len(seen) < 5:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        response = client.get(current)
        headers = "\n".join(f"{name}: {value}" for name, value in response.items())
        body = b"".join(response) if response.streaming else response.content
        text = body.decode(errors="replace")
        # An HTML page differs from one request to the next (its CSRF token): its words
        # are checked, not its bytes.
        told = (response.status_code, response.get("X-Total-Count"), undated(text))
        if response.get("Content-Type", "").startswith("text/html"):
            told = None
        found.append((current, response.status_code, headers + "\n" + text, told))
        for link in re.findall(r"<https?://[^/>]+(/[^>]+)>", response.get("Link", "")):
            pending.append(link)
    return found


def undated(text):
    """A feed without items is dated when it is made (Django's syndication): without that
    date, so that two such feeds compare equal."""
    if "<item>" in text or "<entry>" in text:
        return text
    return re.sub(r"<(lastBuildDate|updated)>[^<]*</\1>", "", text)


def secrets_in(text, url):
    """The draft's words and slugs in ``text`` beyond those the request itself sent."""
    sent = url.lower()
    text = text.lower()
    words = {word.lower() for words in DRAFT_WORDS.values() for word in words.split()}
    words |= set(SLUGS.values())
    return sorted(word for word in words if word in text and word not in sent)


@pytest.fixture
def walk(draft_only, unthrottled):
    """Every route, as concrete URLs with their ghost twins."""
    client = APIClient()
    values = path_values(draft_only)
    routes = schema_routes(client) + urlconf_routes()
    walked = {template for template, _ in routes}
    assert "/api/v1/articles/{slug}/" in walked and "/api/v1/feeds/authors/{slug}.rss" in walked
    return [pair for template, queries in routes for pair in expand(template, queries, values)]


def test_no_draft_leaks_on_any_route_after_an_editor_warmed_the_caches(
    walk, editor, django_user_model
):
    """Nothing of the draft, not even a count or a record's existence, after an editor has
    walked every route: the reader is told exactly what they were told before it."""
    reader = django_user_model.objects.create_user("reader", password="x" * 20, is_staff=True)
    signed_in = APIClient()
    signed_in.force_login(reader)
    readers = {"anonymous": APIClient(), "signed in, no permission": signed_in}
    before = {
        (who, current): told
        for who, client in readers.items()
        for url, _ in walk
        for current, *_, told in answers(client, url)
    }
    cache.clear()

    warm = APIClient()
    warm.force_login(editor)
    editor_saw = set()
    for url, _ in walk:
        for current, status, text, _ in answers(warm, url):
            assert status < 500, (current, status)
            editor_saw.update(secrets_in(text, ""))
    # The walk reaches the draft: the editor read every part of it somewhere.
    assert editor_saw >= {"zymurgic", "xylophonic", "quokkaberry", "vexillographic"}, editor_saw
    assert editor_saw >= set(SLUGS.values()), editor_saw

    leaks = []
    for who, client in readers.items():
        for url, ghost in walk:
            for current, status, text, told in answers(client, url):
                assert status < 500, (who, current, status)
                if found := secrets_in(text, current):
                    leaks.append((who, current, status, found))
                elif told and told != before.get((who, current), told):
                    leaks.append((who, current, status, "told otherwise than before"))
            if ghost is not None:
                # A draft-only record answers as a record that does not exist.
                assert client.get(url).status_code == client.get(ghost).status_code, (who, url)
    assert not leaks, "\n".join(map(str, leaks))
