"""The change feed, ``GET /api/v1/changes/``: every write's events, once, in order,
resumable from any cursor; readers see nothing of drafts, staff see everything."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author, Book, Image, Issue, Publication
from history import feed
from history.feed import record_existing
from history.models import Change, Event
from tests.admin_forms import change_form
from tests.api.utils import NEW_ARTICLE

CHANGES = "/api/v1/changes/"
SEED = "trotskys-socialism"


@pytest.fixture(autouse=True)
def no_delay(settings):
    """Events listed as soon as written; ``test_recent_events_wait_for_the_delay`` pins
    the delay itself."""
    settings.CHANGES_FEED_DELAY = 0


@pytest.fixture
def archive(seed):
    """The seed, in the feeds as the migration puts an existing archive's records."""
    record_existing()


def read_feed(client, since=None, page_size=None):
    """Every event after ``since``, following ``next`` page by page; and the cursor to
    come back with."""
    params = {"since": since} if since else {}
    if page_size:
        params["page_size"] = page_size
    events, url = [], CHANGES
    while True:
        response = client.get(url, params)
        assert response.status_code == 200, response.content
        page = response.json()
        events += page["results"]
        if not page["more"]:
            return events, page["cursor"]
        url, params = page["next"], {}


def summary(events):
    return [(event["action"], event["type"], event["slug"] or event["id"]) for event in events]


class Sync:
    """A client of the feed that remembers its cursor, as a mirror does."""

    def __init__(self, client):
        self.client = client
        self.cursor = read_feed(client)[1]

    def new(self, *types):
        """The events since the last call, of these types only if any are named."""
        events, self.cursor = read_feed(self.client, self.cursor)
        return [event for event in summary(events) if not types or event[1] in types]


@pytest.fixture
def readers(api, archive):
    return Sync(api)


@pytest.fixture
def staff(editor_api, archive):
    return Sync(editor_api)


def test_loading_a_fixture_is_events_for_what_it_loaded(api, editor_api, db):
    """``loaddata`` bypasses the application's writes: the feed learns of the seed on an
    empty archive, and of the seed loaded again over an editor's correction."""
    call_command("loaddata", "seed", verbosity=0)
    events, cursor = read_feed(api)
    created = {(type_, slug) for action, type_, slug in summary(events) if action == "created"}
    assert {
        ("publication", "socialist-worker"),
        ("issue", "socialist-worker-2215"),
        ("article", SEED),
        ("author", "esme-choonara"),
        ("book", "my-life"),
    } <= created
    assert {action for action, *_ in summary(events)} == {"created"}
    url = f"/api/v1/articles/{SEED}/"
    assert editor_api.patch(url, {"headline": "Corrected"}, format="json").status_code == 200
    call_command("loaddata", "seed", verbosity=0)
    events, _ = read_feed(api, cursor)
    assert summary(events).count(("updated", "article", SEED)) == 2
    assert api.get(url).json()["headline"] == Article.objects.get().headline != "Corrected"


def test_an_article_created_updated_unpublished_republished_and_deleted(editor_api, readers, staff):
    """Each write is one event, in order; for readers unpublishing is a tombstone and
    publishing again a new ``created``, for staff both are updates."""
    url = "/api/v1/articles/a-new-piece/"
    assert editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json").status_code == 201
    assert editor_api.patch(url, {"headline": "Corrected"}, format="json").status_code == 200
    assert editor_api.patch(url, {"status": "draft"}, format="json").status_code == 200
    assert editor_api.patch(url, {"status": "published"}, format="json").status_code == 200
    assert editor_api.delete(url).status_code == 204
    piece = ("article", "a-new-piece")
    assert readers.new("article") == [
        ("created", *piece),
        ("updated", *piece),
        ("deleted", *piece),
        ("created", *piece),
        ("deleted", *piece),
    ]
    assert staff.new("article") == [
        ("created", *piece),
        ("updated", *piece),
        ("updated", *piece),
        ("updated", *piece),
        ("deleted", *piece),
    ]


