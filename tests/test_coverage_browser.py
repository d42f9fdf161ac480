"""The coverage page in Chromium: reached from the publication's page, its chart drawn and
visible, and no violation of the Content-Security-Policy."""

import pytest

from articles.models import Publication
from tests.browser import BROWSER_TESTS
from tests.factories import IssueFactory

pytestmark = BROWSER_TESTS


@pytest.fixture
def violations(logged_in_page):
    """The policy violations the page reports: its events and the console's errors."""
    reported = []
    page = logged_in_page
    page.context.expose_binding("reportViolation", lambda source, text: reported.append(text))
    page.context.add_init_script(
        """document.addEventListener("securitypolicyviolation", (event) =>
             window.reportViolation(`${event.violatedDirective} ${event.blockedURI}`));"""
    )
    page.on(
        "console",
        lambda message: (
            reported.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return reported


def test_the_coverage_page_draws_its_chart_under_the_policy(
    logged_in_page, live_server, violations
):
    publication = Publication.objects.get(slug="socialist-worker")
    IssueFactory(publication=publication, number=2210)
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/publication/{publication.pk}/change/")
    with page.expect_navigation() as navigation:
        page.click(".object-tools .coveragelink")
    response = navigation.value
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    chart = page.locator(".coverage-chart svg")
    chart.wait_for(state="visible")
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 100, box
    # The bars take the admin's colour from the stylesheet, not from an inline style.
    bar = page.locator(".coverage-bar").first
    assert bar.is_visible()
    assert bar.evaluate("element => getComputedStyle(element).fill") != "none"
    assert page.locator(".coverage-gaps th[scope=row]").all_inner_texts() == ["Nos. 2211–2214"]
    page.wait_for_load_state("load")
    assert not violations, violations
