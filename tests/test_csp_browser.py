"""The Content-Security-Policy in Chromium: the admin's article page (nested inlines,
drag ordering, autocomplete, save), the import page, the preview and revision pages,
Swagger UI, the browsable API and the home page all work under it, and the browser
reports no violation of it anywhere."""

from urllib.parse import urlsplit

import pytest

from articles.models import Article
from tests.browser import BROWSER_TESTS
from tests.conftest import SAMPLES_DIR

pytestmark = BROWSER_TESTS


@pytest.fixture
def violations(logged_in_page):
    """Every CSP violation any page of the signed-in browser reports, as it reports it:
    the ``securitypolicyviolation`` events and the console's errors about the policy."""
    reported = []
    context = logged_in_page.context
    context.expose_binding("reportViolation", lambda source, text: reported.append(text))
    context.add_init_script(
        """document.addEventListener("securitypolicyviolation", (event) =>
             window.reportViolation(
               `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`
             ));"""
    )

    def console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            reported.append(message.text)

    context.on("console", console)
    context.on("page", lambda page: page.on("console", console))
    logged_in_page.on("console", console)
    return reported


def strict_policy(response):
    """The page's policy, checked to allow scripts from this site's files alone."""
    policy = response.headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'", policy
    assert directives["default-src"] == "'self'", policy
    return policy


def test_the_article_page_inlines_drag_ordering_and_save(logged_in_page, live_server, violations):
    """Add a reading-list entry, drag the group's last entry to the top, choose a book in
    the autocomplete, save: all stored, and no violation on the way."""
    article = Article.objects.get(slug="trotskys-socialism")
    page = logged_in_page
    response = page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    strict_policy(response)
    page.fill("#id_headline", "Trotsky’s socialism, under a policy")

    group = page.locator("#reading_groups-2-entries-group")
    group.locator(".djn-add-handler.djn-model-articles-readinglistentry").last.click()
    page.fill("#id_reading_groups-2-entries-2-text", "Added under the policy")
    page.locator("#reading_groups-2-entries-2-links-group .djn-add-handler").click()
    page.click("#reading_groups-2-entries-2-links-0 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "My Life")
    page.click(".select2-results__option:has-text('My Life')")

    # Drag the new entry above the first by its handle, as an editor would.
    handle = page.locator("#reading_groups-2-entries-2 .djn-drag-handler").first
    target = page.locator("#reading_groups-2-entries-0 .djn-drag-handler").first
    handle.scroll_into_view_if_needed()
    start, end = handle.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(
            start["x"] + start["width"] / 2,
            start["y"] + (end["y"] - start["y"] - 10) * step / 10,
        )
    page.mouse.up()

    page.click("#article_form input[name=_continue] >> nth=-1")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    article.refresh_from_db()
    assert article.headline == "Trotsky’s socialism, under a policy"
    entries = [entry.text for entry in article.reading_groups.get(position=2).entries.all()]
    assert entries[0] == "Added under the policy", entries
    assert not violations, violations


def test_the_import_page_checks_and_imports_a_file(logged_in_page, live_server, violations):
    page = logged_in_page
    response = page.goto(f"{live_server.url}/admin/articles/article/import/")
    strict_policy(response)
    page.set_input_files("input[type=file]", str(SAMPLES_DIR / "2216-when-paris-rose.txt"))
    page.click("input[type=submit][value='Check files']")
    page.click("input[name=confirm]")
    page.wait_for_load_state()
    assert Article.objects.filter(issue__number=2216).exists()
    assert not violations, violations


def test_the_preview_history_and_other_admin_pages(logged_in_page, live_server, violations):
    """The preview (a new tab from the change page), the history and a revision, the
    changelist with its filters and search, and the add page."""
    article = Article.objects.get(slug="trotskys-socialism")
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.fill("#id_headline", "Revised under the policy")
    page.click("#article_form input[name=_continue] >> nth=-1")
    with page.context.expect_page() as new_tab:
        page.click(".object-tools .previewlink")
    preview = new_tab.value
    preview.wait_for_selector("h1.preview-headline")
    preview.close()
    for path in (
        f"/admin/articles/article/{article.pk}/history/",
        "/admin/articles/article/?q=trotsky",
        "/admin/articles/article/add/",
        "/admin/articles/image/add/",
        "/admin/",
    ):
        strict_policy(page.goto(f"{live_server.url}{path}"))
        page.wait_for_load_state("load")
    # The revision the save above made, shown, and compared with the one before it.
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    page.locator("a[href*='/revisions/']").first.click()
    page.wait_for_selector(".revision-diff, #content-main")
    assert "/revisions/" in page.url
    assert not violations, violations


def test_swagger_ui_tries_an_operation(logged_in_page, live_server, violations):
    """Swagger UI draws every operation and answers a "Try it out" from this server."""
    page = logged_in_page
    strict_policy(page.goto(f"{live_server.url}/api/v1/docs/"))
    page.wait_for_selector(".opblock")
    page.click(".opblock-get .opblock-summary-path[data-path='/api/v1/issues/']")
    page.click("button.try-out__btn")
    page.click("button.execute")
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert not violations, violations


def test_the_home_page_and_the_browsable_api(logged_in_page, live_server, violations):
    page = logged_in_page
    for path in ("/", "/api/v1/", "/api/v1/articles/", "/api/v1/articles/trotskys-socialism/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200
        assert urlsplit(page.url).path == path
        strict_policy(response)
        page.wait_for_load_state("load")
    assert not violations, violations
