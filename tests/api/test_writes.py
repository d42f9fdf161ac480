"""Reading is public; writing is for authenticated editors with the model permission."""

import pytest
from rest_framework.test import APIClient

from articles.models import Article

SEED = "/api/v1/articles/trotskys-socialism/"
NEW_ARTICLE = {
    "issue": "socialist-worker-2215",
    "headline": "A new piece",
    "slug": "a-new-piece",
    "standfirst": "",
    "body": "One paragraph.\n\n## A heading\n\nAnother.",
    "status": "published",
    "published_at": "2010-08-18T09:00:00+01:00",
    "authors": ["isaac-deutscher", "esme-choonara"],
}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/articles/"),
        ("put", SEED),
        ("patch", SEED),
        ("delete", SEED),
        ("post", "/api/v1/books/"),
        ("delete", "/api/v1/books/my-life/"),
    ],
)
def test_anonymous_writes_are_refused(api, seed, method, url):
    response = getattr(api, method)(url, NEW_ARTICLE, format="json")
    assert response.status_code in (401, 403)
    assert Article.objects.count() == 1


def test_users_without_permission_cannot_write(db, seed, django_user_model):
    """Logged in is not enough: writing needs the model permission."""
    reader = django_user_model.objects.create_user(username="reader", password="x-long-pass!")
    client = APIClient()
    client.force_authenticate(reader)
    assert client.post("/api/v1/articles/", NEW_ARTICLE, format="json").status_code == 403
    assert client.patch(SEED, {"headline": "Defaced"}, format="json").status_code == 403
    assert client.delete(SEED).status_code == 403


def test_editor_creates_an_article_with_its_byline(editor_api, seed):
    """POST creates the article and answers with its detail shape, byline in order."""
    response = editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert [a["slug"] for a in body["authors"]] == ["isaac-deutscher", "esme-choonara"]
    assert body["blocks"][1] == {"type": "heading", "text": "A heading"}
    assert body["status"] == "published"
    assert Article.objects.get(slug="a-new-piece").word_count == 5


