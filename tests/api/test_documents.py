"""Stored documents (``api.documents``): an article's list item and detail rendered when it
is written, always what the serializers make of it, served with the request's origin."""

import json
import random

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.documents import RENDERED_ORIGIN
from api.serializers import ArticleDetailSerializer, ArticleListSerializer
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleDocument,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListEntryBook,
    Topic,
)
from articles.synthetic import ABSENT_WORD, COMMON_WORD, MEDIUM_WORD, synthetic_documents
from tests.factories import ArticleFactory, ImageFactory, TopicFactory

pytestmark = pytest.mark.django_db


def serialized() -> dict[int, tuple[str, str]]:
    """Every article's list item and detail as the serializers render them for an
    anonymous reader at http://testserver."""
    request = Request(APIRequestFactory().get("/"))
    request.user = AnonymousUser()
    context = {"request": request, "format": None, "view": None}
    render = JSONRenderer().render
    items = {
        article.pk: render(ArticleListSerializer(article, context=context).data).decode()
        for article in Article.objects.for_api_list()
    }
    return {
        article.pk: (
            items[article.pk],
            render(ArticleDetailSerializer(article, context=context).data).decode(),
        )
        for article in Article.objects.for_api_detail()
    }


def stored() -> dict[int, tuple[str, str]]:
    def served(text):
        return text.replace(f'"{RENDERED_ORIGIN}', '"http://testserver')

    return {
        document.article_id: (served(document.item), served(document.detail))
        for document in ArticleDocument.objects.all()
    }


def assert_documents_current():
    expected, actual = serialized(), stored()
    assert actual.keys() == expected.keys()
    for pk, documents in expected.items():
        assert actual[pk] == documents, f"article {pk}"


@pytest.fixture
def generated(tmp_path):
    """60 generated articles in three issues, with topics, images and reading lists,
    imported as an archivist would."""
    call_command(
        "generate_archive", articles=60, authors=12, per_issue=20, seed=3, topics=6, verbosity=0
    )
    assert Article.objects.count() == 60
    return tmp_path


def random_edit(rng: random.Random, step: int) -> str:
    """One edit of the kind an editor, an import or an API client makes; its name."""
    article = rng.choice(list(Article.objects.all()))
    author = rng.choice(list(Author.objects.all()))
    edits = {
        "headline": lambda: _save(article, headline=f"Headline {step}"),
        "author renamed": lambda: _save(author, name=f"{author.name} {step}"),
        "book retitled": lambda: _save(rng.choice(list(Book.objects.all())), title=f"Book {step}"),
        "book credits": lambda: BookAuthor.objects.get_or_create(
            book=rng.choice(list(Book.objects.all())), author=author, defaults={"position": 9}
        ),
        "issue redated": lambda: _save(rng.choice(list(Issue.objects.all())), number=9000 + step),
        "publication renamed": lambda: _save(Publication.objects.first(), name=f"Paper {step}"),
        "byline added": lambda: ArticleAuthor.objects.get_or_create(
            article=article, author=author, defaults={"position": 5}
        ),
        "byline dropped": lambda: ArticleAuthor.objects.filter(
            pk__in=article.bylines.values("pk")[:1]
        ).delete(),
        "byline moved": lambda: [
            _save(byline, position=10 - byline.position) for byline in article.bylines.all()
        ],
        "image added": lambda: ImageFactory(article=article, position=step + 20),
        "image deleted": lambda: Image.objects.filter(
            pk__in=article.images.values("pk")[:1]
        ).delete(),
        "caption": lambda: [
            _save(image, caption=f"Caption {step}") for image in article.images.all()
        ],
        "topics set": lambda: article.topics.set(rng.sample(list(Topic.objects.all()), 2)),
        "topics cleared": lambda: article.topics.clear(),
        "topic renamed": lambda: _save(rng.choice(list(Topic.objects.all())), name=f"Topic {step}"),
        "topic deleted": lambda: rng.choice(list(Topic.objects.all())).delete(),
        "topic's articles cleared": lambda: rng.choice(list(Topic.objects.all())).articles.clear(),
        "reading entry": lambda: [
            _save(entry, text=f"Read this {step}")
            for entry in ReadingListEntry.objects.filter(group__article=article)
        ],
        "book dropped from a list": lambda: ReadingListEntryBook.objects.filter(
            pk__in=ReadingListEntryBook.objects.values("pk")[:1]
        ).delete(),
        "unpublished": lambda: Article.objects.filter(pk=article.pk).unpublish(),
        "published": lambda: Article.objects.filter(pk=article.pk).publish(),
        "article deleted": lambda: article.delete(),
        "new article": lambda: ArticleFactory(issue=article.issue, authors=[author]),
    }
    name = rng.choice(sorted(edits))
    if name.startswith("topic") and not Topic.objects.exists():
        TopicFactory()
    edits[name]()
    return name


