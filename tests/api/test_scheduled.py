"""Scheduled publishing keeps time: a published article whose time is still to come
appears in lists, counts, feeds, pages and its own detail at the same instant, whatever
the response cache and the count cache held from before (``articles.caching``).

The clock is time-machine's, moved by hand and standing still in between.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from articles.models import Article, Author, Issue
from tests.api.utils import redis_at
from tests.factories import ArticleFactory, AuthorFactory, IssueFactory, TopicFactory

AT = dt.datetime(2031, 3, 9, 18, 30, tzinfo=dt.UTC)
ISSUE = "socialist-worker-2215"
ISSUE_LIST = f"/api/v1/articles/?issue={ISSUE}"
DETAIL = "/api/v1/articles/the-miners-return/"


@pytest.fixture(params=["local memory", "redis"])
def any_cache(request):
    """Each process's own cache (the default), and the shared Redis a deployment uses,
    whose entries expire by the server's clock, not the test's."""
    if request.param == "local memory":
        yield
        return
    with redis_at():
        cache.set("ping", "pong")
        assert cache.get("ping") == "pong", "Redis must be running on 127.0.0.1:6379"
        yield


@pytest.fixture
def scheduled(seed):
    """Esme Choonara's second article in the seed's issue, scheduled for ``AT``."""
    return ArticleFactory(
        issue=Issue.objects.get(slug=ISSUE),
        headline="The miners return",
        published_at=AT,
        authors=[Author.objects.get(slug="esme-choonara")],
    )


def listed(api, url):
    """A list's count and its results' slugs."""
    body = api.get(url).json()
    return body["count"], [item["slug"] for item in body["results"]]


def what_readers_see(api, client):
    """Whether the scheduled article is there, by every way a reader can come to it."""
    feeds = ["articles.rss", "articles.atom", "authors/esme-choonara.rss", f"issues/{ISSUE}.atom"]
    return {
        "detail": api.get(DETAIL).status_code == 200,
        "article list": "the-miners-return" in listed(api, "/api/v1/articles/")[1],
        "issue page": "the-miners-return"
        in [a["slug"] for a in api.get(f"/api/v1/issues/{ISSUE}/").json()["articles"]],
        "author page": "the-miners-return"
        in [a["slug"] for a in api.get("/api/v1/authors/esme-choonara/").json()["articles"]],
        **{
            feed: "The miners return" in client.get(f"/api/v1/feeds/{feed}").content.decode()
            for feed in feeds
        },
    }


def everywhere(present):
    return dict.fromkeys(
        [
            "detail",
            "article list",
            "issue page",
            "author page",
            "articles.rss",
            "articles.atom",
            "authors/esme-choonara.rss",
            f"issues/{ISSUE}.atom",
        ],
        present,
    )


def test_a_scheduled_article_appears_everywhere_at_its_time(api, client, any_cache, scheduled):
    """Caches warmed ten minutes before: a second before its time the article is nowhere,
    at its time it is everywhere, and every count agrees with its results."""
    with time_machine.travel(AT - dt.timedelta(minutes=10), tick=False) as clock:
        assert listed(api, ISSUE_LIST) == (1, ["trotskys-socialism"])
        assert what_readers_see(api, client) == everywhere(False)
        clock.move_to(AT - dt.timedelta(seconds=1))
        assert listed(api, ISSUE_LIST) == (1, ["trotskys-socialism"])
        assert what_readers_see(api, client) == everywhere(False)
        clock.move_to(AT)
        both = ["the-miners-return", "trotskys-socialism"]
        # The list cached before, and the same list in another page size, whose count
        # was cached with the first: the reported "count: 1 with 2 results".
        assert listed(api, ISSUE_LIST) == (2, both)
        assert listed(api, f"{ISSUE_LIST}&page_size=50") == (2, both)
        assert listed(api, "/api/v1/articles/?ordering=published_at")[0] == 2
        assert what_readers_see(api, client) == everywhere(True)


def test_an_answer_is_cached_no_longer_than_until_the_next_publication(api, scheduled):
    """Browsers and shared caches are told so too: ``max-age`` ends at the scheduled time."""
    with time_machine.travel(AT - dt.timedelta(minutes=10), tick=False) as clock:
        assert api.get(ISSUE_LIST)["Cache-Control"] == "public, max-age=60"
        clock.move_to(AT - dt.timedelta(seconds=30))
        assert api.get(ISSUE_LIST)["Cache-Control"] == "public, max-age=30"
        assert api.get("/api/v1/articles/trotskys-socialism/")["Cache-Control"].endswith(
            "max-age=30"
        )


def test_the_schedule_is_looked_up_once_per_generation(api, scheduled, django_assert_num_queries):
    """The next publication is read once after a change or when its time comes, in the
    statement of an article's detail (one query for both), or on its own first; the other
    answers of that generation reuse it."""
    seed_detail = "/api/v1/articles/trotskys-socialism/"
    api.get(seed_detail)
    with time_machine.travel(AT - dt.timedelta(minutes=10), tick=False) as clock:
        cache.clear()
        with django_assert_num_queries(1):
            api.get(seed_detail)
        with django_assert_num_queries(4):  # the issue, its articles, the issues either side
            api.get(f"/api/v1/issues/{ISSUE}/")
        assert api.get(DETAIL).status_code == 404
        clock.move_to(AT + dt.timedelta(seconds=1))
        with django_assert_num_queries(1):
            assert api.get(seed_detail).status_code == 200
        with django_assert_num_queries(1):
            assert api.get(DETAIL).status_code == 200
        cache.clear()
        # An address that names no article: its own query, then the schedule's.
        with django_assert_num_queries(2):
            assert api.get("/api/v1/articles/no-such-article/").status_code == 404
        with django_assert_num_queries(1):
            assert api.get(seed_detail).status_code == 200


def test_staff_read_a_scheduled_article_before_its_time(editor_api, scheduled):
    with time_machine.travel(AT - dt.timedelta(minutes=10), tick=False):
        assert listed(editor_api, ISSUE_LIST) == (2, ["the-miners-return", "trotskys-socialism"])
        body = editor_api.get(DETAIL).json()
    assert body["status"] == "published"


def test_the_admin_says_when_an_article_is_scheduled(client, admin_user, scheduled):
    with time_machine.travel(AT - dt.timedelta(days=1), tick=False):
        client.force_login(admin_user)
        changelist = client.get("/admin/articles/article/").content.decode()
        change = client.get(f"/admin/articles/article/{scheduled.pk}/change/")
    # Europe/London, still on Greenwich time in early March.
    assert "Scheduled for Sun 9 Mar 2031, 18:30 GMT" in changelist
    assert "Scheduled for Sun 9 Mar 2031, 18:30 GMT" in change.content.decode()
    with time_machine.travel(AT, tick=False):
        changelist = client.get("/admin/articles/article/").content.decode()
    assert "Scheduled for" not in changelist


def test_the_model_knows_a_scheduled_article(scheduled):
    with time_machine.travel(AT - dt.timedelta(seconds=1), tick=False):
        assert scheduled.is_scheduled
        assert Article.objects.next_publication() == AT
        assert not Article.objects.published().filter(pk=scheduled.pk).exists()
    with time_machine.travel(AT, tick=False):
        assert not scheduled.is_scheduled
        assert Article.objects.next_publication() is None
        assert Article.objects.published().filter(pk=scheduled.pk).exists()


def test_filter_values_named_only_by_a_scheduled_article_become_valid_at_its_time(api, seed):
    """The filters' visibility rules are built and compiled once per process
    (``api.filters.visible``) and still read the time afresh: before its article's time an
    author, topic and issue it alone names are unknown values (400), from it they filter."""
    article = ArticleFactory(
        issue=IssueFactory(slug="socialist-worker-2216", number=2216),
        published_at=AT,
        authors=[AuthorFactory(slug="a-new-writer")],
        topics=[TopicFactory(slug="a-new-topic")],
    )
    queries = ["author=a-new-writer", "topic=a-new-topic", "issue=socialist-worker-2216"]
    with time_machine.travel(AT - dt.timedelta(seconds=1), tick=False) as clock:
        for query in queries:
            answer = api.get(f"/api/v1/articles/?{query}")
            assert answer.status_code == 400, query
            assert query.split("=")[0] in answer.json()
        clock.move_to(AT)
        for query in queries:
            assert listed(api, f"/api/v1/articles/?{query}") == (1, [article.slug]), query
