"""RSS and Atom feeds of published articles, linked from the API root."""

import html
from xml.etree import ElementTree

import pytest

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/feeds/articles.rss",
        "/api/v1/feeds/articles.atom",
        "/api/v1/feeds/authors/esme-choonara.rss",
        "/api/v1/feeds/authors/esme-choonara.atom",
        "/api/v1/feeds/issues/socialist-worker-2215.rss",
        "/api/v1/feeds/issues/socialist-worker-2215.atom",
    ],
)
def test_feeds_carry_published_articles_only(client, seed, url):
    ArticleFactory(headline="Secret draft", status=Article.Status.DRAFT, published_at=None)
    body = client.get(url).content.decode()
    assert "Trotsky’s socialism" in body and "Esme Choonara" in body
    assert "Secret draft" not in body


def test_unknown_author_feed_is_404(client, db):
    assert client.get("/api/v1/feeds/authors/nobody.rss").status_code == 404


def test_api_root_links_feeds_and_docs(api, db):
    root = api.get("/api/v1/").json()
    assert root["feed_rss"] == "http://testserver/api/v1/feeds/articles.rss"
    assert root["docs"] == "http://testserver/api/v1/docs/"


def test_a_feed_is_one_query_with_every_byline(client, db, django_assert_num_queries):
    """Each item names its authors in byline order, from the article's own query."""
    first, second = AuthorFactory(name="Ann First"), AuthorFactory(name="Bob Second")
    ArticleFactory.create_batch(5, authors=[first, second])
    with django_assert_num_queries(1):
        body = client.get("/api/v1/feeds/articles.atom").content.decode()
    assert body.count("<name>Ann First, Bob Second</name>") == 5


HOSTILE_STANDFIRST = "Tom & Jerry <img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    ("url", "summary_path"),
    [
        ("/api/v1/feeds/articles.rss", "channel/item/description"),
        (
            "/api/v1/feeds/articles.atom",
            "{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}summary",
        ),
    ],
)
def test_a_standfirst_reaches_feed_readers_as_text_not_markup(client, db, url, summary_path):
    """The standfirst is plain text, but feed readers render RSS descriptions and Atom
    ``type="html"`` summaries as HTML: what they decode must be the text, escaped."""
    ArticleFactory(standfirst=HOSTILE_STANDFIRST)
    root = ElementTree.fromstring(client.get(url).content)
    summary = root.find(summary_path).text
    assert summary == "Tom &amp; Jerry &lt;img src=x onerror=alert(1)&gt;"
    assert html.unescape(summary) == HOSTILE_STANDFIRST
