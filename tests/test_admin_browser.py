"""An editor's session in a real browser: Debian's Chromium driven by Playwright."""

from urllib.parse import urlsplit

from articles.models import Article
from tests.browser import BROWSER_TESTS
from tests.factories import AuthorFactory, BookFactory

pytestmark = BROWSER_TESTS


def test_editor_corrects_a_headline_and_extends_the_reading_list(logged_in_page, live_server):
    """Edit the seed in the admin, add an entry naming a book, save: the change is stored
    and the public API serves it at once."""
    book = BookFactory(
        title="The Revolution Betrayed", authors=[AuthorFactory(name="Leon Trotsky Jr")]
    )
    article = Article.objects.get(slug="trotskys-socialism")
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")

    page.fill("#id_headline", "Trotsky’s socialism today")
    entries = page.locator("#reading_groups-2-entries-group")
    entries.locator(".djn-add-handler.djn-model-articles-readinglistentry").last.click()
    page.fill("#id_reading_groups-2-entries-2-text", "The Revolution Betrayed by Trotsky")
    links = page.locator("#reading_groups-2-entries-2-links-group")
    links.locator(".djn-add-handler.djn-model-articles-readinglistentrybook").click()
    page.click("#reading_groups-2-entries-2-links-0 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Revolution Betrayed")
    page.click(".select2-results__option:has-text('The Revolution Betrayed')")
    page.click("input[name=_continue]")

    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    article.refresh_from_db()
    assert article.headline == "Trotsky’s socialism today"
    group = article.reading_groups.get(position=2)
    assert [entry.text for entry in group.entries.all()] == [
        "Trotsky’s Marxism by Duncan Hallas",
        "A Rebel’s Guide to Trotsky by Esme Choonara",
        "The Revolution Betrayed by Trotsky",
    ]
    assert list(group.entries.last().books.all()) == [book]

    # The public API, read anonymously in a fresh browser context (no admin session).
    reader = page.context.browser.new_context()
    response = reader.request.get(f"{live_server.url}/api/v1/articles/trotskys-socialism/")
    assert response.status == 200
    data = response.json()
    reader.close()
    assert data["headline"] == "Trotsky’s socialism today"
    new_entry = data["reading_list"]["groups"][2]["entries"][-1]
    assert new_entry["text"] == "The Revolution Betrayed by Trotsky"
    api = f"{live_server.url}/api/v1"
    assert new_entry["books"] == [
        {
            "slug": "the-revolution-betrayed",
            "url": f"{api}/books/the-revolution-betrayed/",
            "title": "The Revolution Betrayed",
            "authors": [
                {
                    "slug": "leon-trotsky-jr",
                    "url": f"{api}/authors/leon-trotsky-jr/",
                    "web_url": None,
                    "name": "Leon Trotsky Jr",
                }
            ],
        }
    ]


def test_api_docs_render_every_operation_from_this_server_alone(browser_page, live_server):
    """Swagger UI draws the operations, and every request the page makes goes to this server
    (the live server on the loopback address): no CDN, fonts or analytics."""
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock")
    summaries = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/articles/" in summaries
    assert "/api/v1/articles/{slug}/" in summaries
    assert page.locator(".opblock-get").count() >= 12
    assert any(url.endswith("/api/v1/schema/") for url in requested)
    server = urlsplit(live_server.url).netloc
    # data: URLs are decoded in the page and never touch the network.
    outside = [
        url
        for url in requested
        if urlsplit(url).scheme != "data" and urlsplit(url).netloc != server
    ]
    assert not outside, outside
