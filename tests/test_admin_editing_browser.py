"""An editor's routine saves in Chromium: what the browser really sends (CRLF line ends,
every inline posted back) is stored exactly, and saving twice, or untouched, is safe."""

import io

import pytest
from PIL import Image as PillowImage
from reversion.models import Revision

from articles.models import Article
from tests.browser import BROWSER_TESTS
from tests.factories import TopicFactory

pytestmark = BROWSER_TESTS

SEED_API = "/api/v1/articles/trotskys-socialism/"


@pytest.fixture
def seed_page(request, live_server):
    """The seed article's change page, open in the logged-in browser."""
    page = request.getfixturevalue("logged_in_page")
    article = Article.objects.get(slug="trotskys-socialism")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    return page


def api_body(page, live_server):
    """The seed's detail as an anonymous reader gets it, byte for byte."""
    reader = page.context.browser.new_context()
    response = reader.request.get(f"{live_server.url}{SEED_API}")
    assert response.status == 200
    body = response.body()
    reader.close()
    return body


def messages(page):
    return page.locator(".messagelist").inner_text()


def test_upload_an_image_then_save_twice(seed_page, live_server, settings, tmp_path):
    """The issue's test (a): upload, save; open again, save with no edits: no error."""
    settings.MEDIA_ROOT = tmp_path
    png = io.BytesIO()
    PillowImage.new("RGB", (40, 30), "crimson").save(png, format="PNG")
    page = seed_page
    upload = {"name": "pickets.png", "mimeType": "image/png", "buffer": png.getvalue()}
    page.set_input_files("#id_images-0-file", upload)
    page.click("#article_form input[name=_continue] >> nth=-1")
    assert "was changed successfully" in messages(page)
    image = Article.objects.get(slug="trotskys-socialism").images.get()
    assert image.file.name.endswith(".png")

    page.goto(page.url)
    page.click("#article_form input[name=_continue] >> nth=-1")
    assert "No changes to save" in messages(page)
    page.click("#article_form input[name=_continue] >> nth=0")  # Save at the top, too
    assert "No changes to save" in messages(page)
    image.refresh_from_db()
    assert image.file.name.endswith(".png") and (image.width, image.height) == (40, 30)


def test_saving_the_seed_untouched_changes_nothing(seed_page, live_server):
    """The issue's test (b): the API's body is byte-identical, ``updated_at`` stays and no
    revision is recorded."""
    before = api_body(seed_page, live_server)
    updated_at = Article.objects.get(slug="trotskys-socialism").updated_at
    seed_page.click("#article_form input[name=_continue] >> nth=-1")
    assert "No changes to save" in messages(seed_page)
    assert api_body(seed_page, live_server) == before
    assert Article.objects.get(slug="trotskys-socialism").updated_at == updated_at
    assert not Revision.objects.exists()


def test_an_article_under_topics_saved_untouched_twice_keeps_them(request, live_server):
    """The topics box (an autocomplete) posts back every topic the article is filed
    under: saved untouched, twice, it keeps them all and no revision is recorded."""
    page = request.getfixturevalue("logged_in_page")
    article = Article.objects.get(slug="trotskys-socialism")
    article.topics.set([TopicFactory(name="Marxism"), TopicFactory(name="Russia")])
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    for _ in range(2):
        page.click("#article_form input[name=_continue] >> nth=-1")
        assert "No changes to save" in messages(page)
    assert sorted(article.topics.values_list("slug", flat=True)) == ["marxism", "russia"]
    assert not Revision.objects.exists()


def test_text_typed_in_chromium_is_stored_with_lf(seed_page):
    """Chromium sends the typed line breaks as CRLF; the standfirst is stored with LF, and
    the body it posted back unchanged keeps its blocks free of ``\\r``."""
    seed_page.fill("#id_standfirst", "")
    seed_page.click("#id_standfirst")
    seed_page.keyboard.type("First line")
    seed_page.keyboard.press("Enter")
    seed_page.keyboard.type("second line")
    seed_page.click("#article_form input[name=_continue] >> nth=-1")
    assert "was changed successfully" in messages(seed_page)
    article = Article.objects.get(slug="trotskys-socialism")
    assert article.standfirst == "First line\nsecond line"
    assert "\r" not in article.body
    assert not any("\r" in block["text"] for block in article.blocks)


def test_the_body_box_shows_the_whole_body_and_save_is_at_the_top(seed_page):
    body = seed_page.locator("#id_body")
    assert body.evaluate("box => box.scrollHeight <= box.clientHeight")
    top_save = seed_page.locator("#article_form input[name=_save]").first
    assert top_save.bounding_box()["y"] < body.bounding_box()["y"]


def test_leaving_with_unsaved_edits_asks_first(seed_page, live_server):
    """After typing in the headline, leaving the page raises the browser's
    ``beforeunload`` dialog; an untouched page leaves without one."""
    dialogs = []
    seed_page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    seed_page.goto(f"{live_server.url}/admin/")
    assert dialogs == []

    seed_page.go_back()
    seed_page.wait_for_selector("#id_headline")
    seed_page.click("#id_headline")
    seed_page.keyboard.type(" today")
    from playwright.sync_api import Error as PlaywrightError

    # Dismissing the dialog cancels the navigation.
    with pytest.raises(PlaywrightError, match="ERR_ABORTED"):
        seed_page.goto(f"{live_server.url}/admin/")
    assert dialogs == ["beforeunload"]
    assert "/change/" in seed_page.url  # dismissed: the editor stays with the edits
