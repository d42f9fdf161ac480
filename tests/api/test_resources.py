"""Publications, issues, authors, books and images: list and detail against the seed."""

from articles.models import Article, Image
from tests.factories import ArticleFactory, ImageFactory

from .utils import slugs


def test_publications(api, seed):
    assert slugs(api.get("/api/v1/publications/")) == ["socialist-worker"]
    publication = api.get("/api/v1/publications/socialist-worker/").json()
    assert publication["name"] == "Socialist Worker"
    assert publication["issues_url"].endswith("/api/v1/issues/?publication=socialist-worker")


def test_issue_2215_lists_its_articles(api, seed):
    """A front end lists issue 2215's articles from the issue page, in list shape."""
    assert slugs(api.get("/api/v1/issues/")) == ["socialist-worker-2215"]
    issue = api.get("/api/v1/issues/socialist-worker-2215/").json()
    assert issue["number"] == 2215 and issue["date"] is None
    assert issue["publication"] == {
        "slug": "socialist-worker",
        "url": "http://testserver/api/v1/publications/socialist-worker/",
        "name": "Socialist Worker",
    }
    [article] = issue["articles"]
    assert article["slug"] == "trotskys-socialism"
    assert article["lead_image"]["caption"] == "Leon Trotsky addresses Red Army troops in 1918"
    assert "body" not in article


def test_issue_articles_come_in_publication_order(api, seed):
    seed_article = Article.objects.get()
    later = ArticleFactory(issue=seed_article.issue, published_at="2010-08-18T08:00:00Z")
    earlier = ArticleFactory(issue=seed_article.issue, published_at="2010-08-16T08:00:00Z")
    issue = api.get("/api/v1/issues/socialist-worker-2215/").json()
    assert [a["slug"] for a in issue["articles"]] == [earlier.slug, seed_article.slug, later.slug]


def test_author_page_shows_articles_and_books(api, seed):
    """One Author table: Esme Choonara's page has her article and her book."""
    esme = api.get("/api/v1/authors/esme-choonara/").json()
    assert [a["slug"] for a in esme["articles"]] == ["trotskys-socialism"]
    assert [b["slug"] for b in esme["books"]] == ["a-rebels-guide-to-trotsky"]
    assert esme["articles_url"].endswith("/api/v1/articles/?author=esme-choonara")
    assert len(slugs(api.get("/api/v1/authors/"))) == 4


def test_author_page_shows_the_latest_20_articles(api, seed):
    esme = Article.objects.get().authors.get()
    ArticleFactory.create_batch(25, authors=[esme])
    page = api.get("/api/v1/authors/esme-choonara/").json()
    assert len(page["articles"]) == 20
    dates = [a["published_at"] for a in page["articles"]]
    assert dates == sorted(dates, reverse=True)


def test_book_page_lists_recommending_articles_and_authors(api, seed):
    book = api.get("/api/v1/books/the-prophet-armed/").json()
    assert book["title"] == "The Prophet Armed" and book["volume"] == 1
    assert book["authors"] == [
        {
            "slug": "isaac-deutscher",
            "url": "http://testserver/api/v1/authors/isaac-deutscher/",
            "web_url": None,
            "name": "Isaac Deutscher",
        }
    ]
    assert [a["slug"] for a in book["articles"]] == ["trotskys-socialism"]
    assert len(slugs(api.get("/api/v1/books/"))) == 9


def test_a_book_recommended_only_by_drafts_is_hidden_from_the_public(api, editor_api, seed):
    """The book is the draft's news: not listed, no page, until an article naming it is
    published."""
    Article.objects.update(status=Article.Status.DRAFT)
    assert api.get("/api/v1/books/the-prophet-armed/").status_code == 404
    assert "the-prophet-armed" not in slugs(api.get("/api/v1/books/"))
    assert editor_api.get("/api/v1/books/the-prophet-armed/").json()["articles"][0]["slug"] == (
        "trotskys-socialism"
    )


def test_images_list_and_detail(api, seed):
    [image] = api.get("/api/v1/images/").json()["results"]
    assert image["article"] == "trotskys-socialism"
    assert image["url"] is None
    detail = api.get(f"/api/v1/images/{image['id']}/").json()
    assert detail == image


def test_image_url_when_the_file_exists(api, seed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = Image.objects.get()
    image.file.save("troops.gif", _one_pixel_gif())
    body = api.get(f"/api/v1/images/{image.pk}/").json()
    assert body["url"].startswith("http://testserver/media/images/")
    assert (body["width"], body["height"]) == (1, 1)


def test_images_of_unpublished_articles_are_hidden(api, editor_api, seed):
    draft_image = ImageFactory(article__status=Article.Status.DRAFT, article__published_at=None)
    assert api.get(f"/api/v1/images/{draft_image.pk}/").status_code == 404
    assert len(api.get("/api/v1/images/").json()["results"]) == 1
    assert editor_api.get(f"/api/v1/images/{draft_image.pk}/").status_code == 200


def test_api_root_links_every_resource(api, db):
    root = api.get("/api/v1/").json()
    assert set(root) >= {"publications", "issues", "articles", "authors", "books", "images"}


def _one_pixel_gif():
    from django.core.files.base import ContentFile

    return ContentFile(
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
        b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )
