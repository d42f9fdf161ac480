"""The Preview in a real browser (Debian's Chromium driven by Playwright): it opens in a
new tab from the change page, with the form's unsaved contents."""

from articles.models import Article
from tests.browser import BROWSER_TESTS

pytestmark = BROWSER_TESTS


def open_preview(page, button):
    """Click a Preview button and return the tab it opens, once loaded."""
    with page.context.expect_page() as new_tab:
        page.click(button)
    preview = new_tab.value
    preview.wait_for_load_state()
    return preview


def test_preview_shows_the_caption_the_reading_list_and_unsaved_edits(logged_in_page, live_server):
    """Issue 16 (e): the seed's preview shows its caption and reading list; an unsaved
    headline shows in the preview while the database keeps the saved one."""
    article = Article.objects.get(slug="trotskys-socialism")
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")

    preview = open_preview(page, ".object-tools .previewlink")
    assert preview.locator("h1.preview-headline").inner_text() == "Trotsky’s socialism"
    assert (
        preview.locator("figure figcaption").inner_text()
        == "Leon Trotsky addresses Red Army troops in 1918"
    )
    reading_list = preview.locator(".preview-reading-list")
    assert reading_list.locator("h3").all_inner_texts() == [
        "All of Trotsky’s writings are worth reading, especially:",
        "On Trotsky’s life try:",
        "For an introduction to his ideas try:",
    ]
    assert "My Life, Trotsky's autobiography" in reading_list.locator("li").all_inner_texts()
    assert "All available at Bookmarks" in reading_list.inner_text()
    assert preview.locator(".preview-byline").inner_text() == "By Esme Choonara"
    preview.close()

    page.fill("#id_headline", "Trotsky’s socialism, unsaved")
    preview = open_preview(page, ".submit-row input.previewbutton")
    assert preview.locator("h1.preview-headline").inner_text() == "Trotsky’s socialism, unsaved"
    assert "nothing has been saved" in preview.locator(".messagelist").inner_text()
    preview.close()

    # The editor's page is as they left it, and nothing was saved.
    assert page.input_value("#id_headline") == "Trotsky’s socialism, unsaved"
    article.refresh_from_db()
    assert article.headline == "Trotsky’s socialism"
