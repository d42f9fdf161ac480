"""Editors write every resource over the API: each write gated by its model permission,
validated as the admin validates (same messages), atomic with its revision, and a delete
that other records still need refused with a 409 naming them."""

import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from PIL import Image as PillowImage
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Article, Author, Book, Image, Issue, Publication, Topic
from history.models import Change
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BookFactory,
    ImageFactory,
    IssueFactory,
    PublicationFactory,
    TopicFactory,
)

API = "/api/v1/"
SEED = "trotskys-socialism"


@dataclass
class Resource:
    """A writable resource: its route, a record of its own to change or delete (one that
    nothing else needs), a body that creates one, and a correction."""

    route: str
    model: Any
    make: Any
    create: dict
    change: dict
    key: str = "slug"

    def detail(self, record) -> str:
        return f"{API}{self.route}/{getattr(record, self.key)}/"


RESOURCES = {
    "publication": Resource(
        "publications",
        Publication,
        lambda: PublicationFactory(name="Morning Star"),
        {"name": "International Socialism"},
        {"name": "Morning Star (weekly)"},
    ),
    "issue": Resource(
        "issues",
        Issue,
        lambda: IssueFactory(number=2300),
        {"publication": "socialist-worker", "number": 2216},
        {"date": "2010-08-24"},
    ),
    "author": Resource(
        "authors",
        Author,
        lambda: AuthorFactory(name="Tony Cliff"),
        {"name": "Chris Harman"},
        {"bio": "Editor of Socialist Worker."},
    ),
    "book": Resource(
        "books",
        Book,
        lambda: BookFactory(title="State Capitalism in Russia"),
        {"title": "The Lost Revolution", "authors": ["duncan-hallas"], "year": 1982},
        {"publisher": "Bookmarks"},
    ),
    "topic": Resource(
        "topics",
        Topic,
        lambda: TopicFactory(name="Imperialism"),
        {"name": "Trade unions"},
        {"description": "Strikes, ballots and the law."},
    ),
    "image": Resource(
        "images",
        Image,
        lambda: ImageFactory(article=Article.objects.get(slug=SEED), position=1),
        {"article": SEED, "position": 2, "caption": "Trotsky in Mexico"},
        {"alt_text": "Trotsky at his desk"},
        key="pk",
    ),
    "article": Resource(
        "articles",
        Article,
        lambda: ArticleFactory(status=Article.Status.DRAFT, published_at=None),
        {
            "issue": "socialist-worker-2215",
            "headline": "A new piece",
            "slug": "a-new-piece",
            "body": "One paragraph.",
            "status": "draft",
            "published_at": None,
        },
        {"standfirst": "Corrected."},
    ),
}
# Each method, the permission it needs and the status it answers when allowed.
METHODS = {"post": ("add", 201), "put": ("change", 200), "patch": ("change", 200)}
METHODS["delete"] = ("delete", 204)


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def send(client, method, name, record):
    resource = RESOURCES[name]
    if method == "post":
        return client.post(f"{API}{resource.route}/", resource.create, format="json")
    body = resource.create if method == "put" else resource.change
    return getattr(client, method)(resource.detail(record), body, format="json")


def snapshot(model):
    return sorted(model.objects.values_list(), key=str)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", RESOURCES)
def test_each_write_needs_its_model_permission(seed, django_user_model, name, method):
    """Anonymous: 401; signed in with every other permission on the archive: 403; with the
    one permission the method needs (and the view permission): done. The refusals write nothing."""
    resource = RESOURCES[name]
    record = resource.make()
    action, done = METHODS[method]
    codename = f"{action}_{resource.model._meta.model_name}"
    archive = Permission.objects.filter(content_type__app_label="articles")
    before = snapshot(resource.model)

    assert send(APIClient(), method, name, record).status_code == 401
    lacking = django_user_model.objects.create_user("lacking", is_staff=True)
    lacking.user_permissions.set(archive.exclude(codename=codename))
    response = send(client_for(lacking), method, name, record)
    assert response.status_code == 403, response.content
    assert snapshot(resource.model) == before
    assert not Change.objects.exists()

    # Deleting a draft article needs it found first: only readers of drafts (who may view
    # or change articles) find one.
    needed = {codename, f"view_{resource.model._meta.model_name}"}
    holder = django_user_model.objects.create_user("holder", is_staff=True)
    holder.user_permissions.set(archive.filter(codename__in=needed))
    response = send(client_for(holder), method, name, record)
    assert response.status_code == done, response.content
    assert snapshot(resource.model) != before


