"""Revisions in the admin: recorded on save, listed, shown, compared and restored; a save
over a newer version is refused; bulk actions and imports record revisions too."""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Revision, Version

from articles.models import Article, Book
from history.models import Change
from history.states import live_states, revision_states
from tests.conftest import SEED_SOURCE
from tests.importing.conftest import import_file, import_one

from .forms import form_data


def recorded():
    """The article revisions that record a change (not the baseline of an article's
    first one)."""
    return Change.objects.filter(article__isnull=False).exclude(action=Change.Action.BASELINE)


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def open_form(client, article):
    response = client.get(change_url(article))
    assert response.status_code == 200
    return form_data(response.content.decode())


@pytest.fixture
def article(seed):
    return Article.objects.get(slug="trotskys-socialism")


def test_an_admin_save_records_a_revision_with_its_fields(admin_client, admin_user, article):
    data = open_form(admin_client, article)
    data["headline"] = "Trotsky’s socialism, corrected"
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    [change] = recorded().all()
    assert (change.source, change.changed_fields, change.revision.user) == (
        "admin",
        ["headline"],
        admin_user,
    )


def test_an_admin_save_with_no_edits_records_no_revision(admin_client, article):
    """Neither before the article's first revision (no baseline either) nor after it."""
    assert (
        admin_client.post(change_url(article), open_form(admin_client, article)).status_code == 302
    )
    assert not Revision.objects.exists()
    data = open_form(admin_client, article)
    data["headline"] = "Once"
    admin_client.post(change_url(article), data)
    data = open_form(admin_client, article)
    assert admin_client.post(change_url(article), data).status_code == 302
    assert recorded().count() == 1


def test_a_save_over_a_newer_version_is_refused_and_shows_what_changed(admin_client, article):
    """B opened the form before A saved: B's save is refused with A's change shown, and
    A's change is kept."""
    first = open_form(admin_client, article)
    second = open_form(admin_client, article)
    first["headline"] = "A’s headline"
    assert admin_client.post(change_url(article), first).status_code == 302
    second["standfirst"] = "B’s standfirst"
    response = admin_client.post(change_url(article), second)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Another editor saved this article after you opened it" in page
    assert "<ins>A’s headline</ins>" in page
    article.refresh_from_db()
    assert article.headline == "A’s headline"
    assert article.standfirst != "B’s standfirst"
    assert recorded().count() == 1


def test_history_revision_and_compare_pages(admin_client, article, django_assert_num_queries):
    for headline in ("First try", "Second try"):
        data = open_form(admin_client, article)
        data["headline"] = headline
        data["body"] = data["body"].replace("Trotsky", "Leon Trotsky", 1)
        admin_client.post(change_url(article), data)
    old, new = recorded().order_by("pk")
    history = reverse("admin:articles_article_history", args=[article.pk])
    # Session, user, article, its revisions.
    with django_assert_num_queries(4):
        page = admin_client.get(history).content.decode()
    # Both changes, and the article as it was before them.
    assert page.count('class="revision-row"') == 3 and "As it was" in page
    page = admin_client.get(
        reverse("admin:articles_article_revision", args=[article.pk, old.pk])
    ).content.decode()
    assert "First try" in page and "Restore this revision" in page
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    page = admin_client.get(compare, {"from": old.pk, "to": new.pk}).content.decode()
    assert "<del>First try</del> <ins>Second try</ins>" in page


def test_restore_is_a_new_revision_and_the_api_reads_it_back(admin_client, article, client):
    data = open_form(admin_client, article)
    original_body = data["body"]
    data["headline"] = "Wrong headline"
    data["body"] = "One short wrong body."
    admin_client.post(change_url(article), data)
    data = open_form(admin_client, article)
    data["headline"] = "Worse headline"
    admin_client.post(change_url(article), data)
    # The first revision holds the wrong body; restore it... and then the one before.
    first = recorded().order_by("pk").first()
    api = "/api/v1/articles/trotskys-socialism/"
    client.get(api)  # cached for anonymous readers: a restore must retire it
    restore = reverse("admin:articles_article_restore", args=[article.pk, first.pk])
    assert admin_client.post(restore).status_code == 302
    latest = recorded().first()
    assert (latest.action, latest.source, latest.changed_fields) == (
        "restored",
        "admin",
        ["headline"],
    )
    body = client.get(api).json()
    assert body["headline"] == "Wrong headline"
    assert body["word_count"] == 4
    assert original_body != body["body"]


def test_a_bulk_publish_records_a_revision_per_changed_article(admin_client, article, admin_user):
    Article.objects.filter(pk=article.pk).update(status="draft")
    changelist = reverse("admin:articles_article_changelist")
    response = admin_client.post(
        changelist, {"action": "publish", "_selected_action": [article.pk]}
    )
    assert response.status_code == 302
    [change] = recorded().all()
    assert (change.source, change.changed_fields, change.article) == ("action", ["status"], article)
    assert change.revision.user == admin_user
    admin_client.post(changelist, {"action": "publish", "_selected_action": [article.pk]})
    assert recorded().count() == 1


