"""Revisions from API writes, the revisions API, and If-Match on API writes."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Article
from history.models import Change


def recorded():
    """The revisions that record a change (not the baseline of an article's first one)."""
    return Change.objects.exclude(action=Change.Action.BASELINE)


SEED = "/api/v1/articles/trotskys-socialism/"
REVISIONS = SEED + "revisions/"


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_an_api_patch_records_one_revision_with_who_source_and_fields(editor_api, editor, seed):
    """A PATCH is one revision of the article: the editor, source ``api``, the fields."""
    response = editor_api.patch(SEED, {"headline": "Trotsky’s socialism today"}, format="json")
    assert response.status_code == 200
    [change] = recorded().filter(article__slug="trotskys-socialism")
    assert (change.source, change.action, change.changed_fields) == ("api", "changed", ["headline"])
    assert change.revision.user == editor


def test_a_patch_that_changes_nothing_records_no_revision(editor_api, seed):
    """Sending the article's own values back records nothing."""
    headline = Article.objects.get(slug="trotskys-socialism").headline
    response = editor_api.patch(SEED, {"headline": headline}, format="json")
    assert response.status_code == 200
    assert not recorded().exists()


def test_a_byline_change_is_a_revision_of_authors(editor_api, seed):
    response = editor_api.patch(SEED, {"authors": []}, format="json")
    assert response.status_code == 200
    assert recorded().get().changed_fields == ["authors"]


def test_create_and_delete_are_revisions_too(editor_api, seed):
    new = {
        "issue": "socialist-worker-2215",
        "headline": "A new piece",
        "slug": "a-new-piece",
        "body": "Text.",
    }
    assert editor_api.post("/api/v1/articles/", new, format="json").status_code == 201
    created = recorded().get()
    assert created.action == "created" and "headline" in created.changed_fields
    assert editor_api.delete("/api/v1/articles/a-new-piece/").status_code == 204
    deleted = recorded().exclude(pk=created.pk).get()
    assert (deleted.action, deleted.source, deleted.article) == ("deleted", "api", None)


def test_revisions_list_and_detail_show_the_article_as_it_was(editor_api, seed):
    editor_api.patch(SEED, {"headline": "First correction"}, format="json")
    editor_api.patch(SEED, {"headline": "Second correction"}, format="json")
    listing = editor_api.get(REVISIONS).json()
    # Newest first: both corrections, then the article as it was before them.
    assert [r["action"] for r in listing["results"]] == ["changed", "changed", "baseline"]
    first = listing["results"][1]
    assert (first["user"], first["source"], first["changed_fields"]) == (
        "editor",
        "api",
        ["headline"],
    )
    detail = editor_api.get(f"{REVISIONS}{first['id']}/").json()
    assert detail["article"]["headline"] == "First correction"
    assert detail["article"]["authors"] == [{"slug": "esme-choonara", "name": "Esme Choonara"}]
    assert detail["article"]["issue"]["slug"] == "socialist-worker-2215"
    group = detail["article"]["reading_list"][0]
    assert group["heading"] == "All of Trotsky’s writings are worth reading, especially:"
    assert group["entries"][0]["books"][0]["slug"]


@pytest.fixture
def revised(editor_api, seed):
    editor_api.patch(SEED, {"headline": "A correction"}, format="json")
    return recorded().get()


@pytest.mark.parametrize("suffix", ["", "{id}/"])
def test_revisions_permission_matrix(revised, api, django_user_model, suffix):
    """Anonymous: 401; signed in without the article permissions, staff or not: 403; with
    them, staff or not: 200; an unknown article or revision: 404."""
    url = REVISIONS + suffix.format(id=revised.pk)
    assert api.get(url).status_code == 401
    reader = django_user_model.objects.create_user("reader", password="x-long-password-1")
    assert client_for(reader).get(url).status_code == 403
    staff = django_user_model.objects.create_user(
        "staff", password="x-long-password-2", is_staff=True
    )
    assert client_for(staff).get(url).status_code == 403
    writer = django_user_model.objects.create_user("writer", password="x-long-password-3")
    writer.user_permissions.set(Permission.objects.filter(codename="view_article"))
    writer_client = client_for(writer)
    assert writer_client.get(url).status_code == 200
    assert writer_client.get(url.replace("trotskys-socialism", "nothing")).status_code == 404


@pytest.mark.parametrize("revision", [2**63, 10**20])
def test_a_revision_id_past_the_databases_integers_is_a_404(revised, editor_api, revision):
    """Not a 500 from SQLite, which cannot take the number."""
    response = editor_api.get(f"/api/v1/articles/trotskys-socialism/revisions/{revision}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_another_articles_revision_is_a_404(revised, editor_api):
    other = Article.objects.create(
        issue=Article.objects.get().issue, headline="Other", slug="other", body="x"
    )
    url = f"/api/v1/articles/{other.slug}/revisions/{revised.pk}/"
    assert editor_api.get(url).status_code == 404


def test_revisions_query_counts_do_not_grow(editor_api, seed, django_assert_num_queries):
    for number in range(5):
        editor_api.patch(SEED, {"headline": f"Correction {number}"}, format="json")
    latest = recorded().first()
    # Token, the editor's permissions and their groups', article, the page with its count.
    with django_assert_num_queries(5):
        assert editor_api.get(REVISIONS).status_code == 200
    # Token, permissions (two), article, the revision, its versions, then its issue,
    # authors and books.
    with django_assert_num_queries(9):
        assert editor_api.get(f"{REVISIONS}{latest.pk}/").status_code == 200


# If-Match


def test_if_match_with_the_etag_of_a_get_succeeds(editor_api, seed):
    etag = editor_api.get(SEED)["ETag"]
    response = editor_api.patch(SEED, {"headline": "Checked"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert Article.objects.get().headline == "Checked"


def test_if_match_with_a_stale_etag_is_412_and_writes_nothing(editor_api, seed):
    stale = editor_api.get(SEED)["ETag"]
    editor_api.patch(SEED, {"headline": "Someone else’s"}, format="json")
    for method in (editor_api.patch, editor_api.put):
        response = method(SEED, {"headline": "Mine"}, format="json", HTTP_IF_MATCH=stale)
        assert response.status_code == 412
        assert "changed since" in response.json()["detail"]
    assert editor_api.delete(SEED, HTTP_IF_MATCH=stale).status_code == 412
    assert Article.objects.get().headline == "Someone else’s"
    assert recorded().count() == 1


def test_if_match_star_and_a_list_of_etags(editor_api, seed):
    etag = editor_api.get(SEED)["ETag"]
    response = editor_api.patch(SEED, {"headline": "Star"}, format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200
    current = editor_api.get(SEED)["ETag"]
    both = f"{etag}, {current}"
    response = editor_api.patch(SEED, {"headline": "Both"}, format="json", HTTP_IF_MATCH=both)
    assert response.status_code == 200


def test_delete_with_the_current_etag_succeeds(editor_api, seed):
    etag = editor_api.get(SEED)["ETag"]
    assert editor_api.delete(SEED, HTTP_IF_MATCH=etag).status_code == 204
