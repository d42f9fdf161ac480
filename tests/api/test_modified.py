"""``updated_at`` on articles, and ``modified_after``/``modified_before`` to sync by it."""

import datetime as dt
import re

from django.utils import timezone

from articles.models import Article
from tests.factories import ArticleFactory

from .utils import slugs

LONDON_SUMMER = dt.timezone(dt.timedelta(hours=1))


def test_list_items_and_details_carry_updated_at(api, seed):
    article = Article.objects.get(slug="trotskys-socialism")
    stamp = dt.datetime.fromisoformat
    [item] = api.get("/api/v1/articles/").json()["results"]
    detail = api.get("/api/v1/articles/trotskys-socialism/").json()
    assert stamp(item["updated_at"]) == stamp(detail["updated_at"]) == article.updated_at
    # With its offset (`Z` in winter), as every date-time the API gives.
    assert re.search(r"(Z|[+-]\d\d:\d\d)$", item["updated_at"])


def test_an_edit_moves_updated_at(editor_api, seed):
    before = editor_api.get("/api/v1/articles/trotskys-socialism/").json()["updated_at"]
    edited = editor_api.patch(
        "/api/v1/articles/trotskys-socialism/", {"headline": "Trotsky’s socialism"}, format="json"
    )
    assert edited.status_code == 200
    assert dt.datetime.fromisoformat(edited.json()["updated_at"]) > dt.datetime.fromisoformat(
        before
    )


def set_updated(article, when):
    Article.objects.filter(pk=article.pk).update(updated_at=when)


def test_modified_after_and_before_bound_updated_at_inclusively(api, db):
    """A date-time bound includes that instant; a date, that whole day in London."""
    old, edge, new = ArticleFactory.create_batch(3)
    set_updated(old, dt.datetime(2024, 3, 1, 12, tzinfo=dt.UTC))
    set_updated(edge, dt.datetime(2024, 6, 10, 23, 30, tzinfo=LONDON_SUMMER))
    set_updated(new, dt.datetime(2024, 6, 11, 0, 30, tzinfo=LONDON_SUMMER))

    def listed(**params):
        return set(slugs(api.get("/api/v1/articles/", params)))

    assert listed(modified_after="2024-06-10") == {edge.slug, new.slug}
    assert listed(modified_after="2024-06-11") == {new.slug}
    assert listed(modified_before="2024-06-10") == {old.slug, edge.slug}
    assert listed(modified_after="2024-06-10T23:30:00+01:00") == {edge.slug, new.slug}
    assert listed(modified_after="2024-06-10T23:30:01+01:00") == {new.slug}
    assert listed(modified_after="2024-01-01", modified_before="2024-05-31") == {old.slug}


def test_a_mirror_fetches_what_changed_since_its_last_sync(api, db):
    """Note the time, edit one article: ``modified_after`` that time lists it alone, and
    still hides drafts from anonymous readers."""
    ArticleFactory.create_batch(3)
    synced = timezone.now()
    edited = Article.objects.published().first()
    edited.standfirst = "Corrected."
    edited.save()
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert draft.updated_at >= synced
    assert slugs(api.get("/api/v1/articles/", {"modified_after": synced.isoformat()})) == [
        edited.slug
    ]