def test_a_bulk_publish_of_published_articles_writes_nothing(admin_client, article):
    """Publishing what is published changes no row: an editor with its form open (opened
    at its ``updated_at``) can still save."""
    before = Article.objects.values_list("updated_at", flat=True).get(pk=article.pk)
    changelist = reverse("admin:articles_article_changelist")
    admin_client.post(changelist, {"action": "publish", "_selected_action": [article.pk]})
    assert Article.objects.values_list("updated_at", flat=True).get(pk=article.pk) == before
    assert not recorded().exists()


def test_an_import_records_the_issue_authors_and_books_it_creates_or_changes(db):
    """The audit trail beyond articles: each record an import made or corrected has a
    revision of its own, with its source; what it left as it was has none."""
    import_one(SEED_SOURCE)
    audited = Change.objects.filter(article__isnull=True, source="import")
    made = {
        (version.content_type.model, version.object_repr, change.action)
        for change in audited.prefetch_related("revision__version_set__content_type")
        for version in change.revision.version_set.all()
    }
    issue = Article.objects.get().issue
    assert ("issue", str(issue), "created") in made
    assert ("author", "Esme Choonara", "created") in made
    assert ("book", "My Life", "created") in {(m, r.partition(" — ")[0], a) for m, r, a in made}
    assert {action for *_, action in made} == {"created"}
    count = audited.count()
    import_one(SEED_SOURCE)
    assert audited.count() == count
    # Written in bulk, a book's revision is what django-reversion's own API makes of it:
    # the book and the credits it follows.
    book = Book.objects.get(slug="my-life")
    [imported] = Version.objects.get_for_object(book)
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(book)
    by_reversion = Revision.objects.order_by("-pk")[:1].get()
    assert len(versions_of(imported.revision)) == 1 + book.credits.count()
    assert versions_of(imported.revision) == versions_of(by_reversion)


def versions_of(revision):
    return sorted(
        revision.version_set.values_list(
            "content_type_id", "object_id", "db", "format", "serialized_data", "object_repr"
        )
    )


def test_an_import_records_a_revision_per_created_or_changed_article(db):
    import_one(SEED_SOURCE)
    [created] = recorded().all()
    assert (created.source, created.action) == ("import", "created")
    assert {"headline", "body", "authors", "reading_list"} <= set(created.changed_fields)
    # The bulk path writes the very versions django-reversion's own API would.
    article = Article.objects.get()
    with reversion.create_revision(manage_manually=True):
        reversion.add_to_revision(article)
    by_reversion, by_import = Revision.objects.order_by("-pk")[:1].get(), created.revision
    assert versions_of(by_import) == versions_of(by_reversion)
    assert revision_states([created.pk])[created.pk] == live_states([article.pk])[article.pk]
    by_reversion.delete()

    import_one(SEED_SOURCE)
    assert recorded().count() == 1
    text = SEED_SOURCE.read_text(encoding="utf-8").replace("Seventy years ago", "70 years ago", 1)
    import_file(name=SEED_SOURCE.name, data=text.encode())
    changed = recorded().first()
    assert (changed.action, changed.changed_fields) == ("changed", ["standfirst"])


@pytest.mark.parametrize(
    ("field", "delete", "kind"),
    [
        ("images-0-caption", lambda a: a.images.get(position=0).delete(), "image"),
        (
            "reading_groups-0-entries-0-text",
            lambda a: a.reading_groups.get(position=0).entries.get(position=0).delete(),
            "reading list entry",
        ),
    ],
    ids=["image", "nested entry"],
)
def test_an_inline_row_deleted_meanwhile_is_named_not_a_500(
    admin_client, article, field, delete, kind
):
    """Another editor deleted a row this form still edits (on the row's own page, which
    leaves the article's version alone): the save says so."""
    data = open_form(admin_client, article)
    data[field] = "My edit"
    delete(article)
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    [message] = [m for m in messages if "deleted by another editor since you opened" in m]
    assert f"({kind}" in message


def test_a_bulk_action_since_the_form_opened_also_refuses_the_save(
    admin_client, article, admin_user
):
    """Another editor unpublished the article from the list: the save names that change."""
    data = open_form(admin_client, article)
    data["headline"] = "Mine"
    Article.objects.filter(pk=article.pk).unpublish(user=admin_user)
    response = admin_client.post(change_url(article), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Another editor saved this article" in page
    assert "(Bulk action, " in page and ": status)" in page
    assert Article.objects.get(pk=article.pk).headline == "Trotsky’s socialism"


def test_a_restore_that_would_publish_needs_the_publish_permission(
    client, admin_client, article, newsroom_user
):
    """Restoring a published revision of an article now a draft publishes it again: a
    Contributor is refused and the article stays a draft; an Editor may."""
    data = open_form(admin_client, article)
    data["headline"] = "Published and corrected"
    admin_client.post(change_url(article), data)
    published = recorded().get()
    Article.objects.filter(pk=article.pk).unpublish()
    restore = reverse("admin:articles_article_restore", args=[article.pk, published.pk])

    client.force_login(newsroom_user("contributor", group="Contributors"))
    response = client.post(restore, follow=True)
    assert "Publishing, unpublishing and scheduling need" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT

    client.force_login(newsroom_user("chief-editor", group="Editors"))
    assert client.post(restore).status_code == 302
    restored = Article.objects.get(pk=article.pk)
    assert (restored.status, restored.headline) == ("published", "Published and corrected")
