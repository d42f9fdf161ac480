"""One rule says what a reader may read, on every resource that shows articles.

Users who may view or change articles read drafts and scheduled articles, staff or
not; every other reader, signed in or not, staff or not, reads what is published, and
gets the public answer: publicly cacheable, from the shared cache.
"""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from articles.models import Article, Author, Book, ReadingListEntry, ReadingListGroup
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BookFactory,
    ImageFactory,
    IssueFactory,
)


@pytest.fixture
def draft(seed):
    """A draft by the seed's author, in the seed's issue, with an image, recommending a
    book of the seed's reading list."""
    seed_article = Article.objects.get(slug="trotskys-socialism")
    author = seed_article.authors.get()
    draft = Article.objects.create(
        issue=seed_article.issue,
        headline="Draft on the dockers",
        slug="draft-on-the-dockers",
        body="Not yet.",
    )
    draft.set_authors([author])
    ImageFactory(article=draft, caption="Dockers at the gate")
    group = ReadingListGroup.objects.create(article=draft, heading="Read:")
    entry = ReadingListEntry.objects.create(group=group, text="My Life")
    entry.books.add(Book.objects.get(slug="my-life"))
    return draft


@pytest.fixture
def reader(django_user_model):
    """A signed-in reader without staff status."""
    user = django_user_model.objects.create_user("reader", password="x" * 20)
    client = APIClient()
    client.force_authenticate(user)
    return client


def shown(client, draft) -> dict[str, bool]:
    """Where the draft shows up for this client: each page that lists articles."""
    author = draft.authors.get().slug
    issue = draft.issue.slug
    articles = client.get("/api/v1/articles/").json()["results"]
    images = client.get("/api/v1/images/").json()["results"]
    return {
        "article list": any(a["slug"] == draft.slug for a in articles),
        "article page": client.get(f"/api/v1/articles/{draft.slug}/").status_code == 200,
        "issue page": any(
            a["slug"] == draft.slug
            for a in client.get(f"/api/v1/issues/{issue}/").json()["articles"]
        ),
        "author page": any(
            a["slug"] == draft.slug
            for a in client.get(f"/api/v1/authors/{author}/").json()["articles"]
        ),
        "book page": any(
            a["slug"] == draft.slug for a in client.get("/api/v1/books/my-life/").json()["articles"]
        ),
        "image list": any(i["caption"] == "Dockers at the gate" for i in images),
        "article filter": client.get("/api/v1/images/", {"article": draft.slug}).status_code == 200,
    }


def test_staff_read_the_draft_everywhere(editor_api, draft):
    assert all(shown(editor_api, draft).values()), shown(editor_api, draft)


@pytest.mark.parametrize("who", ["anonymous", "signed-in reader"])
def test_everyone_else_reads_it_nowhere(api, reader, draft, who):
    client = api if who == "anonymous" else reader
    assert not any(shown(client, draft).values()), shown(client, draft)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_without_article_permissions_read_only_what_is_published(
    api, django_user_model, draft
):
    """Staff status alone reads no drafts: the admin refuses such a user the articles,
    and so does the API, which answers them as anyone."""
    staff = django_user_model.objects.create_user("clerk", password="x" * 20, is_staff=True)
    staff.user_permissions.set(Permission.objects.exclude(codename__endswith="_article"))
    client = client_for(staff)
    assert not any(shown(client, draft).values()), shown(client, draft)
    response = client.get("/api/v1/articles/trotskys-socialism/")
    assert response["Cache-Control"].startswith("public")
    assert "status" not in response.json()


@pytest.mark.parametrize("codename", ["view_article", "change_article"])
def test_a_writer_who_is_not_staff_reads_the_drafts(django_user_model, draft, codename):
    """A user who may view (or change) articles reads drafts, staff or not: a writer
    outside the admin sees the drafts they made through the API."""
    writer = django_user_model.objects.create_user("writer", password="x" * 20)
    writer.user_permissions.set(Permission.objects.filter(codename=codename))
    client = client_for(writer)
    assert all(shown(client, draft).values()), shown(client, draft)
    response = client.get(f"/api/v1/articles/{draft.slug}/")
    assert response.json()["status"] == "draft"
    assert "private" in response["Cache-Control"]