def test_records_that_show_a_change_are_updated_with_it(editor_api, admin_client, readers, staff):
    """An article's issue and authors list it, so its creation updates them; an author's
    articles and books name the author, so a new name updates them."""
    assert editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json").status_code == 201
    assert readers.new() == [
        ("created", "article", "a-new-piece"),
        ("updated", "issue", "socialist-worker-2215"),
        ("updated", "author", "esme-choonara"),
    ]
    author = Author.objects.get(slug="esme-choonara")
    change_url = f"/admin/articles/author/{author.pk}/change/"
    form = change_form(admin_client, change_url)
    assert admin_client.post(change_url, {**form, "name": "E. Choonara"}).status_code == 302
    assert sorted(readers.new()) == [
        ("updated", "article", "a-new-piece"),
        ("updated", "article", SEED),
        ("updated", "author", "esme-choonara"),
        ("updated", "book", "a-rebels-guide-to-trotsky"),  # hers: its page names her
    ]


def test_a_write_that_changes_nothing_is_no_event(editor_api, readers, staff):
    url = f"/api/v1/articles/{SEED}/"
    headline = Article.objects.get().headline
    assert editor_api.patch(url, {"headline": headline}, format="json").status_code == 200
    assert readers.new() == staff.new() == []


def test_drafts_are_nothing_to_readers_until_published(editor_api, readers, staff):
    """A draft's creation and edits are not events for readers; its publication is its
    ``created``. A new author known only from the draft stays hidden with it."""
    Author.objects.create(name="New Writer", slug="new-writer")
    draft = {**NEW_ARTICLE, "status": "draft", "authors": ["new-writer"]}
    url = "/api/v1/articles/a-new-piece/"
    assert editor_api.post("/api/v1/articles/", draft, format="json").status_code == 201
    assert editor_api.patch(url, {"headline": "Still a draft"}, format="json").status_code == 200
    assert readers.new() == []
    assert staff.new("author", "article") == [
        ("created", "author", "new-writer"),
        ("created", "article", "a-new-piece"),
        ("updated", "article", "a-new-piece"),
        ("updated", "author", "new-writer"),  # staff's author page lists the draft
    ]
    assert editor_api.patch(url, {"status": "published"}, format="json").status_code == 200
    assert readers.new("author", "article") == [
        ("created", "author", "new-writer"),
        ("created", "article", "a-new-piece"),
    ]
    assert api_reads(readers.client, "/api/v1/authors/new-writer/") == 200


def api_reads(client, url):
    return client.get(url).status_code


def test_a_scheduled_article_appears_when_its_time_comes(editor_api, readers, staff):
    """Saved while scheduled, the article is no event for readers until its time; a reader
    who synced in between (past the moment it was saved) still gets it then, once."""
    at = timezone.now().replace(microsecond=0) + dt.timedelta(hours=1)
    scheduled = {**NEW_ARTICLE, "published_at": at.isoformat()}
    assert editor_api.post("/api/v1/articles/", scheduled, format="json").status_code == 201
    assert readers.new() == []
    assert staff.new("article") == [("created", "article", "a-new-piece")]
    with time_machine.travel(at - dt.timedelta(seconds=1)):
        assert readers.new() == []
    with time_machine.travel(at + dt.timedelta(seconds=1)):
        events, _ = read_feed(readers.client, readers.cursor)
        assert summary(events) == [
            ("created", "article", "a-new-piece"),
            ("updated", "issue", "socialist-worker-2215"),
            ("updated", "author", "esme-choonara"),
        ]
        assert {event["at"] for event in events} == {at.isoformat().replace("+00:00", "Z")}
        assert readers.new("article") == [("created", "article", "a-new-piece")]
        assert readers.new() == []


