"""Revisions in a real browser (Debian's Chromium): two editors on one article, and a
restore read back through the API."""

import pytest

from articles.models import Article
from history.models import Change

# Skipped without Chromium unless required; a live server's transactional database.
from tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS


def change_page(live_server, article):
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


@pytest.fixture
def article(logged_in_page):
    return Article.objects.get(slug="trotskys-socialism")


def test_the_second_of_two_editors_is_refused_and_sees_what_changed(
    logged_in_page, live_server, article
):
    """A and B open the article; A saves a new headline; B's save of the standfirst is
    refused with A's change shown, and A's headline is kept."""
    first = logged_in_page
    second_context = first.context.browser.new_context(storage_state=first.context.storage_state())
    second = second_context.new_page()
    second.set_default_timeout(10_000)
    first.goto(change_page(live_server, article))
    second.goto(change_page(live_server, article))

    first.fill("#id_headline", "A’s corrected headline")
    first.click("input[name=_continue]")
    assert "was changed successfully" in first.locator(".messagelist").inner_text()

    second.fill("#id_standfirst", "B’s new standfirst")
    second.click("input[name=_continue]")
    refusal = second.locator(".errorlist", has_text="Another editor saved this article")
    assert "your changes were NOT saved" in refusal.inner_text()
    assert refusal.locator("ins", has_text="A’s corrected headline").count() == 1
    # B's edits are still in B's form, to copy or to save over A's deliberately.
    assert second.input_value("#id_standfirst") == "B’s new standfirst"
    second_context.close()

    article.refresh_from_db()
    assert article.headline == "A’s corrected headline"
    assert article.standfirst != "B’s new standfirst"


def test_restore_a_revision_in_the_admin_and_read_it_back_through_the_api(
    logged_in_page, live_server, article
):
    page = logged_in_page
    page.goto(change_page(live_server, article))
    page.fill("#id_headline", "A headline to undo")
    page.click("input[name=_continue]")
    assert Article.objects.get(pk=article.pk).headline == "A headline to undo"

    page.click("a.historylink")
    baseline = Change.objects.get(article=article, action=Change.Action.BASELINE)
    page.click(f"tr[data-revision='{baseline.pk}'] th a")
    assert "Trotsky’s socialism" in page.locator("#revision-state").inner_text()
    page.click("input[name=restore]")
    assert "Restored revision" in page.locator(".messagelist").inner_text()

    reader = page.context.browser.new_context()
    response = reader.request.get(f"{live_server.url}/api/v1/articles/trotskys-socialism/")
    data = response.json()
    reader.close()
    assert data["headline"] == "Trotsky’s socialism"
    assert data["word_count"] == Article.objects.get(pk=article.pk).word_count > 1000
    latest = Change.objects.filter(article=article).first()
    assert (latest.action, latest.source) == ("restored", "admin")
