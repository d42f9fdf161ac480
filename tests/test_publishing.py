"""Publishing is apart from editing: only holders of ``articles.publish_article`` publish,
unpublish or schedule, by the form, the bulk actions or the API; imports need
``articles.import_archive``; an article's parts follow the article's permissions."""

import json
from importlib import import_module

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.importing.jobs import NO_LONGER_MAY_IMPORT, job_create, job_run
from articles.models import Article, ImportJob, Issue
from tests.admin_forms import form_fields
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory

GOLDEN_2216 = SAMPLES_DIR.parent / "golden-export/socialist-worker-2216.json"
ADD = "/admin/articles/article/add/"
CHANGELIST = "/admin/articles/article/"
NEEDS_PUBLISH = "Can publish, unpublish and schedule articles"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def people(newsroom_user, seed):
    """The newsroom: an editor and a contributor from the shipped groups, an editor with
    only "Can change article" (README's old advice), and one who may import but not
    publish."""
    return {
        "editor": newsroom_user("editor", group="Editors"),
        "contributor": newsroom_user("contributor", group="Contributors"),
        "changer": newsroom_user("changer", permissions=["view_article", "change_article"]),
        "importer": newsroom_user(
            "importer", permissions=["add_article", "change_article", "import_archive"]
        ),
        "writer": newsroom_user("writer", permissions=["add_article", "change_article"]),
    }


@pytest.fixture
def draft(seed):
    return ArticleFactory(
        issue=Issue.objects.get(slug="socialist-worker-2215"),
        headline="Draft on the dockers",
        status=Article.Status.DRAFT,
        published_at=None,
    )


def api_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def seed_article():
    return Article.objects.get(slug="trotskys-socialism")


# The roles as data


def test_the_migration_ships_editors_and_contributors(db):
    """Run on a database without the groups, the data migration makes both: Editors
    publish and import, Contributors do neither."""
    migration = import_module("articles.migrations.0007_newsroom_roles")
    state = MigrationLoader(connection).project_state(("articles", "0007_newsroom_roles"))
    Group.objects.filter(name__in=migration.ROLES).delete()
    migration.add_roles(state.apps, None)
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    contributors = set(
        Group.objects.get(name="Contributors").permissions.values_list("codename", flat=True)
    )
    assert {"publish_article", "import_archive", "change_article", "change_image"} <= editors
    assert {"add_article", "change_article", "view_author"} <= contributors
    assert not {"publish_article", "import_archive", "delete_article"} & contributors


# Article parts follow the article


def test_a_change_article_editor_sees_and_edits_the_seeds_parts(client, people):
    """With only "Can change article" the bylines, the image and the reading list are on
    the page and editable: no permission on their internal tables is needed."""
    client.force_login(people["changer"])
    article = seed_article()
    response = client.get(change_url(article))
    page = response.content.decode()
    for text in (
        "Esme Choonara",
        "Leon Trotsky addresses Red Army troops in 1918",
        "On Trotsky’s life try:",
        "My Life, Trotsky&#x27;s autobiography",
        "The Prophet Unarmed",
    ):
        assert text in page, text
    data = form_fields(response.content.decode(), "article_form")
    [entry] = [name for name, value in data.items() if value == "My Life, Trotsky's autobiography"]
    data[entry] = "My Life, Trotsky’s autobiography (1930)"
    data["images-0-caption"] = "Trotsky addresses the Red Army, 1918"
    assert client.post(change_url(article), data).status_code == 302
    texts = article.reading_groups.values_list("entries__text", flat=True)
    assert "My Life, Trotsky’s autobiography (1930)" in texts
    assert "My Life, Trotsky's autobiography" not in texts
    assert article.images.get().caption == "Trotsky addresses the Red Army, 1918"
    assert list(article.bylines.values_list("author__slug", flat=True)) == ["esme-choonara"]


def test_a_viewer_sees_the_parts_read_only(client, newsroom_user, seed):
    """View permission on the article shows its parts, with nothing to edit."""
    client.force_login(newsroom_user("viewer", permissions=["view_article"]))
    response = client.get(change_url(seed_article()))
    page = response.content.decode()
    assert "On Trotsky’s life try:" in page
    assert 'name="reading_groups-0-heading"' not in page


# The admin form


def test_a_contributor_saves_a_draft_but_cannot_publish_it_by_the_form(client, people, draft):
    """The status is read-only for them, and a forged status in the post is ignored."""
    client.force_login(people["contributor"])
    response = client.get(change_url(draft))
    page = response.content.decode()
    assert 'name="status"' not in page
    assert NEEDS_PUBLISH in page
    data = form_fields(response.content.decode(), "article_form")
    data.update(
        headline="Draft on the dockers, revised",
        status="published",
        published_at_0="2010-08-20",
        published_at_1="12:00:00",
    )
    assert client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.headline == "Draft on the dockers, revised"
    assert draft.status == Article.Status.DRAFT


