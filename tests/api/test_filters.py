"""Every filter in DESIGN.md's table, alone and combined, and every bad value a 400."""

import datetime as dt

import pytest
from django.http import QueryDict

from api.filters import ArticleFilter
from articles.models import Article, Issue, ReadingListEntry, ReadingListGroup
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    ImageFactory,
    IssueFactory,
    PublicationFactory,
)

from .utils import slugs

SEED = "trotskys-socialism"


@pytest.fixture
def archive(seed):
    """The seed plus a small archive around it: another issue, publication and writers."""
    sw = Issue.objects.get(slug="socialist-worker-2215").publication
    issue_2216 = IssueFactory(publication=sw, number=2216, date=dt.date(2010, 8, 24))
    womens_voice = IssueFactory(
        publication=PublicationFactory(name="Women’s Voice"), number=7, date=dt.date(1978, 3, 1)
    )
    esme = Article.objects.get(slug=SEED).authors.get()
    ann, bob = AuthorFactory(name="Ann Rogers"), AuthorFactory(name="Bob Light")
    strike = ArticleFactory(
        issue=issue_2216,
        headline="Library workers walk out",
        authors=[ann],
        published_at=dt.datetime(2010, 8, 24, 10, tzinfo=dt.UTC),
    )
    paris = ArticleFactory(
        issue=issue_2216,
        headline="When Paris rose",
        authors=[bob, esme],
        published_at=dt.datetime(2010, 8, 25, 23, 30, tzinfo=dt.UTC),
    )
    ImageFactory(article=paris, caption="Barricades in 1871")
    old = ArticleFactory(
        issue=womens_voice,
        headline="Equal pay now",
        authors=[ann],
        published_at=dt.datetime(1978, 3, 1, 9, tzinfo=dt.UTC),
    )
    group = ReadingListGroup.objects.create(article=paris, heading="Read:")
    entry = ReadingListEntry.objects.create(group=group, text="My Life")
    entry.books.add(
        Article.objects.get(slug=SEED).reading_groups.first().entries.first().books.get()
    )
    return {"strike": strike.slug, "paris": paris.slug, "old": old.slug}


ARTICLE_FILTERS = [
    ({"publication": "socialist-worker"}, ["paris", "strike", SEED]),
    ({"publication": "womens-voice"}, ["old"]),
    ({"issue": "socialist-worker-2216"}, ["paris", "strike"]),
    ({"issue_number": "2215"}, [SEED]),
    ({"author": "ann-rogers"}, ["strike", "old"]),
    ({"author": ["bob-light", "ann-rogers"]}, ["paris", "strike", "old"]),
    ({"author": "esme-choonara"}, ["paris", SEED]),
    ({"published_after": "2010-08-24"}, ["paris", "strike"]),
    ({"published_before": "2010-08-24"}, ["strike", SEED, "old"]),
    ({"published_after": "2010-08-24T12:00:00+01:00"}, ["paris"]),
    ({"published_before": "2010-08-17T17:05:00Z"}, [SEED, "old"]),
    ({"published_before": "2010-08-17T17:04:59Z"}, ["old"]),
    ({"published_after": "2010-08-17", "published_before": "2010-08-17"}, [SEED]),
    ({"year": "1978"}, ["old"]),
    ({"has_image": "true"}, ["paris", SEED]),
    ({"has_image": "0"}, ["strike", "old"]),
    ({"book": "history-of-the-russian-revolution"}, ["paris", SEED]),
    ({"book": "the-prophet-armed"}, [SEED]),
    ({"ordering": "published_at"}, ["old", SEED, "strike", "paris"]),
    ({"ordering": "-headline"}, ["paris", SEED, "strike", "old"]),
    ({"author": "esme-choonara", "year": "2010", "has_image": "true"}, ["paris", SEED]),
    ({"publication": "socialist-worker", "author": "ann-rogers"}, ["strike"]),
]


@pytest.mark.parametrize(("params", "expected"), ARTICLE_FILTERS, ids=str)
def test_article_filters(api, archive, params, expected):
    names = {**archive, SEED: SEED}
    assert slugs(api.get("/api/v1/articles/", params)) == [names[key] for key in expected]


