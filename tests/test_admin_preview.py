"""The article's Preview in the admin: the saved article and the change form's unsaved
contents, drawn from the API's detail JSON, with nothing written."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.caching import current_generation
from articles.models import (
    Article,
    ArticleAuthor,
    Image,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from tests.admin_forms import change_form
from tests.test_image_uploads import picture

SEED = "trotskys-socialism"
CAPTION = "Leon Trotsky addresses Red Army troops in 1918"
PARTS = (Article, ArticleAuthor, Image, ReadingListGroup, ReadingListEntry, ReadingListEntryBook)


def preview_url(article=None):
    if article is None:
        return reverse("admin:articles_article_preview_add")
    return reverse("admin:articles_article_preview", args=[article.pk])


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_fields(client, url):
    """What the browser would post from the change (or add) page as it was opened."""
    return change_form(client, url)


def archive_rows():
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in PARTS}


@pytest.fixture
def article(seed):
    return Article.objects.get(slug=SEED)


def test_the_saved_article_as_a_reader_sees_it(admin_client, article, django_assert_num_queries):
    """Headline, standfirst, byline, date, caption, subheadings and the reading list: one
    query for the JSON besides the admin's own (session, user, the article and its byline)."""
    admin_client.get(preview_url(article))  # the connection's first use checks its features
    with django_assert_num_queries(5):
        response = admin_client.get(preview_url(article))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        '<h1 class="preview-headline">Trotsky’s socialism</h1>',
        "Seventy years ago the Russian revolutionary Leon\xa0Trotsky",
        "By Esme Choonara",
        "17 August 2010",
        f"<figcaption>{CAPTION}</figcaption>",
        "<h2>An inspiration for today</h2>",
        "<h3>On Trotsky’s life try:</h3>",
        "<li>My Life, Trotsky&#x27;s autobiography</li>",
        "All available at Bookmarks",
        "Socialist Worker, Issue No. 2215",
    ):
        assert text in page, text
    assert "A preview of the article as saved." in page


def test_view_on_site_is_the_preview(admin_client, article):
    """ "View on site" leads to the preview, not to the API's JSON."""
    page = admin_client.get(change_url(article)).content.decode()
    assert f'href="{preview_url(article)}" class="viewsitelink"' in page


def test_view_on_site_is_the_website_page_once_readers_have_it(admin_client, article, settings):
    """With a website configured, a public article's "View on site" opens its page there;
    a draft's stays the preview, the website having no page for it yet."""
    settings.FRONTEND_URLS = "article=https://www.example.org/{year}/{slug}/"
    page = admin_client.get(change_url(article)).content.decode()
    website = "https://www.example.org/2010/trotskys-socialism/"
    assert f'href="{website}" class="viewsitelink"' in page
    Article.objects.filter(pk=article.pk).unpublish()
    page = admin_client.get(change_url(article)).content.decode()
    assert f'href="{preview_url(article)}" class="viewsitelink"' in page


def test_the_change_page_offers_preview_in_a_new_tab(admin_client, article):
    """Beside Save and in the object tools, posting the form as it stands to the preview."""
    page = admin_client.get(change_url(article)).content.decode()
    # In the Save rows at the top and the bottom, and in the object tools.
    assert page.count(f'formaction="{preview_url(article)}" formtarget="_blank"') == 3
    assert "Preview on the website" not in page