def test_a_contributor_adds_drafts_only(client, people):
    client.force_login(people["contributor"])
    data = form_fields(client.get(ADD).content.decode(), "article_form")
    assert "status" not in data
    data.update(
        issue=Issue.objects.get().pk,
        headline="A contributor's piece",
        slug="a-contributors-piece",
        body="One paragraph.",
        status="published",
        published_at_0="2010-08-20",
        published_at_1="12:00:00",
    )
    assert client.post(ADD, data).status_code == 302
    assert Article.objects.get(slug="a-contributors-piece").status == Article.Status.DRAFT


def test_a_contributor_cannot_unpublish_or_reschedule_by_the_form(client, people):
    """A published article's status and time are read-only; its text they may correct."""
    client.force_login(people["contributor"])
    article = seed_article()
    response = client.get(change_url(article))
    page = response.content.decode()
    assert 'name="status"' not in page and 'name="published_at_0"' not in page
    data = form_fields(response.content.decode(), "article_form")
    data.update(
        standfirst="Corrected standfirst",
        status="draft",
        published_at_0="2030-01-01",
        published_at_1="09:00:00",
    )
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.standfirst == "Corrected standfirst"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at.isoformat() == "2010-08-17T17:05:00+00:00"


def test_an_editor_publishes_by_the_form(client, people, draft):
    client.force_login(people["editor"])
    data = form_fields(client.get(change_url(draft)).content.decode(), "article_form")
    data.update(status="published", published_at_0="2010-08-20", published_at_1="12:00:00")
    assert client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED


def test_published_with_no_time_is_a_form_error_on_the_field(client, people, draft):
    """Not the database's constraint message: the publication time's own error."""
    client.force_login(people["editor"])
    data = form_fields(client.get(change_url(draft)).content.decode(), "article_form")
    data.update(status="published", published_at_0="", published_at_1="")
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"published_at": ["A published article needs a publication time."]}
    assert "Constraint" not in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


# The bulk actions


@pytest.mark.parametrize(("role", "offered"), [("contributor", False), ("editor", True)])
def test_only_publishers_get_the_bulk_actions(client, people, draft, role, offered):
    client.force_login(people[role])
    page = client.get(CHANGELIST).content.decode()
    assert ('value="publish"' in page) is offered
    assert ('value="unpublish"' in page) is offered
    response = client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert (draft.status == Article.Status.PUBLISHED) is offered
    client.post(CHANGELIST, {"action": "unpublish", "_selected_action": [seed_article().pk]})
    assert (seed_article().status == Article.Status.DRAFT) is offered


def test_a_bulk_unpublish_that_cannot_record_its_revisions_changes_nothing(seed, monkeypatch):
    """The status, its revisions and its change-feed events are one write: without the
    events a mirror would go on showing what was unpublished."""
    from history import recording

    def refused(*args, **kwargs):
        raise DatabaseError("the revisions table is full")

    monkeypatch.setattr(recording, "record_article_revisions", refused)
    with pytest.raises(DatabaseError):
        Article.objects.filter(pk=seed_article().pk).unpublish()
    assert seed_article().status == Article.Status.PUBLISHED


# The API: 403 naming why, for writes that publish, unpublish or reschedule


def test_a_contributor_cannot_publish_by_the_api(people, draft):
    api = api_for(people["contributor"])
    seed = "/api/v1/articles/trotskys-socialism/"
    new = {
        "issue": "socialist-worker-2215",
        "headline": "A new piece",
        "slug": "a-new-piece",
        "body": "One paragraph.",
        "status": "published",
        "published_at": "2010-08-20T12:00:00Z",
    }
    refused = [
        api.post("/api/v1/articles/", new, format="json"),
        api.patch(f"/api/v1/articles/{draft.slug}/", {"status": "published", **new}, format="json"),
        api.patch(seed, {"status": "draft"}, format="json"),
        api.patch(seed, {"published_at": "2030-01-01T09:00:00Z"}, format="json"),
        api.put(seed, {**new, "slug": "trotskys-socialism", "status": "draft"}, format="json"),
    ]
    for response in refused:
        assert response.status_code == 403, response.content
        assert NEEDS_PUBLISH in response.json()["detail"]
    assert not Article.objects.filter(slug="a-new-piece").exists()
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT
    article = seed_article()
    assert (article.status, article.published_at.year) == (Article.Status.PUBLISHED, 2010)

    allowed = [
        api.post("/api/v1/articles/", {**new, "status": "draft"}, format="json"),
        api.patch(seed, {"headline": "Trotsky’s socialism, corrected"}, format="json"),
        api.patch(
            f"/api/v1/articles/{draft.slug}/",
            {"published_at": "2030-01-01T09:00:00Z"},
            format="json",
        ),
    ]
    assert [response.status_code for response in allowed] == [201, 200, 200]
    assert seed_article().headline == "Trotsky’s socialism, corrected"


