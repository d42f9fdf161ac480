"""Article list and detail: the shapes front ends are written against."""

import pytest

from api.serializers import ArticleDetailSerializer
from articles.models import (
    ArticleAuthor,
    BookAuthor,
    Issue,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from tests.factories import ArticleFactory, AuthorFactory, BookFactory, ImageFactory

from .utils import clear_cached_answers, slugs

SEED = "/api/v1/articles/trotskys-socialism/"
API = "http://testserver/api/v1/"


def test_the_seed_article_page_in_one_request(api, seed):
    """Detail embeds issue, byline, image caption and the whole reading list."""
    article = api.get(SEED).json()
    assert article["headline"] == "Trotsky’s socialism"
    assert article["standfirst"].startswith(
        "Seventy years ago the Russian revolutionary Leon\xa0Trotsky"
    )
    assert article["published_at"] == "2010-08-17T18:05:00+01:00"
    assert article["url"] == "http://testserver/api/v1/articles/trotskys-socialism/"
    # Embedded records carry their own API URL, so a front end follows them as given.
    assert article["issue"] == {
        "slug": "socialist-worker-2215",
        "url": f"{API}issues/socialist-worker-2215/",
        "web_url": None,
        "number": 2215,
        "date": None,
        "publication": {
            "slug": "socialist-worker",
            "url": f"{API}publications/socialist-worker/",
            "name": "Socialist Worker",
        },
    }
    assert article["authors"] == [
        {
            "slug": "esme-choonara",
            "url": f"{API}authors/esme-choonara/",
            "web_url": None,
            "name": "Esme Choonara",
        }
    ]
    caption = "Leon Trotsky addresses Red Army troops in 1918"
    image = {"caption": caption, "credit": "", "alt_text": "", "url": None, "width": None}
    assert article["images"][0].items() >= {**image, "height": None}.items()
    assert article["lead_image"] == article["images"][0]
    assert article["word_count"] == 1364
    assert "status" not in article and "highlight" not in article

    reading_list = article["reading_list"]
    assert [group["heading"] for group in reading_list["groups"]] == [
        "All of Trotsky’s writings are worth reading, especially:",
        "On Trotsky’s life try:",
        "For an introduction to his ideas try:",
    ]
    deutscher = reading_list["groups"][1]["entries"][1]
    assert deutscher["text"].startswith("Isaac Deutscher’s three volume biography")
    assert [book["slug"] for book in deutscher["books"]] == [
        "the-prophet-armed",
        "the-prophet-unarmed",
        "the-prophet-outcast",
    ]
    assert deutscher["books"][0]["url"] == f"{API}books/the-prophet-armed/"
    assert deutscher["books"][0]["authors"] == [
        {
            "slug": "isaac-deutscher",
            "url": f"{API}authors/isaac-deutscher/",
            "web_url": None,
            "name": "Isaac Deutscher",
        }
    ]
    assert reading_list["groups"][1]["entries"][0]["text"] == "My Life, Trotsky's autobiography"
    assert reading_list["note"].startswith("All available at Bookmarks")


def test_body_comes_as_text_html_and_blocks(api, seed):
    """The body as edited, as escaped HTML and as paragraph/heading blocks."""
    article = api.get(SEED).json()
    assert article["body"].startswith("Seventy years ago this week")
    assert article["body_html"].startswith("<p>Seventy years ago this week")
    assert {"type": "heading", "text": "An inspiration for today"} in article["blocks"]
    assert "<h2>An inspiration for today</h2>" in article["body_html"]


def test_list_item_shape(api, seed):
    """A list item is the summary: no body, no reading list."""
    item = api.get("/api/v1/articles/").json()["results"][0]
    assert list(item) == [
        "id",
        "slug",
        "url",
        "web_url",
        "headline",
        "standfirst",
        "published_at",
        "updated_at",
        "issue",
        "authors",
        "topics",
        "lead_image",
        "word_count",
    ]
    assert item["lead_image"]["caption"] == "Leon Trotsky addresses Red Army troops in 1918"


def test_authors_keep_byline_order_and_lead_image_is_the_first(api, db):
    """Authors come in byline order; the lead image is the lowest position, else null."""
    zoe, adam = AuthorFactory(name="Zoe Zed"), AuthorFactory(name="Adam Ant")
    article = ArticleFactory(authors=[zoe, adam])
    ImageFactory(article=article, position=2, caption="second")
    ImageFactory(article=article, position=1, caption="first")
    bare = ArticleFactory()
    items = {item["slug"]: item for item in api.get("/api/v1/articles/").json()["results"]}
    assert [a["name"] for a in items[article.slug]["authors"]] == ["Zoe Zed", "Adam Ant"]
    assert items[article.slug]["lead_image"]["caption"] == "first"
    assert items[bare.slug]["lead_image"] is None
    detail = api.get(f"/api/v1/articles/{article.slug}/").json()
    assert [image["caption"] for image in detail["images"]] == ["first", "second"]
    assert detail["reading_list"] is None


def test_every_embedded_list_follows_positions_not_insertion_order(api, db):
    """Bylines, images and each level of the reading list are built in the database as
    JSON: each keeps its ``position`` order, here the reverse of the rows' ids."""
    article = ArticleFactory()
    article.bylines.all().delete()
    authors = [AuthorFactory(name=name) for name in ("Second Author", "First Author")]
    for position, author in zip((1, 0), authors, strict=True):
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    ImageFactory(article=article, position=1, caption="second image")
    ImageFactory(article=article, position=0, caption="first image")
    later = ReadingListGroup.objects.create(article=article, position=1, heading="Later")
    group = ReadingListGroup.objects.create(article=article, position=0, heading="First")
    ReadingListEntry.objects.create(group=group, position=1, text="second entry")
    entry = ReadingListEntry.objects.create(group=group, position=0, text="first entry")
    books = [BookFactory(title="Second Book"), BookFactory(title="First Book")]
    for position, book in zip((1, 0), books, strict=True):
        ReadingListEntryBook.objects.create(entry=entry, book=book, position=position)
    books[1].credits.all().delete()
    for position, author in zip((1, 0), authors, strict=True):
        BookAuthor.objects.create(book=books[1], author=author, position=position)

    for url in ("/api/v1/articles/", f"/api/v1/articles/{article.slug}/"):
        body = api.get(url).json()
        item = body["results"][0] if "results" in body else body
        assert [a["name"] for a in item["authors"]] == ["First Author", "Second Author"]
        assert item["lead_image"]["caption"] == "first image"
    detail = api.get(f"/api/v1/articles/{article.slug}/").json()
    assert [image["caption"] for image in detail["images"]] == ["first image", "second image"]
    groups = detail["reading_list"]["groups"]
    assert [g["heading"] for g in groups] == ["First", "Later"]
    assert groups[1] == {"heading": later.heading, "entries": []}
    assert [e["text"] for e in groups[0]["entries"]] == ["first entry", "second entry"]
    first_entry = groups[0]["entries"][0]
    assert [b["title"] for b in first_entry["books"]] == ["First Book", "Second Book"]
    assert [a["name"] for a in first_entry["books"][0]["authors"]] == [
        "First Author",
        "Second Author",
    ]
    assert groups[0]["entries"][1]["books"] == []


def test_unknown_slug_is_404(api, seed):
    response = api.get("/api/v1/articles/no-such-article/")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("url", ["/api/v1/articles/", SEED])
def test_sparse_fieldsets(api, seed, url):
    """``fields=`` returns only the named fields, on lists and details alike."""
    response = api.get(url, {"fields": "headline,published_at"})
    body = response.json()
    item = body["results"][0] if "results" in body else body
    assert list(item) == ["headline", "published_at"]


def test_one_readers_shape_does_not_leak_into_the_next(api, editor_api, seed):
    """Serializers build their fields once per class and copy them per request: a sparse
    fieldset, or the staff-only ``status``, must not stick to the shared copy."""
    assert list(api.get(SEED, {"fields": "slug"}).json()) == ["slug"]
    assert "status" in editor_api.get(SEED).json()
    full = api.get(SEED).json()
    assert list(full) == [
        name for name in ArticleDetailSerializer.Meta.fields if name not in ("status", "highlight")
    ]


@pytest.mark.parametrize("url", ["/api/v1/articles/", SEED])
def test_unknown_sparse_field_is_400_naming_fields(api, seed, url):
    response = api.get(url, {"fields": "headline,nonsense"})
    assert response.status_code == 400
    assert "nonsense" in response.json()["fields"][0]


def test_staff_see_status_in_sparse_fields(editor_api, seed):
    item = editor_api.get(SEED, {"fields": "slug,status"}).json()
    assert item == {"slug": "trotskys-socialism", "status": "published"}


def test_anonymous_list_hides_drafts_and_scheduled(api, unpublished):
    """Anonymous readers see ``published()`` only: no drafts, nothing scheduled for later."""
    draft, scheduled = unpublished
    assert slugs(api.get("/api/v1/articles/")) == ["trotskys-socialism"]
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 404
    assert api.get(f"/api/v1/articles/{scheduled.slug}/").status_code == 404


def test_staff_see_drafts_scheduled_and_status(editor_api, unpublished):
    """Staff, by token, see every article and its ``status``."""
    draft, scheduled = unpublished
    results = editor_api.get("/api/v1/articles/").json()["results"]
    assert {item["slug"]: item["status"] for item in results} == {
        "trotskys-socialism": "published",
        draft.slug: "draft",
        scheduled.slug: "published",
    }
    assert editor_api.get(f"/api/v1/articles/{draft.slug}/").json()["status"] == "draft"


def test_staff_session_sees_drafts(editor_client, unpublished):
    """Session authentication (the admin's login) works for the API too."""
    draft, _ = unpublished
    assert editor_client.get(f"/api/v1/articles/{draft.slug}/").status_code == 200


def test_nested_article_lists_hide_drafts(api, editor_api, unpublished):
    """Issue, author and book pages show anonymous readers published articles only."""
    draft, _ = unpublished
    draft.issue = Issue.objects.get(slug="socialist-worker-2215")
    draft.save()
    issue_url = "/api/v1/issues/socialist-worker-2215/"
    assert [a["slug"] for a in api.get(issue_url).json()["articles"]] == ["trotskys-socialism"]
    staff_view = [a["slug"] for a in editor_api.get(issue_url).json()["articles"]]
    assert set(staff_view) == {draft.slug, "trotskys-socialism"}
    author = draft.bylines.get().author
    # Named by the draft alone, the author is the draft's news: not there for the public.
    assert api.get(f"/api/v1/authors/{author.slug}/").status_code == 404
    assert [
        a["slug"] for a in editor_api.get(f"/api/v1/authors/{author.slug}/").json()["articles"]
    ] == [draft.slug]


def test_a_detail_route_ignores_the_list_filters(api, seed, django_assert_num_queries):
    """The list's query parameters are not the detail's: the article comes in one query,
    whatever filter a client leaves in the query string."""
    api.get(SEED)
    clear_cached_answers()
    with django_assert_num_queries(1):
        response = api.get(SEED, {"author": "no-such-author", "year": "not-a-year"})
    assert response.status_code == 200
    assert response.json()["slug"] == "trotskys-socialism"
