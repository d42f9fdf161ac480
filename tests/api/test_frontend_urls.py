"""FRONTEND_URLS: records carry their website address, feeds link there, a sitemap lists them."""

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from api.sitemaps import FrontEndSitemap
from articles.models import Article, Author, Issue
from tests.factories import ArticleFactory, AuthorFactory

SITE = "https://www.example.org"
FRONTEND_URLS = (
    f"home={SITE}/,"
    f"article={SITE}/{{year}}/{{month}}/{{slug}}/,"
    f"issue={SITE}/{{publication}}/issues/{{number}}/,"
    f"author={SITE}/people/{{slug}}/"
)
SEED_URL = f"{SITE}/2010/08/trotskys-socialism/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def website(settings):
    settings.FRONTEND_URLS = FRONTEND_URLS


def test_records_carry_their_website_address(api, seed, website):
    article = api.get("/api/v1/articles/trotskys-socialism/").json()
    assert article["web_url"] == SEED_URL
    assert api.get("/api/v1/articles/").json()["results"][0]["web_url"] == SEED_URL
    issue = api.get("/api/v1/issues/socialist-worker-2215/").json()
    assert issue["web_url"] == f"{SITE}/socialist-worker/issues/2215/"
    author = api.get("/api/v1/authors/esme-choonara/").json()
    assert author["web_url"] == f"{SITE}/people/esme-choonara/"
    assert article["issue"]["web_url"] == issue["web_url"]
    assert article["authors"][0]["web_url"] == author["web_url"]
    book = api.get("/api/v1/books/the-prophet-armed/").json()
    deutscher = f"{SITE}/people/isaac-deutscher/"
    assert book["authors"][0]["web_url"] == deutscher
    recommended = article["reading_list"]["groups"][1]["entries"][1]["books"][0]
    assert recommended["authors"][0]["web_url"] == deutscher


def test_without_a_website_the_address_is_null(api, seed):
    assert api.get("/api/v1/articles/trotskys-socialism/").json()["web_url"] is None


def test_a_draft_has_no_website_address(editor_api, seed, website):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert editor_api.get(f"/api/v1/articles/{draft.slug}/").json()["web_url"] is None


def test_feeds_link_to_the_website(client, seed, website):
    rss = ElementTree.fromstring(client.get("/api/v1/feeds/articles.rss").content)
    assert rss.find("channel/link").text == f"{SITE}/"
    assert rss.find("channel/item/link").text == SEED_URL
    atom = client.get("/api/v1/feeds/authors/esme-choonara.atom").content.decode()
    assert f'href="{SITE}/people/esme-choonara/"' in atom


def sitemap_locations(client, url="/sitemap.xml"):
    root = ElementTree.fromstring(client.get(url).content)
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_the_sitemap_lists_public_pages_only(client, seed, website):
    ArticleFactory(headline="Draft piece", status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(headline="Scheduled piece", published_at=timezone.now() + dt.timedelta(days=1))
    AuthorFactory(name="Draft Only")
    locations = sitemap_locations(client)
    assert SEED_URL in locations
    assert f"{SITE}/socialist-worker/issues/2215/" in locations
    assert f"{SITE}/people/esme-choonara/" in locations
    assert not any("draft-piece" in loc or "scheduled-piece" in loc for loc in locations)


def test_a_large_sitemap_becomes_an_index_of_sections(client, seed, website, monkeypatch):
    monkeypatch.setattr(FrontEndSitemap, "limit", 3)
    ArticleFactory.create_batch(4)
    index = sitemap_locations(client)
    assert "http://testserver/sitemap-articles.xml?p=2" in index
    pages = [loc for url in index for loc in sitemap_locations(client, url)]
    assert SEED_URL in pages and len(pages) == len(set(pages))


def test_without_a_website_there_is_no_sitemap(client, seed):
    assert client.get("/sitemap.xml").status_code == 404


def test_a_template_naming_an_unknown_placeholder_fails_the_checks(settings):
    settings.FRONTEND_URLS = f"article={SITE}/{{headline}}/"
    with pytest.raises(SystemCheckError, match="may name slug, year"):
        call_command("check")


def test_the_sitemap_costs_the_same_queries_however_many_pages(
    client, seed, website, django_assert_num_queries
):
    """Per section: its count, and its page of records with what their addresses name."""
    ArticleFactory.create_batch(5, authors=[AuthorFactory()])
    with django_assert_num_queries(6):
        locations = sitemap_locations(client)
    assert (
        len(locations) == Article.objects.count() + Issue.objects.count() + Author.objects.count()
    )