def test_an_editor_publishes_unpublishes_and_schedules_by_the_api(people, draft):
    api = api_for(people["editor"])
    url = f"/api/v1/articles/{draft.slug}/"
    when = "2030-01-01T09:00:00Z"
    response = api.patch(url, {"status": "published", "published_at": when}, format="json")
    assert response.status_code == 200
    assert Article.objects.get(pk=draft.pk).is_scheduled
    assert api.patch(url, {"status": "draft"}, format="json").status_code == 200
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_published_with_no_time_is_a_400_naming_the_field(people, draft):
    response = api_for(people["editor"]).patch(
        f"/api/v1/articles/{draft.slug}/", {"status": "published"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"published_at": ["A published article needs a publication time."]}


# Imports


def upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/plain")


def drafts_document(**changes):
    """The golden 2216 interchange document with its articles as drafts."""
    document = json.loads(GOLDEN_2216.read_text())
    for article in document["articles"]:
        article.update(status="draft", **changes)
    return SimpleUploadedFile(
        "2216.json", json.dumps(document).encode(), content_type="application/json"
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("contributor", 403), ("changer", 403), ("writer", 403), ("editor", 202)],
)
def test_who_imports_over_the_api(people, role, expected):
    """Adding and changing articles is not enough: importing needs import_archive."""
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    response = api_for(people[role]).post(
        "/api/v1/imports/", {"file": [upload(page)]}, format="multipart"
    )
    assert response.status_code == expected, response.content
    assert Article.objects.filter(issue__number=2216).exists() is (expected == 202)


def import_report(api, *files):
    """The finished report of an import job started over the API."""
    response = api.post("/api/v1/imports/", {"file": list(files)}, format="multipart")
    assert response.status_code == 202, response.content
    return api.get(response.json()["url"]).json()["report"]


def test_a_job_imports_with_the_permissions_its_requester_has_when_it_runs(people):
    """Queued by an editor who then loses the publish permission: the scraped page is
    refused as drafts-only; with the import permission gone too, the job fails whole."""
    editor = people["editor"]
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    queued = job_create(user=editor, uploads=[upload(page)])
    editor.groups.clear()
    editor.user_permissions.set(
        Permission.objects.filter(codename__in=["add_article", "change_article", "import_archive"])
    )
    editor = type(editor).objects.get(pk=editor.pk)
    job_run(job_id=queued.pk)
    [file] = queued.files.all()
    assert file.result["error"]["reason"].startswith("expected drafts only")
    assert not Article.objects.filter(issue__number=2216).exists()

    withdrawn = job_create(user=editor, uploads=[upload(page)])
    editor.user_permissions.clear()
    job_run(job_id=withdrawn.pk)
    withdrawn.refresh_from_db()
    assert withdrawn.status == ImportJob.Status.FAILED
    assert withdrawn.error == NO_LONGER_MAY_IMPORT
    assert withdrawn.files.pending().count() == 1


@pytest.mark.parametrize(
    ("role", "expected"),
    [("contributor", 403), ("changer", 403), ("writer", 403), ("importer", 200), ("editor", 200)],
)
def test_who_reaches_the_import_page(client, people, role, expected):
    client.force_login(people[role])
    assert client.get("/admin/articles/article/import/").status_code == expected
    link = "/admin/articles/article/import/" in client.get(CHANGELIST).content.decode()
    assert link is (expected == 200)


def test_an_importer_who_may_not_publish_brings_drafts_only(people):
    """A scraped page (always published) is refused naming why; drafts import; a draft
    that would unpublish a published article is refused too."""
    api = api_for(people["importer"])
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    [error] = import_report(api, upload(page))["errors"]
    assert error["file"] == page.name
    assert error["reason"].startswith("expected drafts only, since publishing needs")
    assert not Article.objects.filter(issue__number=2216).exists()

    assert import_report(api, drafts_document())["files"]["imported"] == 1
    assert set(Article.objects.filter(issue__number=2216).values_list("status", flat=True)) == {
        "draft"
    }

    Article.objects.filter(issue__number=2216).update(status="published")
    assert "would unpublish" in import_report(api, drafts_document())["errors"][0]["reason"]
    assert set(Article.objects.filter(issue__number=2216).values_list("status", flat=True)) == {
        "published"
    }


def test_the_import_page_tells_an_importer_who_may_not_publish_why(client, people):
    client.force_login(people["importer"])
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    response = client.post(
        "/admin/articles/article/import/", {"files": [upload(page)]}, follow=True
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "expected drafts only, since publishing needs" in content
    assert 'name="confirm"' not in content
    assert not Article.objects.filter(issue__number=2216).exists()


def test_an_editor_imports_published_pages(client, people):
    client.force_login(people["editor"])
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    job_page = client.post("/admin/articles/article/import/", {"files": [upload(page)]})
    assert 'name="confirm"' in client.get(job_page["Location"]).content.decode()
    client.post(job_page["Location"], {"confirm": "Import"})
    assert Article.objects.get(issue__number=2216).status == Article.Status.PUBLISHED