def test_the_default_order_is_newest_first(api, archive):
    assert slugs(api.get("/api/v1/articles/")) == [
        archive["paris"],
        archive["strike"],
        SEED,
        archive["old"],
    ]


def test_published_after_a_date_means_from_midnight_london_time(api, archive):
    """``2010-08-26`` starts at 00:00 BST (23:00 UTC on the 25th): Paris, at 23:30 UTC, is in."""
    assert slugs(api.get("/api/v1/articles/", {"published_after": "2010-08-26"})) == [
        archive["paris"]
    ]


ISSUE_FILTERS = [
    ({"publication": "womens-voice"}, ["womens-voice-7"]),
    ({"number": "2216"}, ["socialist-worker-2216"]),
    ({"number_min": "2216"}, ["socialist-worker-2216"]),
    ({"number_max": "2215"}, ["womens-voice-7", "socialist-worker-2215"]),
    ({"date_after": "2010-01-01"}, ["socialist-worker-2216"]),
    ({"date_before": "2010-01-01"}, ["womens-voice-7"]),
    ({"year": "1978"}, ["womens-voice-7"]),
    (
        {"publication": "socialist-worker", "number_min": "2215"},
        ["socialist-worker-2215", "socialist-worker-2216"],
    ),
]


@pytest.mark.parametrize(("params", "expected"), ISSUE_FILTERS, ids=str)
def test_issue_filters(api, archive, params, expected):
    assert sorted(slugs(api.get("/api/v1/issues/", params))) == sorted(expected)


AUTHOR_FILTERS = [
    ({"q": "deutsch"}, ["isaac-deutscher"]),
    ({"has_books": "true", "has_articles": "true"}, ["esme-choonara"]),
    ({"has_articles": "false", "has_books": "false"}, []),
    ({"has_articles": "1", "q": "o"}, ["ann-rogers", "bob-light", "esme-choonara"]),
    ({"has_articles": "false"}, ["duncan-hallas", "isaac-deutscher", "leon-trotsky"]),
]


@pytest.mark.parametrize(("params", "expected"), AUTHOR_FILTERS, ids=str)
def test_author_filters(api, archive, params, expected):
    assert slugs(api.get("/api/v1/authors/", params)) == expected


def test_has_articles_counts_only_articles_the_reader_can_see(api, editor_api, seed):
    draft_author = AuthorFactory(name="Dora Draft")
    ArticleFactory(authors=[draft_author], status=Article.Status.DRAFT, published_at=None)
    assert "dora-draft" not in slugs(api.get("/api/v1/authors/", {"has_articles": "true"}))
    assert "dora-draft" in slugs(editor_api.get("/api/v1/authors/", {"has_articles": "true"}))


BOOK_FILTERS = [
    ({"q": "prophet"}, ["the-prophet-armed", "the-prophet-outcast", "the-prophet-unarmed"]),
    ({"author": "duncan-hallas"}, ["trotskys-marxism"]),
    ({"article": "when-paris-rose"}, ["history-of-the-russian-revolution"]),
    ({"article": SEED, "author": "isaac-deutscher", "q": "unarmed"}, ["the-prophet-unarmed"]),
]


@pytest.mark.parametrize(("params", "expected"), BOOK_FILTERS, ids=str)
def test_book_filters(api, archive, params, expected):
    assert slugs(api.get("/api/v1/books/", params)) == expected


def test_book_filter_by_article_lists_each_book_once(api, archive):
    assert len(slugs(api.get("/api/v1/books/", {"article": SEED}))) == 9


IMAGE_FILTERS = [
    ({"article": "when-paris-rose"}, ["Barricades in 1871"]),
    ({"q": "red army"}, ["Leon Trotsky addresses Red Army troops in 1918"]),
    ({"has_file": "false", "q": "barricades"}, ["Barricades in 1871"]),
    ({"has_file": "true"}, []),
]


@pytest.mark.parametrize(("params", "expected"), IMAGE_FILTERS, ids=str)
def test_image_filters(api, archive, params, expected):
    response = api.get("/api/v1/images/", params)
    assert [image["caption"] for image in response.json()["results"]] == expected