def test_rescheduling_withdraws_the_promised_event(editor_api, readers):
    """A scheduled article unpublished before its time never appears to readers."""
    at = timezone.now() + dt.timedelta(hours=1)
    scheduled = {**NEW_ARTICLE, "published_at": at.isoformat()}
    assert editor_api.post("/api/v1/articles/", scheduled, format="json").status_code == 201
    url = "/api/v1/articles/a-new-piece/"
    assert editor_api.patch(url, {"status": "draft"}, format="json").status_code == 200
    with time_machine.travel(at + dt.timedelta(minutes=1)):
        assert readers.new("article") == []


def test_a_published_article_rescheduled_for_later_is_withdrawn_until_then(editor_api, readers):
    later = timezone.now() + dt.timedelta(hours=1)
    url = f"/api/v1/articles/{SEED}/"
    response = editor_api.patch(url, {"published_at": later.isoformat()}, format="json")
    assert response.status_code == 200
    gone = readers.new()
    assert ("deleted", "article", SEED) in gone
    for image in Image.objects.all():
        assert ("deleted", "image", image.pk) in gone
    with time_machine.travel(later + dt.timedelta(seconds=1)):
        assert sorted(readers.new()) == sorted(("created", *event[1:]) for event in gone)


def test_a_changed_slug_is_a_tombstone_and_a_creation(editor_api, readers):
    url = f"/api/v1/articles/{SEED}/"
    assert editor_api.patch(url, {"slug": "renamed"}, format="json").status_code == 200
    assert readers.new("article") == [
        ("deleted", "article", SEED),
        ("created", "article", "renamed"),
    ]


def test_unpublishing_tombstones_what_readers_saw_only_through_the_article(
    editor_api, readers, staff
):
    """The seed's issue, its author and its books are visible to readers through it alone:
    unpublished, all go from readers' feed (with the article's images); staff's
    article is only updated."""
    url = f"/api/v1/articles/{SEED}/"
    assert editor_api.patch(url, {"status": "draft"}, format="json").status_code == 200
    gone = readers.new()
    assert ("deleted", "article", SEED) in gone
    assert ("deleted", "issue", "socialist-worker-2215") in gone
    assert ("deleted", "author", "esme-choonara") in gone
    for book in Book.objects.all():
        assert ("deleted", "book", book.slug) in gone
    for image in Image.objects.all():
        assert ("deleted", "image", image.pk) in gone
    assert len(gone) == len(set(gone))
    assert staff.new("article") == [("updated", "article", SEED)]
    assert editor_api.patch(url, {"status": "published"}, format="json").status_code == 200
    assert sorted(readers.new()) == sorted(("created", *event[1:]) for event in gone)


@pytest.mark.parametrize(
    ("model", "type_", "add", "change"),
    [
        (Publication, "publication", {"name": "Review", "slug": "review"}, {"name": "Rev."}),
        (Author, "author", {"name": "A. Writer", "slug": "a-writer"}, {"bio": "Wrote."}),
        (Book, "book", {"title": "A Book", "slug": "a-book"}, {"year": "1999"}),
    ],
)
def test_records_added_changed_and_deleted_in_the_admin(
    admin_client, readers, staff, model, type_, add, change
):
    """Created, updated and deleted once each, for staff and for readers alike (a record
    that nothing published names is visible to readers too)."""
    name = model._meta.model_name
    form = change_form(admin_client, f"/admin/articles/{name}/add/")
    response = admin_client.post(f"/admin/articles/{name}/add/", {**form, **add})
    assert response.status_code == 302, response.context["errors"]
    record = model.objects.get(slug=add["slug"])
    change_url = f"/admin/articles/{name}/{record.pk}/change/"
    form = change_form(admin_client, change_url)
    assert admin_client.post(change_url, {**form, **change}).status_code == 302
    assert admin_client.post(change_url, form | change).status_code == 302  # no change
    delete_url = f"/admin/articles/{name}/{record.pk}/delete/"
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    expected = [(action, type_, add["slug"]) for action in ("created", "updated", "deleted")]
    assert readers.new() == staff.new() == expected