def test_a_writer_who_is_not_staff_sees_the_draft_they_post(django_user_model, seed):
    """The issue's second case end to end: a contributor posts a draft and reads it."""
    writer = django_user_model.objects.create_user("writer", password="x" * 20)
    writer.user_permissions.set(
        Permission.objects.filter(codename__in=["add_article", "change_article"])
    )
    client = client_for(writer)
    posted = client.post(
        "/api/v1/articles/",
        {
            "issue": "socialist-worker-2215",
            "headline": "My first draft",
            "slug": "my-first-draft",
            "body": "One paragraph.",
            "status": "draft",
        },
        format="json",
    )
    assert posted.status_code == 201, posted.content
    assert client.get("/api/v1/articles/my-first-draft/").status_code == 200
    listed = client.get("/api/v1/articles/").json()["results"]
    assert "my-first-draft" in [item["slug"] for item in listed]


def test_a_signed_in_reader_gets_the_public_answer(api, reader, draft, django_assert_num_queries):
    """No article permission, so the same answer as anyone's: public, and served from the
    shared response cache that an anonymous request filled, after the two queries that
    find the reader's permissions (their own and their groups')."""
    anonymous = api.get("/api/v1/articles/trotskys-socialism/")
    assert anonymous["Cache-Control"].startswith("public")
    with django_assert_num_queries(2):
        response = reader.get("/api/v1/articles/trotskys-socialism/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public")
    assert response.content == anonymous.content
    assert "status" not in response.json()


def test_staff_get_their_own_answer(api, editor_api, draft):
    """A reader of drafts is never answered from the shared cache, nor cached publicly."""
    api.get("/api/v1/articles/trotskys-socialism/")
    response = editor_api.get("/api/v1/articles/trotskys-socialism/")
    assert response.json()["status"] == "published"
    assert "private" in response["Cache-Control"]


@pytest.fixture
def draft_only(seed):
    """An issue, an author and a book that only a draft names: the draft's news."""
    issue = IssueFactory(number=2299)
    author, book_author = AuthorFactory(name="Nina Newcomer"), AuthorFactory(name="Ola Unread")
    book = BookFactory(title="The Unannounced Book", authors=[book_author])
    draft = ArticleFactory(
        issue=issue, status=Article.Status.DRAFT, published_at=None, authors=[author]
    )
    group = ReadingListGroup.objects.create(article=draft, heading="Read:")
    ReadingListEntry.objects.create(group=group, text=book.title).books.add(book)
    return {
        "draft": draft,
        "urls": [
            f"/api/v1/issues/{issue.slug}/",
            f"/api/v1/authors/{author.slug}/",
            f"/api/v1/authors/{book_author.slug}/",
            f"/api/v1/books/{book.slug}/",
            f"/api/v1/feeds/issues/{issue.slug}.rss",
            f"/api/v1/feeds/authors/{author.slug}.atom",
        ],
        "names": [issue.slug, author.name, book_author.name, book.title],
    }


def public_lists(client) -> str:
    return "".join(
        client.get(url, {"page_size": 100}).content.decode()
        for url in ["/api/v1/issues/", "/api/v1/authors/", "/api/v1/books/"]
    )


def test_what_only_a_draft_names_is_hidden_from_the_public(api, editor_api, draft_only):
    """Not listed, no page, no feed, though staff have read it all first (and so warmed
    nothing the public is then served)."""
    for url in draft_only["urls"][:4]:
        assert editor_api.get(url).status_code == 200, url
    assert all(name in public_lists(editor_api) for name in draft_only["names"])
    for url in draft_only["urls"]:
        assert api.get(url).status_code == 404, url
    assert not any(name in public_lists(api) for name in draft_only["names"])


def test_it_is_public_once_the_draft_is_published(api, draft_only):
    Article.objects.filter(pk=draft_only["draft"].pk).publish()
    for url in draft_only["urls"]:
        assert api.get(url).status_code == 200, url
    assert all(name in public_lists(api) for name in draft_only["names"])


def test_an_author_of_a_published_article_lists_only_their_public_books(api, draft_only):
    """A book only a draft recommends stays off a public author's page too."""
    book = Book.objects.get(title="The Unannounced Book")
    book.credits.create(author=Author.objects.get(slug="esme-choonara"), position=1)
    books = [book["title"] for book in api.get("/api/v1/authors/esme-choonara/").json()["books"]]
    assert books == ["A Rebel’s Guide to Trotsky"]


def test_records_no_article_names_yet_stay_public(api, db):
    """A catalogue entry an editor made ahead of any article is no draft's news."""
    author = AuthorFactory(name="Standing Entry")
    assert api.get(f"/api/v1/authors/{author.slug}/").status_code == 200
