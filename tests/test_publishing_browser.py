"""Publishing in a real browser (Debian's Chromium, Playwright): a contributor cannot
publish by any path the admin and the API offer, an editor can, and an editor with only
"Can change article" sees the seed's bylines and reading list."""

import pytest
from rest_framework.authtoken.models import Token

from articles.models import Article, Issue
from tests.browser import BROWSER_TESTS
from tests.factories import ArticleFactory

pytestmark = BROWSER_TESTS

PASSWORD = "a-long-browser-test-password"


@pytest.fixture
def sign_in(browser_page, live_server, seed, newsroom_user):
    """Make a user (``newsroom_user``'s arguments) and sign them in to the admin."""

    def sign_in_as(username, **role):
        user = newsroom_user(username, password=PASSWORD, **role)
        page = browser_page
        page.goto(f"{live_server.url}/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        return user, page

    return sign_in_as


@pytest.fixture
def draft(seed):
    return ArticleFactory(
        issue=Issue.objects.get(slug="socialist-worker-2215"),
        headline="Draft on the dockers",
        status=Article.Status.DRAFT,
        published_at=None,
    )


def test_a_contributor_cannot_publish_by_form_action_or_api(sign_in, live_server, draft):
    user, page = sign_in("contributor", group="Contributors")
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    assert page.locator("#id_status").count() == 0
    assert page.locator(".field-status .readonly").inner_text() == "Draft"
    assert "Can publish, unpublish and schedule articles" in page.locator("#content").inner_text()
    page.fill("#id_headline", "Draft on the dockers, revised")
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    draft.refresh_from_db()
    assert (draft.headline, draft.status) == ("Draft on the dockers, revised", "draft")

    # A published article: its status and time are read-only to them.
    seed = Article.objects.get(slug="trotskys-socialism")
    page.goto(f"{live_server.url}/admin/articles/article/{seed.pk}/change/")
    assert page.locator("#id_status, #id_published_at_0").count() == 0
    assert page.locator(".field-status .readonly").inner_text() == "Published"

    # The list offers no publish or unpublish action.
    page.goto(f"{live_server.url}/admin/articles/article/")
    actions = page.locator("select[name=action] option").all_inner_texts()
    assert not [action for action in actions if "ublish" in action], actions

    # The API, called from the same browser with the contributor's token.
    token = Token.objects.create(user=user).key
    response = page.request.patch(
        f"{live_server.url}/api/v1/articles/{draft.slug}/",
        data={"status": "published", "published_at": "2010-08-20T12:00:00Z"},
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status == 403
    assert "Can publish, unpublish and schedule articles" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_an_editor_publishes_by_the_form(sign_in, live_server, draft):
    _, page = sign_in("editor", group="Editors")
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", "2010-08-20")
    page.fill("#id_published_at_1", "12:00:00")
    page.click("input[name=_continue]")
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    reader = page.context.browser.new_context()
    response = reader.request.get(f"{live_server.url}/api/v1/articles/{draft.slug}/")
    assert response.status == 200
    reader.close()


def test_an_editor_publishing_with_no_time_gets_the_fields_error(sign_in, live_server, draft):
    _, page = sign_in("editor", group="Editors")
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    error = page.locator(".field-published_at .errorlist").inner_text()
    assert error == "A published article needs a publication time."
    assert "Constraint" not in page.locator("#content").inner_text()


def test_a_change_article_editor_sees_the_seeds_bylines_and_reading_list(sign_in, live_server):
    _, page = sign_in("changer", permissions=["view_article", "change_article"])
    seed = Article.objects.get(slug="trotskys-socialism")
    page.goto(f"{live_server.url}/admin/articles/article/{seed.pk}/change/")
    assert "Esme Choonara" in page.locator("#bylines-group").inner_text()
    headings = [page.input_value(f"#id_reading_groups-{n}-heading") for n in range(3)]
    assert "On Trotsky’s life try:" in headings
    texts = page.locator("#reading_groups-group textarea").evaluate_all(
        "areas => areas.map(area => area.value)"
    )
    assert "My Life, Trotsky's autobiography" in texts
    assert "Leon Trotsky addresses Red Army troops in 1918" in page.locator(
        "#images-group textarea"
    ).evaluate_all("areas => areas.map(area => area.value)")