def test_an_issue_added_changed_and_deleted_in_the_admin(admin_client, readers, staff):
    form = change_form(admin_client, "/admin/articles/issue/add/")
    publication = Publication.objects.get()
    data = {**form, "publication": publication.pk, "number": "2216", "slug": "sw-2216"}
    assert admin_client.post("/admin/articles/issue/add/", data).status_code == 302
    issue = Issue.objects.get(number=2216)
    change_url = f"/admin/articles/issue/{issue.pk}/change/"
    form = change_form(admin_client, change_url)
    assert admin_client.post(change_url, {**form, "date": "2010-08-24"}).status_code == 302
    delete_url = f"/admin/articles/issue/{issue.pk}/delete/"
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    neighbour = ("updated", "issue", "socialist-worker-2215")
    expected = [
        ("created", "issue", "sw-2216"),
        neighbour,
        ("updated", "issue", "sw-2216"),
        neighbour,
        ("deleted", "issue", "sw-2216"),
        neighbour,
    ]
    assert readers.new() == staff.new() == expected


def test_an_issue_that_appears_or_goes_updates_its_neighbours(editor_api, readers, staff):
    """Their ``previous`` and ``next`` name it, or no longer do."""
    body = {"publication": "socialist-worker", "number": 2216}
    assert editor_api.post("/api/v1/issues/", body, format="json").status_code == 201
    seed_issue = "socialist-worker-2215"
    appeared = [("created", "issue", "socialist-worker-2216"), ("updated", "issue", seed_issue)]
    assert readers.new() == staff.new() == appeared
    assert editor_api.get(f"/api/v1/issues/{seed_issue}/").json()["next"]["number"] == 2216
    assert editor_api.delete("/api/v1/issues/socialist-worker-2216/").status_code == 204
    went = [("deleted", "issue", "socialist-worker-2216"), ("updated", "issue", seed_issue)]
    assert readers.new() == staff.new() == went


def test_an_issue_readers_come_to_see_updates_its_neighbours_for_them(editor_api, readers, staff):
    """An issue holding only a draft is staff's alone; its article's publication shows it
    to readers, between its neighbours."""
    issue = {"publication": "socialist-worker", "number": 2216}
    assert editor_api.post("/api/v1/issues/", issue, format="json").status_code == 201
    draft = {**NEW_ARTICLE, "issue": "socialist-worker-2216", "status": "draft"}
    draft["published_at"] = None
    response = editor_api.post("/api/v1/articles/", draft, format="json")
    assert response.status_code == 201, response.content
    readers.new(), staff.new()
    slug = response.json()["slug"]
    published = {"status": "published", "published_at": "2010-08-24T10:00:00+01:00"}
    assert (
        editor_api.patch(f"/api/v1/articles/{slug}/", published, format="json").status_code == 200
    )
    assert ("updated", "issue", "socialist-worker-2215") in readers.new("issue")


