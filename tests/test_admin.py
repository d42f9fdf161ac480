"""Every admin page an editor can reach answers, and the article list stays cheap."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import format_html

from articles.models import Article, Author, Issue, Topic
from tests.factories import ArticleFactory, TopicFactory

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
ARCHIVE_MODELS = [model for model in REGISTERED if model._meta.app_label == "articles"]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_search_and_add_pages_answer(admin_client, seed, model):
    """Smoke test: system checks do not catch a misspelt admin attribute; this does."""
    assert admin_client.get(admin_url(model, "changelist")).status_code == 200
    assert admin_client.get(admin_url(model, "changelist"), {"q": "Trotsky"}).status_code == 200
    add = admin_client.get(admin_url(model, "add"))
    # Records only the system writes (the audit trail, django-axes' login attempts) have
    # no add page.
    addable = admin.site._registry[model].has_add_permission(add.wsgi_request)
    assert add.status_code == (200 if addable else 403)


@pytest.mark.parametrize("model", ARCHIVE_MODELS, ids=lambda m: m._meta.label)
def test_change_pages_answer_for_the_seed(admin_client, seed, model):
    if model is Topic:
        # Editors make topics; the seed, an import, has none.
        TopicFactory().articles.set(Article.objects.all())
    instance = model.objects.first()
    assert instance is not None, "the seed gives every archive model a row"
    assert admin_client.get(admin_url(model, "change", instance.pk)).status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_anonymous_users_are_sent_to_the_login_page(client, seed, model):
    response = client.get(admin_url(model, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_article_page_shows_the_reading_list_in_place(admin_client, seed):
    """Bylines, the image caption and every reading-list entry are on the article's page."""
    article = Article.objects.get(slug="trotskys-socialism")
    page = admin_client.get(admin_url(Article, "change", article.pk)).content.decode()
    for text in (
        "Esme Choonara",
        "Leon Trotsky addresses Red Army troops in 1918",
        "On Trotsky’s life try:",
        "My Life, Trotsky&#x27;s autobiography",
        "The Prophet Unarmed",
        "All available at Bookmarks",
    ):
        assert text in page, text


def test_issue_and_author_pages_list_their_articles_and_books(admin_client, seed):
    """Issue pages show their articles; author pages their articles and books."""
    issue = Issue.objects.get(slug="socialist-worker-2215")
    page = admin_client.get(admin_url(Issue, "change", issue.pk)).content.decode()
    assert "Trotsky’s socialism" in page
    esme = Author.objects.get(slug="esme-choonara")
    page = admin_client.get(admin_url(Author, "change", esme.pk)).content.decode()
    assert "Trotsky’s socialism" in page
    assert "A Rebel’s Guide to Trotsky" in page


def change_link(obj):
    return format_html('<a href="{}">{}</a>', admin_url(type(obj), "change", obj.pk), obj)


def test_read_only_inlines_link_every_article_and_book_to_its_page(admin_client, seed):
    """Issue and author pages link each of their articles and books, read-only."""
    pages = [(issue, issue.articles.all()) for issue in Issue.objects.all()]
    for author in Author.objects.all():
        pages.append((author, [*author.articles.all(), *author.books.all()]))
    assert sum(len(linked) for _, linked in pages) > len(pages), "the seed links records"
    for record, linked in pages:
        response = admin_client.get(admin_url(type(record), "change", record.pk))
        for obj in linked:
            assert change_link(obj) in response.content.decode(), (record, obj)
        for inline in response.context["inline_admin_formsets"]:
            assert not inline.has_add_permission and not inline.formset.can_delete


def count_changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url(Article, "changelist"))
    assert response.status_code == 200
    return len(queries)


def test_article_changelist_query_count_does_not_grow_with_rows(admin_client, seed):
    """``list_select_related`` and the byline prefetch keep 100 rows as cheap as one."""
    one_row = count_changelist_queries(admin_client)
    ArticleFactory.create_batch(60)
    assert count_changelist_queries(admin_client) == one_row


def test_editor_can_publish_and_unpublish_in_bulk(editor_client, db):
    """The bulk actions on the article list, as an editor (staff, not superuser) uses them."""
    drafts = ArticleFactory.create_batch(3, status=Article.Status.DRAFT, published_at=None)
    url = admin_url(Article, "changelist")
    ids = [str(article.pk) for article in drafts]
    response = editor_client.post(url, {"action": "publish", "_selected_action": ids})
    assert response.status_code == 302
    assert Article.objects.published().count() == 3
    editor_client.post(url, {"action": "unpublish", "_selected_action": ids[:1]})
    assert Article.objects.published().count() == 2


def test_non_staff_users_cannot_use_the_admin(client, django_user_model, seed):
    reader = django_user_model.objects.create_user(username="reader", password="a-long-password!")
    client.force_login(reader)
    response = client.get(admin_url(Article, "changelist"))
    assert response.status_code == 302
