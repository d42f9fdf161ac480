"""The issue's test (g) through a browser's network stack: a scheduled article appears in
a list, its count, a feed and its detail at the same instant, on a clock time-machine
moves (the live server runs in this process, so it keeps the test's time)."""

import datetime as dt

import pytest
import time_machine

from articles.models import Author, Issue
from tests.browser import BROWSER_TESTS
from tests.factories import ArticleFactory

pytestmark = BROWSER_TESTS

AT = dt.datetime(2031, 3, 9, 18, 30, tzinfo=dt.UTC)


@pytest.fixture
def scheduled(seed):
    return ArticleFactory(
        issue=Issue.objects.get(slug="socialist-worker-2215"),
        headline="The miners return",
        published_at=AT,
        authors=[Author.objects.get(slug="esme-choonara")],
    )


def seen_by_a_browser(page, base):
    """Whether a front end in Chromium finds the article: list, count, feed, detail."""
    articles = page.request.get(f"{base}/api/v1/articles/?issue=socialist-worker-2215").json()
    feed = page.request.get(f"{base}/api/v1/feeds/articles.atom").text()
    detail = page.request.get(f"{base}/api/v1/articles/the-miners-return/")
    return {
        "list": "the-miners-return" in [item["slug"] for item in articles["results"]],
        "count": articles["count"],
        "feed": "The miners return" in feed,
        "detail": detail.status,
    }


def test_a_scheduled_article_appears_at_its_time_everywhere_at_once(
    browser_page, live_server, scheduled
):
    with time_machine.travel(AT - dt.timedelta(minutes=10), tick=False) as clock:
        before = {"list": False, "count": 1, "feed": False, "detail": 404}
        assert seen_by_a_browser(browser_page, live_server.url) == before
        clock.move_to(AT - dt.timedelta(seconds=1))
        assert seen_by_a_browser(browser_page, live_server.url) == before
        clock.move_to(AT)
        after = {"list": True, "count": 2, "feed": True, "detail": 200}
        assert seen_by_a_browser(browser_page, live_server.url) == after