@pytest.mark.parametrize(
    ("route", "type_", "create", "change"),
    [
        ("publications", "publication", {"name": "Review"}, {"name": "Rev."}),
        (
            "issues",
            "issue",
            {"publication": "socialist-worker", "number": 2216},
            {"date": "2010-08-24"},
        ),
        ("authors", "author", {"name": "A. Writer"}, {"bio": "Wrote."}),
        ("books", "book", {"title": "A Book", "authors": ["duncan-hallas"]}, {"year": 1999}),
        ("topics", "topic", {"name": "Strikes"}, {"description": "Walkouts."}),
        ("images", "image", {"article": SEED, "position": 2}, {"caption": "Trotsky in Mexico"}),
    ],
)
def test_records_created_changed_and_deleted_through_the_api(
    editor_api, readers, staff, route, type_, create, change
):
    """Once each, in order, for readers as for staff; a correction that changes nothing
    is no event."""
    response = editor_api.post(f"/api/v1/{route}/", create, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    key = created.get("slug") or created["id"]
    url = f"/api/v1/{route}/{key}/"
    assert editor_api.patch(url, change, format="json").status_code == 200
    assert editor_api.patch(url, change, format="json").status_code == 200
    assert editor_api.delete(url).status_code == 204
    expected = [(action, type_, key) for action in ("created", "updated", "deleted")]
    # An issue's neighbours are updated with it (test_an_issue_that_appears_or_goes…).
    assert [event for event in readers.new(type_) if event[2] == key] == expected
    assert [event for event in staff.new(type_) if event[2] == key] == expected


def test_images_on_their_own_admin_page(admin_client, readers, staff):
    """An image's add, change and delete are events of the image and of its article,
    whose page shows it; deleting the article deletes its images, tombstones included."""
    article = Article.objects.get()
    form = change_form(admin_client, "/admin/articles/image/add/")
    data = {**form, "article": article.pk, "position": "9", "caption": "A new caption"}
    assert admin_client.post("/admin/articles/image/add/", data).status_code == 302
    image = Image.objects.get(caption="A new caption")
    change_url = f"/admin/articles/image/{image.pk}/change/"
    form = change_form(admin_client, change_url)
    assert admin_client.post(change_url, {**form, "credit": "Photo: X"}).status_code == 302
    delete_url = f"/admin/articles/image/{image.pk}/delete/"
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    expected = [
        ("updated", "article", SEED),
        ("created", "image", image.pk),
        ("updated", "article", SEED),
        ("updated", "image", image.pk),
        ("updated", "article", SEED),
        ("deleted", "image", image.pk),
    ]
    assert readers.new("article", "image") == staff.new("article", "image") == expected


def test_deleting_an_article_tombstones_its_images(admin_client, readers, staff):
    images = list(Image.objects.values_list("pk", flat=True))
    article = Article.objects.get()
    delete_url = f"/admin/articles/article/{article.pk}/delete/"
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 302
    deleted = staff.new("article", "image")
    assert deleted[:1] == [("deleted", "article", SEED)]
    assert sorted(deleted[1:]) == sorted(("deleted", "image", pk) for pk in images)
    # An issue, author or book with no article left is visible to readers again: what is
    # gone for them is the article and its images.
    assert readers.new("article", "image") == deleted


def test_bulk_publish_and_unpublish_actions(admin_client, readers, staff):
    changelist = reverse("admin:articles_article_changelist")
    article = Article.objects.get()
    action = {"action": "unpublish", "_selected_action": [article.pk]}
    assert admin_client.post(changelist, action).status_code == 302
    assert ("deleted", "article", SEED) in readers.new()
    assert admin_client.post(changelist, {**action, "action": "publish"}).status_code == 302
    assert ("created", "article", SEED) in readers.new()
    assert staff.new("article") == [("updated", "article", SEED), ("updated", "article", SEED)]


def test_restoring_a_revision_is_an_update(admin_client, editor_api, readers, staff):
    url = f"/api/v1/articles/{SEED}/"
    assert editor_api.patch(url, {"headline": "Changed"}, format="json").status_code == 200
    article = Article.objects.get()
    baseline = Change.objects.get(article=article, action=Change.Action.BASELINE)
    restore = reverse("admin:articles_article_restore", args=[article.pk, baseline.pk])
    assert admin_client.post(restore).status_code == 302
    assert Article.objects.get().headline == "Trotsky’s socialism"
    expected = [("updated", "article", SEED)] * 2
    assert readers.new("article") == staff.new("article") == expected


def test_an_import_of_a_thousand_articles_is_a_thousand_creations(api, editor_api, db):
    """Written in bulk by the importer, one ``created`` per article, for staff; readers
    get the published ones."""
    call_command("generate_archive", articles=1000, seed=7, verbosity=0)
    staff_events = summary(read_feed(editor_api, page_size=1000)[0])
    created = [event for event in staff_events if event[:2] == ("created", "article")]
    assert len(created) == len(set(created)) == 1000
    reader_events = summary(read_feed(api, page_size=1000)[0])
    public = [event for event in reader_events if event[:2] == ("created", "article")]
    assert len(public) == Article.objects.published().count()
    assert "deleted" not in {event[0] for event in reader_events}
    assert Event.objects.filter(type="image", feed="staff").count() == Image.objects.count()


def test_records_latest_events_are_found_a_chunk_at_a_time(api, editor_api, db, monkeypatch):
    """A write of more records than one lookup of their latest events takes: each article
    unpublished in bulk is one tombstone for readers and one update for staff, none of
    them taken for a record the feeds have not seen."""
    monkeypatch.setattr(feed, "LATEST_CHUNK", 5)
    call_command("generate_archive", articles=12, seed=3, verbosity=0)
    readers, staff = Sync(api), Sync(editor_api)
    published = Article.objects.published()
    slugs = sorted(published.values_list("slug", flat=True))
    assert len(slugs) > 2 * feed.LATEST_CHUNK
    published.unpublish()
    assert sorted(readers.new("article")) == [("deleted", "article", slug) for slug in slugs]
    assert sorted(staff.new("article")) == [("updated", "article", slug) for slug in slugs]


def test_reimporting_unchanged_files_is_no_event(api, tmp_path, db):
    call_command("generate_archive", articles=30, seed=3, verbosity=0)
    before = Event.objects.count()
    call_command("export_archive", output=tmp_path, verbosity=0)
    call_command("import_archive", tmp_path, verbosity=0)
    assert Event.objects.count() == before


def test_resuming_from_every_cursor_gives_the_rest_once(editor_api, api, archive):
    """Whichever event a client stopped at, it gets every later one exactly once, also a
    page at a time."""
    url = "/api/v1/articles/a-new-piece/"
    editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json")
    editor_api.patch(url, {"headline": "Corrected"}, format="json")
    editor_api.patch(url, {"status": "draft"}, format="json")
    editor_api.delete(url)
    for client in (api, editor_api):
        everything, last = read_feed(client)
        assert read_feed(client, page_size=1)[0] == everything
        for position, event in enumerate(everything):
            rest, cursor = read_feed(client, since=event["cursor"])
            assert rest == everything[position + 1 :]
            assert cursor == last


def test_recent_events_wait_for_the_delay(settings, editor_api, api, archive):
    """An event is listed once ``CHANGES_FEED_DELAY`` has passed: writes dated before it
    have committed by then."""
    _, cursor = read_feed(api)
    settings.CHANGES_FEED_DELAY = 5
    editor_api.post("/api/v1/articles/", NEW_ARTICLE, format="json")
    assert read_feed(api, cursor)[0] == []
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=6)):
        events = summary(read_feed(api, cursor)[0])
        assert ("created", "article", "a-new-piece") in events


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("since=nonsense", "since"),
        ("since=bm9uc2Vuc2U", "since"),
        ("since=MjAxMC0wOC0xN1QxNzowNTowMHwx", "since"),  # a naive time
        ("since=%00", "since"),
        ("page_size=0", "page_size"),
        ("page_size=1001", "page_size"),
        ("page_size=x", "page_size"),
    ],
)
def test_malformed_parameters_are_400s_naming_them(api, db, query, parameter):
    response = api.get(f"{CHANGES}?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_a_page_in_one_query_cached_publicly_for_readers(
    api, editor_api, archive, django_assert_num_queries
):
    """Readers' pages may be cached by anyone; staff's, which name drafts, only by them."""
    with django_assert_num_queries(1):
        response = api.get(CHANGES)
    assert "public" in response["Cache-Control"]
    assert response["Last-Modified"]
    page = response.json()
    assert page["results"][0]["url"].startswith("http://testserver/api/v1/")
    assert set(page["results"][0]) == {"cursor", "at", "action", "type", "slug", "id", "url"}
    response = editor_api.get(CHANGES)
    assert "private" in response["Cache-Control"]
    with django_assert_num_queries(1):
        assert api.get(CHANGES, {"since": page["cursor"]}).json()["results"] == []


def test_an_image_is_named_by_id(api, archive):
    image = Image.objects.first()
    event = next(e for e in read_feed(api)[0] if e["type"] == "image" and e["id"] == image.pk)
    assert event["slug"] is None
    assert api.get(event["url"]).json()["id"] == image.pk
