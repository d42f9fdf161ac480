"""The audit trail beyond articles: who created, changed or deleted which record."""

from importlib import import_module

from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse

from articles.models import Article, Author, Image
from history.models import Change
from tests.factories import AuthorFactory

from .forms import form_data


def post_form(client, url, form_id, **changes):
    data = form_data(client.get(url).content.decode(), form_id)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_an_authors_change_and_deletion_are_in_the_audit_trail(admin_client, admin_user, db):
    author = AuthorFactory(name="Tony Cliff")
    url = reverse("admin:articles_author_change", args=[author.pk])
    post_form(admin_client, url, "author_form", bio="Founder of the SWP.")
    post_form(admin_client, url, "author_form")  # no edits: nothing recorded
    changed = Change.objects.get()
    assert (changed.source, changed.action, changed.changed_fields) == ("admin", "changed", ["bio"])
    assert changed.revision.user == admin_user
    assert changed.revision.version_set.get().object_repr == "Tony Cliff"

    delete = reverse("admin:articles_author_delete", args=[author.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    deleted = Change.objects.first()
    assert deleted.action == "deleted"
    assert not Author.objects.filter(pk=author.pk).exists()


def test_a_users_groups_are_in_the_audit_trail(admin_client, django_user_model, db):
    group = Group.objects.create(name="Night desk")
    user = django_user_model.objects.create_user("sub", password="a-long-password-3")
    url = reverse("admin:auth_user_change", args=[user.pk])
    post_form(admin_client, url, "user_form", groups=str(group.pk))
    change = Change.objects.get()
    assert change.changed_fields == ["groups"]
    data = change.revision.version_set.get().field_dict
    assert data["groups"] == [group.pk]
    assert "password" not in change.revision.version_set.get().serialized_data


def test_an_image_edited_on_its_own_page_is_a_revision_of_its_article(admin_client, seed):
    image = Image.objects.first()
    url = reverse("admin:articles_image_change", args=[image.pk])
    post_form(admin_client, url, "image_form", caption="A new caption")
    change = Change.objects.exclude(action=Change.Action.BASELINE).get()
    assert change.article == Article.objects.get(slug="trotskys-socialism")
    assert change.changed_fields == ["images"]


def test_recent_changes_lists_who_what_and_source(admin_client, db, django_assert_num_queries):
    for number in range(3):
        author = AuthorFactory(name=f"Writer {number}")
        url = reverse("admin:articles_author_change", args=[author.pk])
        post_form(admin_client, url, "author_form", bio=f"Bio {number}")
    changes = reverse("admin:history_change_changelist")
    page = admin_client.get(changes).content.decode()
    assert "Author: Writer 2" in page and "admin" in page
    # Session, user, the filtered and the full count, the page, its versions.
    with django_assert_num_queries(6):
        admin_client.get(changes)


def test_editors_read_the_recent_changes_and_contributors_do_not(client, newsroom_user):
    """The audit trail is the newsroom's editors' to read, not only the superuser's: the
    data migration gives the Editors group what the page needs."""
    migration = import_module("history.migrations.0005_editors_read_changes")
    state = MigrationLoader(connection).project_state(("history", "0005_editors_read_changes"))
    changes = reverse("admin:history_change_changelist")
    editor = newsroom_user("editor", group="Editors")
    Group.objects.get(name="Editors").permissions.remove(
        *Permission.objects.filter(content_type__app_label="history", codename=migration.CODENAME)
    )
    client.force_login(editor)
    assert client.get(changes).status_code == 403
    migration.let_editors_read_changes(state.apps, None)
    assert client.get(changes).status_code == 200
    client.force_login(newsroom_user("contributor", group="Contributors"))
    assert client.get(changes).status_code == 403