def test_an_unsaved_headline_is_previewed_and_not_saved(admin_client, article):
    """The posted headline shows; the database, the history and the cache keep theirs."""
    fields = form_fields(admin_client, change_url(article))
    fields["headline"] = "Trotsky’s socialism, corrected"
    before, generation = archive_rows(), current_generation()
    response = admin_client.post(preview_url(article), fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="preview-headline">Trotsky’s socialism, corrected</h1>' in page
    assert "A preview of your unsaved changes: nothing has been saved." in page
    assert CAPTION in page and "On Trotsky’s life try:" in page
    assert archive_rows() == before
    assert current_generation() == generation
    assert not LogEntry.objects.exists()


def test_unsaved_inlines_are_previewed(admin_client, article):
    """A removed image, a changed reading-list entry and a new group show in the preview."""
    fields = form_fields(admin_client, change_url(article))
    fields["images-0-DELETE"] = "on"
    fields["reading_groups-1-entries-0-text"] = "My Life, an autobiography"
    fields.update(
        {
            "reading_groups-TOTAL_FORMS": "4",
            "reading_groups-3-heading": "And for the novel of it:",
            "reading_groups-3-position": "3",
            "reading_groups-3-entries-TOTAL_FORMS": "1",
            "reading_groups-3-entries-INITIAL_FORMS": "0",
            "reading_groups-3-entries-0-text": "Literature and Revolution",
            "reading_groups-3-entries-0-position": "0",
            "reading_groups-3-entries-0-links-TOTAL_FORMS": "0",
            "reading_groups-3-entries-0-links-INITIAL_FORMS": "0",
        }
    )
    before = archive_rows()
    page = admin_client.post(preview_url(article), fields).content.decode()
    assert CAPTION not in page
    assert "<li>My Life, an autobiography</li>" in page
    assert "<h3>And for the novel of it:</h3>" in page
    assert "<li>Literature and Revolution</li>" in page
    assert archive_rows() == before


def test_an_unsaved_new_article_is_previewed_from_the_add_page(admin_client, article):
    fields = form_fields(admin_client, reverse("admin:articles_article_add"))
    fields.update(
        issue=str(article.issue_id),
        headline="The dockers’ strike",
        slug="the-dockers-strike",
        body="It began on the quay.\n\n## What next\n\nThe union met.",
    )
    before = archive_rows()
    response = admin_client.post(preview_url(), fields)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The dockers’ strike" in page and "<h2>What next</h2>" in page
    assert "It is a draft: readers cannot see it." in page
    assert archive_rows() == before


def test_a_form_with_errors_is_named_not_previewed(admin_client, article):
    """A bad form answers 400 naming each field; nothing is saved."""
    fields = form_fields(admin_client, change_url(article))
    fields["headline"] = ""
    fields["reading_groups-0-position"] = "first"
    response = admin_client.post(preview_url(article), fields)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Headline — This field is required." in page
    assert "Reading list group 1 — Position — Enter a whole number." in page
    assert Article.objects.get(pk=article.pk).headline == "Trotsky’s socialism"


def test_text_is_escaped(admin_client, article):
    """Markup typed into a headline, caption or body is shown as text."""
    fields = form_fields(admin_client, change_url(article))
    fields["headline"] = "<script>alert(1)</script>"
    fields["images-0-caption"] = "<img src=x onerror=alert(2)>"
    fields["body"] = "<b>bold</b>\n\n## <i>sub</i>"
    page = admin_client.post(preview_url(article), fields).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page
    assert "<p>&lt;b&gt;bold&lt;/b&gt;</p>" in page and "<h2>&lt;i&gt;sub&lt;/i&gt;</h2>" in page


def test_a_posted_preview_costs_a_fixed_number_of_queries(
    admin_client, article, django_assert_num_queries
):
    """The change form's own validation and save, as a Save of it costs (the nested
    reading-list formsets query per group and entry), and one query for the JSON."""
    fields = form_fields(admin_client, change_url(article))
    with django_assert_num_queries(150):
        response = admin_client.post(preview_url(article), fields)
    assert response.status_code == 200


@pytest.fixture
def viewer_client(client, django_user_model):
    """A staff user who may only view articles."""
    user = django_user_model.objects.create_user("viewer", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename__startswith="view_")
    )
    client.force_login(user)
    return client