def _save(record, **values):
    for name, value in values.items():
        setattr(record, name, value)
    record.save()


def test_documents_equal_the_serializers_after_random_edits(generated):
    assert_documents_current()
    rng = random.Random(19)
    done = []
    for step in range(60):
        done.append(random_edit(rng, step))
        if step % 10 == 9:
            assert_documents_current()
    assert len(set(done)) > 15


def test_documents_equal_the_serializers_after_an_import_and_a_bulk_publish(generated, tmp_path):
    source = tmp_path / "more"
    source.mkdir()
    documents = synthetic_documents(articles=40, per_issue=20, seed=4, authors=12)
    for number, document in enumerate(documents):
        (source / f"{number}.json").write_text(json.dumps(document), encoding="utf-8")
    call_command("import_archive", str(source), verbosity=0)
    Article.objects.filter(pk__in=Article.objects.order_by("pk").values("pk")[:30]).unpublish()
    Article.objects.filter(status=Article.Status.DRAFT).publish()
    assert_documents_current()


def test_an_api_write_renders_the_article_in_its_transaction(editor_api, seed):
    response = editor_api.patch(
        "/api/v1/articles/trotskys-socialism/",
        {"headline": "Trotsky’s socialism, again", "authors": []},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert_documents_current()
    assert json.loads(ArticleDocument.objects.get().detail)["authors"] == []


def test_the_list_and_the_detail_are_served_from_the_documents(api, seed):
    document = ArticleDocument.objects.get()
    marked = json.loads(document.detail) | {"headline": "Served as stored"}
    item = json.loads(document.item) | {"headline": "Listed as stored"}
    ArticleDocument.objects.filter(pk=document.pk).update(
        detail=json.dumps(marked), item=json.dumps(item)
    )
    assert api.get("/api/v1/articles/trotskys-socialism/").json()["headline"] == "Served as stored"
    assert api.get("/api/v1/articles/").json()["results"][0]["headline"] == "Listed as stored"
    found = api.get("/api/v1/articles/?q=trotsky").json()["results"][0]
    assert found["headline"] == "Listed as stored"
    assert "<mark>Trotsky</mark>" in found["highlight"]


def test_an_article_without_a_document_is_serialized(api, seed):
    served = api.get("/api/v1/articles/trotskys-socialism/").content
    listed = api.get("/api/v1/articles/").content
    ArticleDocument.objects.all().delete()
    assert api.get("/api/v1/articles/trotskys-socialism/?again").content == served
    assert api.get("/api/v1/articles/?page=1").content == listed


def test_documents_take_the_requests_scheme_and_host(api, seed, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    headers = {"HTTP_HOST": "archive.example.org", "HTTP_X_FORWARDED_PROTO": "https"}
    stored_detail = api.get("/api/v1/articles/trotskys-socialism/", **headers).json()
    stored_list = api.get("/api/v1/articles/", **headers).json()
    assert stored_detail["url"] == "https://archive.example.org/api/v1/articles/trotskys-socialism/"
    assert stored_detail["authors"][0]["url"].startswith("https://archive.example.org/api/v1/")
    ArticleDocument.objects.all().delete()
    assert api.get("/api/v1/articles/trotskys-socialism/?again", **headers).json() == stored_detail
    assert api.get("/api/v1/articles/?page=1", **headers).json() == stored_list


def test_an_article_whose_text_holds_the_rendering_origin_is_never_stored(api, seed):
    article = Article.objects.get()
    article.standfirst = f"{RENDERED_ORIGIN}/api/v1/ is not a link"
    article.save()
    assert not ArticleDocument.objects.exists()
    data = api.get("/api/v1/articles/trotskys-socialism/").json()
    assert data["standfirst"] == f"{RENDERED_ORIGIN}/api/v1/ is not a link"
    article.standfirst = ""
    article.save()
    assert ArticleDocument.objects.exists()


def test_documents_rendered_under_other_settings_are_not_served_until_rendered_again(
    api, seed, settings
):
    settings.FRONTEND_URLS = "article=https://example.org/{slug}"
    expected = "https://example.org/trotskys-socialism"
    assert api.get("/api/v1/articles/trotskys-socialism/").json()["web_url"] == expected
    assert api.get("/api/v1/articles/").json()["results"][0]["web_url"] == expected
    call_command("render_documents", verbosity=0)
    assert json.loads(ArticleDocument.objects.get().detail)["web_url"] == expected
    with CaptureQueriesContext(connection) as queries:
        assert api.get("/api/v1/articles/trotskys-socialism/?x").json()["web_url"] == expected
    assert len(queries) == 1


def test_editors_and_sparse_fieldsets_are_serialized(api, editor_api, seed):
    ArticleDocument.objects.update(detail='{"headline": "stale"}', item='{"headline": "stale"}')
    assert editor_api.get("/api/v1/articles/trotskys-socialism/").json()["status"] == "published"
    assert "status" in editor_api.get("/api/v1/articles/").json()["results"][0]
    fields = api.get("/api/v1/articles/?fields=slug,headline").json()["results"][0]
    assert fields == {"slug": "trotskys-socialism", "headline": "Trotsky’s socialism"}
    indented = api.get(
        "/api/v1/articles/trotskys-socialism/", HTTP_ACCEPT="application/json; indent=2"
    )
    assert indented.content.startswith(b'{\n  "id"')
    assert indented.json()["headline"] == "Trotsky’s socialism"


@pytest.mark.parametrize(
    "query",
    [COMMON_WORD, f"{COMMON_WORD} -{MEDIUM_WORD}", f"{MEDIUM_WORD} OR {COMMON_WORD}", ABSENT_WORD],
)
def test_a_search_from_the_documents_is_what_the_serializers_would_serve(api, generated, query):
    """A search's page is its rows' stored items with their passages: the same items, in
    the same order, with the same fields in the same order, as when each article is
    serialized (its document missing), on numbered pages, deep pages and the cursor's."""
    pages = [
        f"/api/v1/articles/?q={query}",
        f"/api/v1/articles/?q={query}&ordering=-published_at&cursor=",
    ]
    if api.get(pages[0]).json()["count"] > 3:
        pages.append(f"/api/v1/articles/?q={query}&page=2&page_size=3")
    elif query == COMMON_WORD:
        pytest.fail("The common word should match enough articles for a second page.")

    def results(suffix=""):
        answers = [api.get(page + suffix) for page in pages]
        assert all(answer.status_code == 200 for answer in answers)
        return [[list(item.items()) for item in answer.json()["results"]] for answer in answers]

    from_documents = results()
    if query != ABSENT_WORD:
        assert "<mark>" in from_documents[0][0][-1][1]
    ids = sorted(ArticleDocument.objects.values_list("pk", flat=True))
    ArticleDocument.objects.filter(pk__in=ids[::2]).delete()
    assert results("&half_stored") == from_documents
    ArticleDocument.objects.all().delete()
    assert results("&none_stored") == from_documents


def test_the_articles_a_page_embeds_are_served_from_the_documents(api, seed):
    ArticleDocument.objects.update(item=json.dumps({"headline": "Listed as stored"}))
    article = Article.objects.get()
    book = Book.objects.filter(entries__group__article=article).first()
    pages = [
        f"/api/v1/issues/{article.issue.slug}/",
        f"/api/v1/authors/{article.authors.first().slug}/",
        f"/api/v1/books/{book.slug}/",
    ]
    for page in pages:
        assert api.get(page).json()["articles"] == [{"headline": "Listed as stored"}], page
        indented = api.get(f"{page}?indented", HTTP_ACCEPT="application/json; indent=2")
        assert indented.json()["articles"][0]["headline"] == "Trotsky’s socialism", page
    related = ArticleFactory(issue=article.issue, authors=list(article.authors.all()))
    ArticleDocument.objects.update(item=json.dumps({"headline": "Listed as stored"}))
    page = f"/api/v1/articles/{related.slug}/related/"
    assert api.get(page).json()["results"] == [{"headline": "Listed as stored"}]


def test_pages_embedding_articles_are_what_the_serializers_would_serve(api, generated):
    """Issues', authors', books' and topics' pages, and articles' related articles, hold
    their articles' stored items: the same bytes as when each article is serialized (its
    document missing), and the same data as the serializers give a reader asking for
    indented JSON."""
    pages = [
        *(f"/api/v1/issues/{issue.slug}/" for issue in Issue.objects.all()),
        *(f"/api/v1/authors/{author.slug}/" for author in Author.objects.all()[:4]),
        *(f"/api/v1/books/{book.slug}/" for book in Book.objects.all()[:4]),
        *(f"/api/v1/topics/{topic.slug}/" for topic in Topic.objects.all()[:2]),
        *(f"/api/v1/articles/{article.slug}/related/" for article in Article.objects.all()[:4]),
    ]

    def answers(suffix, **headers):
        found = [api.get(page + suffix, **headers) for page in pages]
        assert all(answer.status_code == 200 for answer in found)
        return found

    from_documents = [answer.content for answer in answers("")]
    for content in from_documents:
        data = json.loads(content)
        assert data.get("articles") or data["results"]
    serialized = answers("?serialized", HTTP_ACCEPT="application/json; indent=2")
    assert [json.loads(content) for content in from_documents] == [
        answer.json() for answer in serialized
    ]
    ids = sorted(ArticleDocument.objects.values_list("pk", flat=True))
    ArticleDocument.objects.filter(pk__in=ids[::2]).delete()
    assert [answer.content for answer in answers("?half_stored")] == from_documents
    ArticleDocument.objects.all().delete()
    assert [answer.content for answer in answers("?none_stored")] == from_documents


def test_a_deleted_article_leaves_no_document(seed):
    Article.objects.get().delete()
    assert not ArticleDocument.objects.exists()


def test_render_documents_renders_what_is_missing(seed, capsys):
    ArticleDocument.objects.all().delete()
    call_command("render_documents")
    assert "Rendered 1 article documents" in capsys.readouterr().out
    assert_documents_current()


def test_a_write_showing_on_too_many_articles_leaves_them_to_render_documents(
    api, generated, monkeypatch
):
    monkeypatch.setattr("api.documents.RENDER_IN_WRITE_LIMIT", 10)
    slug = Article.objects.published().order_by("pk").first().slug
    before = api.get(f"/api/v1/articles/{slug}/").json()
    _save(Publication.objects.get(), name="The Renamed Paper")
    assert not ArticleDocument.objects.exists()
    renamed = api.get(f"/api/v1/articles/{slug}/").json()
    assert renamed["issue"]["publication"]["name"] == "The Renamed Paper"
    assert renamed | {"issue": before["issue"]} == before
    call_command("render_documents", verbosity=0)
    assert_documents_current()