@pytest.mark.parametrize("name", RESOURCES)
def test_reads_stay_public(api, seed, name):
    resource = RESOURCES[name]
    # The seed files its article under no topic.
    record = resource.model.objects.first() or resource.make()
    assert api.get(f"{API}{resource.route}/").status_code == 200
    assert api.get(resource.detail(record)).status_code == 200


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("publication", {"name": "Socialist Worker", "slug": "sw"}),
        ("author", {"name": "Someone", "slug": "esme-choonara"}),
        ("book", {"title": "My Life", "slug": "my-life"}),
        ("issue", {"publication": "socialist-worker", "number": 2215, "slug": "sw-2215"}),
        (
            "article",
            {
                "issue": "socialist-worker-2215",
                "headline": "Trotsky’s socialism",
                "slug": SEED,
                "body": "Text.",
                "status": "draft",
            },
        ),
        (
            "article",
            {
                "issue": "socialist-worker-2215",
                "headline": "Undated",
                "slug": "undated",
                "body": "Text.",
                "status": "published",
            },
        ),
        (
            "issue",
            {"publication": "socialist-worker", "number": 7, "slug": "socialist-worker-2215"},
        ),
        ("author", {"name": "", "slug": "nobody"}),
        ("author", {"name": None, "slug": "nobody"}),
        ("issue", {"publication": "socialist-worker", "number": 2216, "date": "someday"}),
        (
            "article",
            {
                "issue": "socialist-worker-2215",
                "headline": "H",
                "slug": "h",
                "body": "B",
                "status": "bogus",
            },
        ),
        ("author", {"name": "N" * 201, "slug": "s" * 201}),
        ("author", {"name": "Someone", "slug": "not a slug"}),
        ("book", {"title": "", "slug": "untitled", "isbn": "9" * 14, "volume": -1}),
        ("topic", {"name": "", "slug": "Ünïcode"}),
        ("publication", {"name": " ", "slug": ""}),
        ("issue", {"publication": "socialist-worker", "number": 0, "slug": "sw-0"}),
        ("issue", {"publication": "socialist-worker", "number": -3, "slug": "sw-minus"}),
        ("issue", {"publication": "socialist-worker", "number": "two", "slug": "sw-two"}),
        (
            "article",
            {
                "issue": "socialist-worker-2215",
                "headline": "",
                "slug": "x",
                "body": "",
                "status": "draft",
            },
        ),
    ],
)
def test_validation_errors_are_the_admins(editor_api, seed, rf, editor, name, body):
    """A record the admin would refuse is a 400 with the admin form's own messages, and
    nothing is written."""
    resource = RESOURCES[name]
    before = snapshot(resource.model)
    response = editor_api.post(f"{API}{resource.route}/", body, format="json")
    assert response.status_code == 400
    assert response.json() == admin_errors(rf, editor, resource.model, body)
    assert snapshot(resource.model) == before


def test_a_date_time_that_does_not_parse_gets_the_forms_message(editor_api, seed):
    """The admin splits it in two boxes; the API takes it whole, with the message a whole
    date-time field gives."""
    body = {"published_at": "17 August 2010"}
    response = editor_api.patch(f"{API}articles/{SEED}/", body, format="json")
    assert response.json() == {"published_at": ["Enter a valid date/time."]}


def test_null_text_where_empty_is_allowed_is_refused_as_null(editor_api, seed):
    response = editor_api.patch(f"{API}authors/duncan-hallas/", {"bio": None}, format="json")
    assert response.json() == {"bio": ["This field may not be null."]}


@pytest.mark.parametrize("number", [0, -3])
def test_an_issue_number_below_one_is_refused_on_its_field(editor_api, seed, rf, editor, number):
    """Not as a violated database constraint, and not with a bound of 0."""
    body = {"publication": "socialist-worker", "number": number, "slug": "sw-zero"}
    expected = {"number": ["Ensure this value is greater than or equal to 1."]}
    assert admin_errors(rf, editor, Issue, body) == expected
    assert editor_api.post(f"{API}issues/", body, format="json").json() == expected