def test_editor_corrects_and_deletes_an_article(editor_api, seed):
    response = editor_api.patch(
        SEED, {"headline": "Trotsky’s socialism (corrected)"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["reading_list"]["note"].startswith("All available")
    assert Article.objects.get().headline == "Trotsky’s socialism (corrected)"
    assert editor_api.delete(SEED).status_code == 204
    assert not Article.objects.exists()


def test_publishing_without_a_time_is_400(editor_api, seed):
    payload = {**NEW_ARTICLE, "published_at": None}
    response = editor_api.post("/api/v1/articles/", payload, format="json")
    assert response.status_code == 400
    assert "published_at" in response.json()


def test_a_slug_an_api_route_takes_is_400(editor_api, seed):
    """``/api/v1/articles/counts/`` is the counts: an article slugged ``counts`` could
    never be read, so it is refused, and nothing is saved."""
    response = editor_api.post(
        "/api/v1/articles/", {**NEW_ARTICLE, "slug": "counts"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["slug"]
    assert not Article.objects.filter(slug="counts").exists()


@pytest.mark.parametrize("method", ["patch", "post"])
def test_a_byline_naming_an_author_twice_is_refused_and_nothing_is_saved(editor_api, seed, method):
    """A 400 naming ``authors``, not a 500 after half the change was saved."""
    before = Article.objects.get(), list(Article.objects.get().authors.values_list("slug"))
    change = {**NEW_ARTICLE, "authors": ["esme-choonara", "esme-choonara"]}
    url = SEED if method == "patch" else "/api/v1/articles/"
    response = getattr(editor_api, method)(url, change, format="json")
    assert response.status_code == 400
    assert response.json() == {"authors": ["Name each author once: esme-choonara."]}
    article = Article.objects.get()
    assert (article.headline, article.updated_at) == (before[0].headline, before[0].updated_at)
    assert list(article.authors.values_list("slug")) == before[1]


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
@pytest.mark.parametrize("method", ["patch", "post"])
def test_a_body_nested_too_deep_is_a_400_naming_the_limit(editor_api, seed, method, depth):
    """Deeper than Python's parser can recurse, or than any write needs: refused, not a 500."""
    before = Article.objects.get().headline
    nested = "[" * depth + "]" * depth
    url = SEED if method == "patch" else "/api/v1/articles/"
    body = '{"headline": "Changed", "authors": ' + nested + "}"
    response = getattr(editor_api, method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - nested more than 32 deep."}
    assert Article.objects.get().headline == before


def test_a_body_nested_within_the_limit_is_read(editor_api, seed):
    """At the limit the body is parsed, and the field's own rule answers."""
    nested = "[" * 31 + "]" * 31
    body = '{"authors": ' + nested + "}"
    response = editor_api.patch(SEED, body, content_type="application/json")
    assert response.status_code == 400
    assert "authors" in response.json()


READING_LIST = {
    "groups": [
        {
            "heading": "On Trotsky’s life try:",
            "entries": [
                {"text": "My Life, Trotsky's autobiography", "books": ["my-life"]},
                {
                    "text": "Isaac Deutscher’s three volume biography",
                    "books": ["the-prophet-armed", "the-prophet-unarmed", "the-prophet-outcast"],
                },
            ],
        },
        {"heading": "", "entries": [{"text": "A pamphlet no one has catalogued"}]},
    ],
    "note": "All available at Bookmarks.",
}


def test_an_article_is_written_with_its_reading_list(editor_api, seed):
    """The reading list is sent in the shape it is read in, books by slug, and is kept in
    order with its text exactly as sent."""
    response = editor_api.post(
        "/api/v1/articles/", {**NEW_ARTICLE, "reading_list": READING_LIST}, format="json"
    )
    assert response.status_code == 201, response.content
    written = response.json()["reading_list"]
    assert written["note"] == READING_LIST["note"]
    assert [group["heading"] for group in written["groups"]] == ["On Trotsky’s life try:", ""]
    deutscher = written["groups"][0]["entries"][1]
    assert deutscher["text"] == "Isaac Deutscher’s three volume biography"
    assert [book["slug"] for book in deutscher["books"]] == READING_LIST["groups"][0]["entries"][1][
        "books"
    ]
    assert written["groups"][1]["entries"][0]["books"] == []
    assert editor_api.get("/api/v1/articles/a-new-piece/").json()["reading_list"] == written


def test_a_correction_replaces_the_reading_list_or_leaves_it(editor_api, seed):
    before = editor_api.get(SEED).json()["reading_list"]
    editor_api.patch(SEED, {"headline": "Corrected"}, format="json")
    assert editor_api.get(SEED).json()["reading_list"] == before
    response = editor_api.patch(SEED, {"reading_list": {"groups": []}}, format="json")
    assert response.json()["reading_list"] == {"groups": [], "note": before["note"]}
    assert not Article.objects.get().reading_groups.exists()
    change = Article.objects.get().changes.order_by("revision_id").last()
    assert change.changed_fields == ["reading_list"]


@pytest.mark.parametrize(
    "entry",
    [
        {"text": "Unknown", "books": ["no-such-book"]},
        {"text": "Twice", "books": ["my-life", "my-life"]},
        {"text": "", "books": []},
    ],
)
def test_a_bad_reading_list_entry_is_a_400_and_changes_nothing(editor_api, seed, entry):
    before = editor_api.get(SEED).json()
    change = {
        "headline": "Changed",
        "reading_list": {"groups": [{"heading": "H", "entries": [{"text": "Fine"}, entry]}]},
    }
    response = editor_api.patch(SEED, change, format="json")
    assert response.status_code == 400
    # Errors of a list's items are keyed by the position of the items that were wrong.
    errors = response.json()["reading_list"]["groups"]["0"]["entries"]
    assert list(errors) == ["1"] and list(errors["1"]) in (["books"], ["text"])
    assert editor_api.get(SEED).json() == before


def test_the_note_is_sent_once(editor_api, seed):
    change = {"reading_list_note": "One", "reading_list": {"groups": [], "note": "Other"}}
    response = editor_api.patch(SEED, change, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["reading_list_note"]