BAD_PARAMETERS = [
    ("articles", "published_after", "2010-13-45"),
    ("articles", "published_before", "yesterday"),
    ("articles", "issue_number", "abc"),
    ("articles", "year", "twenty-ten"),
    ("articles", "ordering", "word_count"),
    ("articles", "ordering", "-body"),
    ("articles", "ordering", "published_at,,"),
    ("articles", "ordering", ","),
    ("articles", "ordering", ",-headline"),
    ("articles", "modified_after", "2010-13-45"),
    ("articles", "modified_before", "last week"),
    ("articles", "has_image", "maybe"),
    ("articles", "author", "nobody-at-all"),
    ("articles", "issue", "no-such-issue"),
    ("articles", "publication", "the-daily-nothing"),
    ("articles", "book", "no-such-book"),
    ("articles", "page", "0"),
    ("articles", "page", "-1"),
    ("articles", "page", "first"),
    ("articles", "page_size", "1000"),
    ("articles", "page_size", "101"),
    ("articles", "page_size", "0"),
    ("articles", "cursor", "not-a-cursor"),
    ("articles", "fields", ","),
    ("issues", "number", "abc"),
    ("issues", "number_min", "1.5"),
    ("issues", "date_after", "2010-13-45"),
    ("issues", "publication", "nowhere"),
    ("authors", "has_articles", "maybe"),
    ("authors", "has_books", "yes please"),
    ("books", "author", "nobody"),
    ("books", "article", "no-such-article"),
    ("images", "has_file", "perhaps"),
    ("images", "article", "no-such-article"),
    ("publications", "page_size", "500"),
    # Past what the databases' integers hold: a 400, not an overflow in the query.
    *(
        (resource, "page", digits)
        for resource in ("publications", "issues", "articles", "authors", "books", "images")
        for digits in ("999999999999999999", "99999999999999999999")
    ),
]


@pytest.mark.parametrize(("resource", "name", "value"), BAD_PARAMETERS, ids=str)
def test_bad_parameter_is_400_naming_it(api, seed, resource, name, value):
    """Never a 500, never silently ignored: a JSON body names the parameter."""
    response = api.get(f"/api/v1/{resource}/", {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_drafts_cannot_be_probed_through_filters(api, seed):
    """An anonymous filter by a draft's slug answers as for a slug that does not exist."""
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert api.get("/api/v1/images/", {"article": draft.slug}).status_code == 400


@pytest.mark.parametrize("resource", ["images", "books"])
def test_filter_choices_follow_each_reader(api, editor_api, seed, resource):
    """FilterSets share their form class between requests, but where a filter's choices
    depend on the reader each form has its own reader's: a draft's slug is unknown to the
    public, known to editors, whoever asked first."""
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert api.get(f"/api/v1/{resource}/", {"article": draft.slug}).status_code == 400
    assert editor_api.get(f"/api/v1/{resource}/", {"article": draft.slug}).status_code == 200
    assert api.get(f"/api/v1/{resource}/", {"article": draft.slug}).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/publications/nowhere/",
        "/api/v1/issues/socialist-worker-9999/",
        "/api/v1/authors/nobody/",
        "/api/v1/books/no-such-book/",
        "/api/v1/images/999999/",
        "/api/v1/images/not-a-number/",
    ],
)
def test_unknown_slug_or_id_is_404(api, seed, url):
    assert api.get(url).status_code == 404


def test_each_filterset_has_its_own_copies_of_the_filters():
    """Each FilterSet (each request) copies the class's filters rather than deep-copying
    them; the copies must still be its own: a method filter calls its own FilterSet's
    method, and one request's field arguments (a reader's queryset) never reach another's."""
    first, second = ArticleFilter(QueryDict("author=a")), ArticleFilter(QueryDict("author=b"))
    for name, filter_ in first.filters.items():
        other = second.filters[name]
        assert filter_ is not ArticleFilter.base_filters[name]
        assert filter_ is not other
        assert (filter_.parent, other.parent) == (first, second)
        assert filter_.extra == other.extra and filter_.extra is not other.extra
        if filter_.method is not None:
            assert (filter_.filter.f, other.filter.f) == (filter_, other)
    assert not hasattr(ArticleFilter.base_filters["author"], "parent")