def test_only_editors_who_may_change_the_article_preview_it(viewer_client, article):
    """Viewing is not enough: no button, and the preview is refused, saved or posted."""
    assert "formaction" not in viewer_client.get(change_url(article)).content.decode()
    assert viewer_client.get(preview_url(article)).status_code == 403
    assert viewer_client.post(preview_url(article), {"headline": "x"}).status_code == 403
    assert viewer_client.post(preview_url(), {"headline": "x"}).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, article):
    response = client.get(preview_url(article))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_missing_article_is_a_404(admin_client, article):
    assert admin_client.get(reverse("admin:articles_article_preview", args=[0])).status_code == 404


def test_the_add_preview_takes_only_a_posted_form(admin_client, db):
    assert admin_client.get(preview_url()).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_a_preview_commits_nothing_and_retires_no_cached_response(admin_client, seed):
    """With real commits: the preview's rollback drops its on-commit hooks, so the cache
    generation stands, while a real save of the same form retires it."""
    article = Article.objects.get(slug=SEED)
    fields = form_fields(admin_client, change_url(article))
    fields["headline"] = "Trotsky’s socialism, corrected"
    before, generation = archive_rows(), current_generation()
    assert admin_client.post(preview_url(article), fields).status_code == 200
    assert archive_rows() == before
    assert current_generation() == generation
    assert not LogEntry.objects.exists()

    assert admin_client.post(change_url(article), {**fields, "_save": "Save"}).status_code == 302
    assert Article.objects.get(pk=article.pk).headline == "Trotsky’s socialism, corrected"
    assert current_generation() != generation


@pytest.mark.usefixtures("article")
@pytest.mark.parametrize("url", ["https://www.example.org/preview?token={token}"])
def test_preview_on_the_website_goes_to_the_front_end_with_a_token(
    admin_client, settings, client, url
):
    """When FRONTEND_PREVIEW_URL is set, the change page links to a redirect that makes a
    token on the spot; the API answers that token with the article."""
    settings.FRONTEND_PREVIEW_URL = url
    article = Article.objects.get(slug=SEED)
    page = admin_client.get(change_url(article)).content.decode()
    website = reverse("admin:articles_article_preview_website", args=[article.pk])
    assert f'href="{website}" target="_blank"' in page and "Preview on the website" in page
    response = admin_client.get(website)
    assert response.status_code == 302
    prefix = "https://www.example.org/preview?token="
    assert response["Location"].startswith(prefix)
    token = response["Location"].removeprefix(prefix)
    data = client.get(f"/api/v1/previews/{token}/").json()
    assert data["slug"] == SEED


def test_without_a_front_end_there_is_no_website_preview(admin_client, article):
    website = reverse("admin:articles_article_preview_website", args=[article.pk])
    assert admin_client.get(website).status_code == 404


def test_a_newly_chosen_image_file_is_not_stored(admin_client, article, settings, tmp_path):
    """Media storage is outside the transaction, so a preview stores no upload: an image
    keeps its stored file, a new one shows its caption alone, and the page says so."""
    settings.MEDIA_ROOT = tmp_path
    stored = Image.objects.get()
    stored.file.save("old.png", ContentFile(picture("PNG")))
    files = sorted(tmp_path.rglob("*"))
    fields = form_fields(admin_client, change_url(article))
    fields.update(
        {
            "images-0-file": SimpleUploadedFile("replaced.png", picture("PNG", (80, 60))),
            "images-TOTAL_FORMS": "2",
            "images-1-caption": "Trotsky in Mexico",
            "images-1-position": "1",
            "images-1-file": SimpleUploadedFile("new.png", picture("PNG")),
        }
    )
    page = admin_client.post(preview_url(article), fields).content.decode()
    assert "Newly chosen image files are not shown until the article is saved." in page
    assert f'<img src="http://testserver{stored.file.url}" alt="" width="40" height="30">' in page
    assert f"<figcaption>{CAPTION}</figcaption>" in page
    assert "<figcaption>Trotsky in Mexico</figcaption>" in page
    assert page.count("<img src=") == 1
    assert sorted(tmp_path.rglob("*")) == files
    assert Image.objects.count() == 1