def admin_errors(rf: RequestFactory, editor, model, body) -> dict:
    """The errors the model's admin add form gives for ``body`` (related records by slug),
    keyed as the API keys them."""
    request = rf.get("/")
    request.user = editor
    form_class = admin.site.get_model_admin(model).get_form(request)
    data = dict(body)
    for name, related in (("publication", Publication), ("issue", Issue)):
        if name in data:
            data[name] = related.objects.get(slug=data[name]).pk
    form = form_class(data=data)
    assert not form.is_valid()
    errors = {name: list(messages) for name, messages in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


def test_slugs_are_made_as_the_admin_and_importer_make_them(editor_api, seed):
    """Left out, a slug comes from the name or title; an issue's from its publication and
    number."""
    author = editor_api.post(f"{API}authors/", {"name": "Chris Harman"}, format="json").json()
    assert author["slug"] == "chris-harman"
    assert author["url"] == "http://testserver/api/v1/authors/chris-harman/"
    issue = editor_api.post(
        f"{API}issues/", {"publication": "socialist-worker", "number": 2216}, format="json"
    ).json()
    assert issue["slug"] == "socialist-worker-2216"
    assert issue["publication"]["slug"] == "socialist-worker"


def test_text_is_stored_as_sent(editor_api, seed):
    bio = "Born in Leeds.\n\nEdited “Socialist\xa0Worker”."
    response = editor_api.patch(f"{API}authors/duncan-hallas/", {"bio": bio}, format="json")
    assert response.status_code == 200
    assert Author.objects.get(slug="duncan-hallas").bio == bio


def test_line_ends_are_stored_as_the_admins_text_boxes_store_them(editor_api, seed):
    """CRLF and CR become LF in every multi-line text, as in the admin: the body's blocks
    and HTML are made from its lines."""
    body = {
        "body": "One.\r\n\r\n## Head\r\rTwo.",
        "reading_list": {
            "groups": [{"heading": "Try:", "entries": [{"text": "My Life,\r\nTrotsky"}]}],
            "note": "All at\r\nBookmarks",
        },
    }
    response = editor_api.patch(f"{API}articles/{SEED}/", body, format="json")
    assert response.status_code == 200, response.content
    article = response.json()
    assert article["body"] == "One.\n\n## Head\n\nTwo."
    assert [block["text"] for block in article["blocks"]] == ["One.", "Head", "Two."]
    assert article["reading_list"]["groups"][0]["entries"][0]["text"] == "My Life,\nTrotsky"
    assert article["reading_list"]["note"] == "All at\nBookmarks"
    bio = editor_api.patch(f"{API}authors/duncan-hallas/", {"bio": "A\r\nB"}, format="json")
    assert bio.json()["bio"] == "A\nB"


def test_a_book_is_written_with_its_authors_in_order(editor_api, seed):
    body = {"title": "Marxism and the Party", "authors": ["leon-trotsky", "duncan-hallas"]}
    response = editor_api.post(f"{API}books/", body, format="json")
    assert response.status_code == 201, response.content
    assert [a["slug"] for a in response.json()["authors"]] == body["authors"]
    response = editor_api.patch(
        f"{API}books/marxism-and-the-party/", {"authors": ["duncan-hallas"]}, format="json"
    )
    assert [a["slug"] for a in response.json()["authors"]] == ["duncan-hallas"]
    assert Book.objects.get(slug="marxism-and-the-party").ordered_authors == [
        Author.objects.get(slug="duncan-hallas")
    ]


@pytest.mark.parametrize(
    "authors",
    [["duncan-hallas", "duncan-hallas"], ["duncan-hallas", "nobody-at-all"]],
)
def test_a_bad_credit_writes_nothing_of_the_book(editor_api, seed, authors):
    """The book and its credits are one write: a bad credit leaves neither."""
    response = editor_api.post(
        f"{API}books/", {"title": "Half a book", "authors": authors}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["authors"]
    assert not Book.objects.filter(title="Half a book").exists()
    response = editor_api.put(
        f"{API}books/my-life/", {"title": "Half a book", "authors": authors}, format="json"
    )
    assert response.status_code == 400
    assert Book.objects.get(slug="my-life").title == "My Life"


def test_a_write_whose_revision_fails_leaves_nothing(editor_api, seed, monkeypatch):
    """The record, its parts and its revision are one transaction."""

    def fail(*args, **kwargs):
        raise RuntimeError("the revision could not be written")

    monkeypatch.setattr("api.preconditions.record_versions", fail)
    body = {"title": "Never saved", "authors": ["duncan-hallas"]}
    with pytest.raises(RuntimeError):
        editor_api.post(f"{API}books/", body, format="json")
    assert not Book.objects.filter(title="Never saved").exists()
    assert Book.objects.count() == 9
    with pytest.raises(RuntimeError):
        editor_api.patch(f"{API}books/my-life/", body, format="json")
    assert Book.objects.get(slug="my-life").ordered_authors[0].slug == "leon-trotsky"


def test_each_write_is_a_revision_from_the_api(editor_api, seed, editor):
    """Create, change (only when something changed, naming the fields) and delete."""
    editor_api.post(f"{API}authors/", {"name": "Chris Harman"}, format="json")
    editor_api.patch(f"{API}authors/chris-harman/", {"bio": "Editor."}, format="json")
    editor_api.patch(f"{API}authors/chris-harman/", {"bio": "Editor."}, format="json")
    editor_api.delete(f"{API}authors/chris-harman/")
    changes = Change.objects.order_by("revision_id")
    assert [(c.action, c.changed_fields) for c in changes] == [
        ("created", ["name", "slug"]),
        ("changed", ["bio"]),
        ("deleted", []),
    ]
    assert {(c.source, c.revision.user) for c in changes} == {("api", editor)}
    deleted = changes.last().revision.version_set.get()
    assert deleted.field_dict["name"] == "Chris Harman"


def test_an_image_write_is_a_revision_of_its_article(editor_api, seed):
    """An image is part of its article, as on the image's admin page."""
    image = Image.objects.get()
    response = editor_api.patch(f"{API}images/{image.pk}/", {"credit": "Archive"}, format="json")
    assert response.status_code == 200
    change = Change.objects.get(action="changed")
    assert (change.source, change.article.slug, change.changed_fields) == ("api", SEED, ["images"])


def test_an_image_whose_file_storage_lacks_can_still_be_corrected(editor_api, seed):
    """An imported document may name a file that was never copied into media: correcting
    the caption leaves the file alone, and does not need to read it."""
    image = Image.objects.get()
    Image.objects.filter(pk=image.pk).update(file="images/never-copied.jpg", width=8, height=6)
    response = editor_api.patch(f"{API}images/{image.pk}/", {"caption": "Corrected"}, format="json")
    assert response.status_code == 200, response.content
    image = Image.objects.get(pk=image.pk)
    assert (image.caption, image.file.name, image.width, image.height) == (
        "Corrected",
        "images/never-copied.jpg",
        8,
        6,
    )


@pytest.mark.parametrize(
    ("url", "needed_by"),
    [
        (f"{API}publications/socialist-worker/", [("issue", "socialist-worker-2215")]),
        (f"{API}issues/socialist-worker-2215/", [("article", SEED)]),
        (f"{API}authors/esme-choonara/", [("article", SEED)]),
        (f"{API}authors/isaac-deutscher/", [("book", s) for s in ("the-prophet-armed",)]),
        (f"{API}books/my-life/", [("article", SEED)]),
    ],
)
def test_deleting_what_others_need_is_a_409_naming_them(editor_api, seed, url, needed_by):
    everything = [snapshot(model) for model in (Publication, Issue, Article, Author, Book)]
    response = editor_api.delete(url)
    assert response.status_code == 409, response.content
    body = response.json()
    named = [(record["type"], record["slug"]) for record in body["needed_by"]]
    assert set(needed_by) <= set(named)
    assert body["needed_by_count"] == len(named)
    assert "Nothing was deleted" in body["detail"]
    assert [snapshot(model) for model in (Publication, Issue, Article, Author, Book)] == everything
    assert not Change.objects.exists()


def test_a_409_names_the_first_twenty_and_counts_them_all(editor_api, seed):
    issue = IssueFactory()
    ArticleFactory.create_batch(25, issue=issue)
    body = editor_api.delete(f"{API}issues/{issue.slug}/").json()
    assert (len(body["needed_by"]), body["needed_by_count"]) == (20, 25)
    assert "and 22 more" in body["detail"]


def test_a_409_costs_the_same_queries_however_many_records_need_it(editor_api, seed):
    """Not a query per byline: an author of 30 articles costs what one of 3 does."""
    counts = []
    for bylines in (3, 30):
        author = AuthorFactory()
        for _ in range(bylines):
            ArticleFactory(authors=[author])
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            assert editor_api.delete(f"{API}authors/{author.slug}/").status_code == 409
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_record_nothing_needs_is_deleted(editor_api, seed):
    assert editor_api.delete(f"{API}authors/duncan-hallas/").status_code == 409
    book = BookFactory(authors=[AuthorFactory(name="Solo Writer")])
    assert editor_api.delete(f"{API}books/{book.slug}/").status_code == 204
    assert editor_api.delete(f"{API}authors/solo-writer/").status_code == 204
    assert not Author.objects.filter(slug="solo-writer").exists()


def test_writes_retire_the_cached_answers(api, editor_api, seed):
    """An anonymous reader's cached page is never served after a write."""
    assert api.get(f"{API}authors/esme-choonara/").json()["name"] == "Esme Choonara"
    editor_api.patch(f"{API}authors/esme-choonara/", {"name": "Esmé Choonara"}, format="json")
    assert api.get(f"{API}authors/esme-choonara/").json()["name"] == "Esmé Choonara"
    article = api.get(f"{API}articles/{SEED}/").json()
    assert article["authors"][0]["name"] == "Esmé Choonara"
    editor_api.delete(f"{API}images/{Image.objects.get().pk}/")
    assert api.get(f"{API}articles/{SEED}/").json()["images"] == []


def test_if_match_guards_every_resource(editor_api, seed):
    url = f"{API}books/my-life/"
    stale = editor_api.get(url)["ETag"]
    editor_api.patch(url, {"publisher": "Penguin"}, format="json")
    response = editor_api.patch(url, {"publisher": "Mine"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert editor_api.delete(url, HTTP_IF_MATCH=stale).status_code == 412
    current = editor_api.get(url)["ETag"]
    response = editor_api.patch(url, {"publisher": "Mine"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert Book.objects.get(slug="my-life").publisher == "Mine"


# Images


def picture(image_format="PNG", size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "crimson").save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_an_image_is_uploaded_as_multipart(editor_api, seed, media):
    upload = SimpleUploadedFile("scan.png", picture(), content_type="image/png")
    body = {"article": SEED, "position": "1", "caption": "Trotsky in 1940", "file": upload}
    response = editor_api.post(f"{API}images/", body, format="multipart")
    assert response.status_code == 201, response.content
    image = response.json()
    assert (image["width"], image["height"], image["position"]) == (40, 30, 1)
    assert image["url"].startswith("http://testserver/media/images/")
    stored = Image.objects.get(pk=image["id"])
    assert (stored.article.slug, stored.caption) == (SEED, "Trotsky in 1940")
    response = editor_api.patch(f"{API}images/{stored.pk}/", {"file": None}, format="json")
    assert response.json()["url"] is None
    assert Image.objects.get(pk=stored.pk).file.name == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"not a picture",
            "Upload a JPEG, PNG, GIF or WebP image; this file is not one (or is damaged).",
        ),
        (picture("BMP"), "BMP images are not accepted: upload JPEG, PNG, GIF or WebP."),
    ],
)
def test_an_unacceptable_upload_is_refused_as_the_admin_refuses_it(
    editor_api, seed, media, content, message
):
    upload = SimpleUploadedFile("scan.png", content)
    body = {"article": SEED, "caption": "Refused", "file": upload}
    response = editor_api.post(f"{API}images/", body, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": [message]}
    assert not Image.objects.filter(caption="Refused").exists()
    assert not any(media.rglob("*.png"))


def test_an_image_stays_with_its_article(editor_api, seed):
    other = ArticleFactory()
    image = Image.objects.get()
    response = editor_api.patch(f"{API}images/{image.pk}/", {"article": other.slug}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["article"]
    assert Image.objects.get().article.slug == SEED


def test_the_schemas_request_examples_are_accepted(api, editor_api, seed, unthrottled):
    """Every write's documented example, sent as it stands to a record of the seed,
    creates or corrects it (each in a transaction of its own, rolled back)."""
    schema = api.get(f"{API}schema/?format=json").json()
    image = Image.objects.get().pk
    TopicFactory(name="Unions", slug=SEED_RECORDS["/api/v1/topics/{slug}/"])
    sent = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for example in content.get("application/json", {}).get("examples", {}).values():
                url = path.format(slug=SEED_RECORDS.get(path), id=image)
                with transaction.atomic():
                    response = getattr(editor_api, method)(url, example["value"], format="json")
                    transaction.set_rollback(True)
                assert response.status_code in (200, 201), (path, method, response.content)
                sent.append((method, path))
    # POST, PUT and PATCH of seven resources.
    assert len(sent) == 3 * 7


# A record of each resource in the seed, for the examples of its detail's writes.
SEED_RECORDS = {
    "/api/v1/publications/{slug}/": "socialist-worker",
    "/api/v1/issues/{slug}/": "socialist-worker-2215",
    "/api/v1/authors/{slug}/": "duncan-hallas",
    "/api/v1/books/{slug}/": "my-life",
    "/api/v1/articles/{slug}/": SEED,
    "/api/v1/topics/{slug}/": "unions",
}


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("key", ["null", "99999999999999999999", "0"])
def test_a_write_to_an_image_id_that_is_none_is_a_404(editor_api, seed, method, key):
    response = getattr(editor_api, method)(f"{API}images/{key}/", {"caption": "x"}, format="json")
    assert response.status_code == 404
    assert "detail" in response.json()
