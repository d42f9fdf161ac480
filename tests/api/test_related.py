"""``GET /api/v1/articles/{slug}/related/``: other articles by shared authors, books and
topics, then words, among those the reader may see (``articles.related``)."""

import pytest

from articles.models import Article, ReadingListEntry, ReadingListGroup
from articles.related import RELATED_LIMIT
from tests.factories import ArticleFactory, AuthorFactory, BookFactory, TopicFactory

from .utils import clear_cached_answers

URL = "/api/v1/articles/{}/related/"


def article(headline, *, books=(), **kwargs):
    """An article with no words in common with another unless its headline gives them."""
    made = ArticleFactory(headline=headline, standfirst="", body=f"{headline}.", **kwargs)
    if books:
        group = ReadingListGroup.objects.create(article=made, heading="Read:")
        ReadingListEntry.objects.create(group=group, text="Books").books.add(*books)
    return made


def related(client, slug):
    response = client.get(URL.format(slug))
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def neighbourhood(db):
    """An article about the dockers and one neighbour per kind of evidence, each with
    nothing else in common with it, and one with nothing at all in common."""
    writer, book, topic = AuthorFactory(), BookFactory(), TopicFactory()
    return {
        "article": article(
            "Dockers walk out", authors=[writer], books=[book], topics=[topic, TopicFactory()]
        ),
        "author": article("Miners ballot", authors=[writer]),
        "book": article("Teachers vote", books=[book]),
        "topic": article("Nurses rally", topics=[topic]),
        "words": article("Dockers win"),
        "nothing": article("Cleaners picket"),
    }


def test_ranked_by_authors_then_books_then_topics_then_words(api, neighbourhood):
    """One shared author outranks a shared book, a book a topic, a topic shared words;
    an article with nothing in common is not offered."""
    slugs = [neighbourhood[kind].slug for kind in ("author", "book", "topic", "words")]
    assert related(api, neighbourhood["article"].slug) == slugs


def test_more_shared_evidence_ranks_higher(api, neighbourhood):
    """Two shared topics count as much as a shared book; words then break the tie."""
    base = neighbourhood["article"]
    article("Dockers march", topics=list(base.topics.all()), slug="two-topics")
    assert related(api, base.slug)[1:3] == ["two-topics", neighbourhood["book"].slug]


def test_items_have_the_list_shape(api, neighbourhood):
    """Each item is the article list's item, field for field."""
    item = api.get(URL.format(neighbourhood["article"].slug)).json()["results"][0]
    listed = api.get("/api/v1/articles/", {"author": item["authors"][0]["slug"]}).json()
    assert item == next(i for i in listed["results"] if i["slug"] == item["slug"])


def test_drafts_are_offered_to_editors_only(api, editor_api, neighbourhood):
    """A draft or a scheduled article sharing the author is an editor's related article,
    never an anonymous reader's."""
    base = neighbourhood["article"]
    writer = base.authors.get()
    article(
        "Draft on the dockers", authors=[writer], status=Article.Status.DRAFT, published_at=None
    )
    assert "draft-on-the-dockers" not in related(api, base.slug)
    assert "draft-on-the-dockers" in related(editor_api, base.slug)


def test_a_drafts_related_articles_are_a_404_for_anonymous_readers(api, editor_api, db):
    """As its detail is: the draft's existence is not given away."""
    draft = article("Dockers draft", status=Article.Status.DRAFT, published_at=None)
    article("Dockers published")
    response = api.get(URL.format(draft.slug))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert related(editor_api, draft.slug) == ["dockers-published"]


def test_unknown_slug_is_a_json_404(api, db):
    response = api.get(URL.format("no-such-article"))
    assert response.status_code == 404
    assert response.json() == {"detail": "No Article matches the given query."}


def test_at_most_ten_and_never_itself(api, db):
    writer = AuthorFactory()
    base = article("Dockers walk out", authors=[writer])
    for number in range(RELATED_LIMIT + 2):
        article(f"Dockers {number}", authors=[writer])
    slugs = related(api, base.slug)
    assert len(slugs) == RELATED_LIMIT
    assert base.slug not in slugs


def test_equal_scores_go_to_the_newest(api, db):
    writer = AuthorFactory()
    base = article("Alpha", authors=[writer])
    older, newer = article("Beta", authors=[writer]), article("Gamma", authors=[writer])
    assert older.published_at < newer.published_at
    assert related(api, base.slug) == [newer.slug, older.slug]


@pytest.mark.parametrize("kind", ["author", "book", "topic"])
def test_each_part_offers_only_its_newest_articles(api, db, monkeypatch, kind):
    """However much an author, book or topic appears in, only its newest few articles are
    read: the cost follows the article, not the archive. Here the two newest of four."""
    monkeypatch.setattr("articles.related.CANDIDATES_PER_SOURCE", 2)
    shared = {
        "author": lambda: {"authors": [writer]},
        "book": lambda: {"books": [book]},
        "topic": lambda: {"topics": [topic]},
    }[kind]
    writer, book, topic = AuthorFactory(), BookFactory(), TopicFactory()
    base = article("Solitary", **shared())
    others = [article(f"Other{number}", **shared()) for number in range(4)]
    assert sorted(related(api, base.slug)) == sorted(other.slug for other in others[2:])


def test_an_article_with_nothing_in_common_has_none(api, db):
    base = article("Solitary")
    article("Unrelated")
    assert related(api, base.slug) == []


def test_conditional_get(api, neighbourhood):
    url = URL.format(neighbourhood["article"].slug)
    first = api.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert "public" in first["Cache-Control"]
    assert api.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


# The article; its own authors, books and topics; their newest articles; its words'
# candidates; which candidates the reader may see; the chosen ones in the list's shape.
RELATED_QUERIES = 6


def test_query_count_is_pinned_and_flat(api, neighbourhood, django_assert_num_queries):
    """The same count for four related articles as for ten, each with bylines."""
    base = neighbourhood["article"]
    url = URL.format(base.slug)
    for grow in (False, True):
        if grow:
            for number in range(20):
                article(f"Dockers {number}", authors=[*base.authors.all(), AuthorFactory()])
        api.get(url)
        clear_cached_answers()
        with django_assert_num_queries(RELATED_QUERIES):
            assert api.get(url).status_code == 200


def test_cached_answer_costs_no_query(api, neighbourhood, django_assert_num_queries):
    url = URL.format(neighbourhood["article"].slug)
    api.get(url)
    with django_assert_num_queries(0):
        assert api.get(url).status_code == 200
