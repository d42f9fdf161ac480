"""Search's plan choice and bounded ranking (``articles.search``): whichever way a search
goes, it finds the same articles in the same order.

On PostgreSQL a search with fewer than ``DENSE_MATCHES`` matches reads them by id, and one
with more keeps ``search_vector @@ q`` and ranks only headline and standfirst matches. The
tests lower the bound so that a small generated archive has words on both sides of it.
SQLite has one way only; the same tests check its results there.
"""

import datetime as dt

import pytest
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles import search, synthetic
from articles.models import Article
from tests.factories import ArticleFactory

from .utils import clear_cached_answers, slugs

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's search has a single plan"
)

WORDS = {
    "common": synthetic.COMMON_WORD,  # ~120 of 600 articles: beyond the lowered bound
    "medium": synthetic.MEDIUM_WORD,  # ~15: below it
    "rare": synthetic.RARE_WORD,
    "absent": synthetic.ABSENT_WORD,
    "phrase": f'"{synthetic.PHRASE}"',
}
ORDERINGS = ["-published_at", "published_at", "headline", "-headline"]
BOUND = 40


@pytest.fixture(scope="module")
def archive(django_db_setup, django_db_blocker):
    """600 generated articles, shared by the module's tests (which only read them)."""
    with django_db_blocker.unblock():
        call_command("generate_archive", articles=600, authors=100, seed=1, verbosity=0)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Statistics that know the frequent words, as a live archive's do.
                cursor.execute("ANALYZE articles_article")
        yield
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(autouse=True)
def many_requests(unthrottled):
    """Walking every page of every plan is hundreds of requests."""


@pytest.fixture
def bound(monkeypatch):
    monkeypatch.setattr(search, "DENSE_MATCHES", BOUND)


def walk(api, params, page_size=10):
    """Every result, following ``next`` from the first page."""
    found, response = [], api.get("/api/v1/articles/", {**params, "page_size": page_size})
    while True:
        found += slugs(response)
        url = response.json()["next"]
        if url is None:
            return found
        response = api.get(url)


def walk_back(api, params, page_size=10):
    """Every result, from the last cursor page back along ``previous``."""
    response = api.get("/api/v1/articles/", {**params, "cursor": "", "page_size": page_size})
    while response.json()["next"]:
        response = api.get(response.json()["next"])
    found = []
    while True:
        found = slugs(response) + found
        url = response.json()["previous"]
        if url is None:
            return found
        response = api.get(url)


def published_matches(text):
    """The published articles matching ``text``, found without ``articles.search``."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, search_type="websearch", config=search.CONFIG)
        matching = Article.objects.alias(vector=search._StoredVector()).filter(vector=query)
    else:
        matching = search.search(Article.objects.all(), text)
    return Article.objects.published().filter(pk__in=matching.values("pk"))


@pytest.mark.django_db
@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("word_class", WORDS)
def test_every_plan_finds_the_same_articles_in_the_same_order(
    api, archive, monkeypatch, word_class, ordering
):
    """Pages and cursors, forwards and back, whichever side of the bound a word falls."""
    text = WORDS[word_class]
    field = ordering.removeprefix("-")
    expected = [
        a.slug
        for a in published_matches(text).order_by(ordering, "-id" if ordering[0] == "-" else "id")
    ]
    assert (len(expected) > BOUND) == (word_class == "common"), len(expected)
    params = {"q": text, "ordering": ordering}
    for dense_matches in (0, BOUND, 10**6):  # always @@, the real choice, always by id
        monkeypatch.setattr(search, "DENSE_MATCHES", dense_matches)
        cache.clear()  # each plan answers for itself, not from the response cache
        assert walk(api, params) == expected, (field, dense_matches)
        assert walk(api, {**params, "cursor": ""}) == expected, (field, dense_matches)
        assert walk_back(api, params) == expected, (field, dense_matches)
        count = api.get("/api/v1/articles/", params).json()["count"]
        assert count == len(expected)


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize("word_class", ["medium", "rare", "phrase"])
def test_below_the_bound_relevance_ranks_every_match(api, archive, bound, word_class):
    text = WORDS[word_class]
    query = SearchQuery(text, search_type="websearch", config=search.CONFIG)
    ranked = published_matches(text).annotate(rank=SearchRank(search._StoredVector(), query))
    expected = [a.slug for a in ranked.order_by("-rank", "-published_at", "-id")]
    assert walk(api, {"q": text}) == expected


@postgresql_only
@pytest.mark.django_db
def test_beyond_the_bound_headline_and_standfirst_matches_come_first(api, archive, bound):
    """Ranked among themselves by ``ts_rank`` however old; then every other match, newest
    first, so that the pages still hold each match once."""
    text = synthetic.COMMON_WORD
    long_ago = timezone.make_aware(dt.datetime(1960, 1, 1))
    in_standfirst = ArticleFactory(
        headline="Old news", standfirst=f"A {text} falls.", body="Nothing.", published_at=long_ago
    )
    in_headline = ArticleFactory(
        headline=f"The {text} falls",
        standfirst="",
        body=f"The {text} falls, and the {text} is gone.",
        published_at=long_ago,
    )
    others = published_matches(text).exclude(pk__in=[in_headline.pk, in_standfirst.pk])
    expected = [in_headline.slug, in_standfirst.slug] + [
        a.slug for a in others.order_by("-published_at", "-id")
    ]
    assert len(expected) > search.DENSE_MATCHES
    assert walk(api, {"q": text}) == expected
    assert api.get("/api/v1/articles/", {"q": text}).json()["count"] == len(expected)


@postgresql_only
@pytest.mark.django_db
def test_ranking_beyond_the_bound_takes_the_newest_headline_matches(
    api, archive, bound, monkeypatch
):
    monkeypatch.setattr(search, "RANKED_LEAD_MATCHES", 1)
    text = synthetic.COMMON_WORD
    older, newer = (
        ArticleFactory(
            headline=f"The {text} falls in {year}",
            published_at=timezone.make_aware(dt.datetime(year, 1, 1)),
        )
        for year in (1950, 1960)
    )
    found = walk(api, {"q": text}, page_size=100)
    assert found[0] == newer.slug
    assert found[-1] == older.slug  # unranked: among the rest, and the oldest of them


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("word_class", "known"),
    [("common", True), ("medium", False), ("rare", False), ("absent", False), ("phrase", False)],
)
def test_the_statistics_spare_frequent_words_the_probe(archive, bound, word_class, known):
    """The planner's estimate marks the frequent word dense; the others are probed, and a
    phrase always, since its words are more frequent than the phrase."""

    def known_dense(text):
        query = SearchQuery(text, search_type="websearch", config=search.CONFIG)
        return search._known_dense(Article.objects.published(), query, text)

    assert known_dense(WORDS[word_class]) is known
    assert not known_dense(f'"{synthetic.COMMON_WORD} {synthetic.COMMON_WORD}"')


@postgresql_only
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("word_class", "known"), [("common", True), ("rare", False), ("absent", False)]
)
def test_the_guess_for_an_unlisted_word_never_counts_as_dense(
    archive, monkeypatch, word_class, known
):
    """At 1,000,000 articles PostgreSQL's guess for a word its statistics do not list is
    4,950 rows, past the bound: the absent word then walked the date index (5.9 s). A
    bound of one row puts this small archive's guesses past it in the same way."""
    monkeypatch.setattr(search, "DENSE_MATCHES", 1)
    query = SearchQuery(WORDS[word_class], search_type="websearch", config=search.CONFIG)
    assert search._known_dense(Article.objects.published(), query, WORDS[word_class]) is known


@postgresql_only
@pytest.mark.django_db
def test_the_headline_index_matches_what_search_asks(archive):
    """The migration's index expression is the SQL Django writes for the lead vector."""
    from django.contrib.postgres.search import SearchVector

    lead = SearchVector("headline", "standfirst", config=search.CONFIG)
    query = SearchQuery("government", search_type="websearch", config=search.CONFIG)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Article.objects.alias(lead=lead).filter(lead=query).values("pk").explain()
    assert "article_search_lead_idx" in plan


@pytest.mark.django_db
def test_a_search_with_no_match_reads_no_article(api, archive, django_assert_num_queries):
    """PostgreSQL's probe finds no ids (after the estimate), and then reads nothing more;
    SQLite counts none."""
    api.get("/api/v1/articles/", {"q": synthetic.ABSENT_WORD})
    clear_cached_answers()
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 1):
        response = api.get("/api/v1/articles/", {"q": synthetic.ABSENT_WORD})
    assert response.json()["count"] == 0


@postgresql_only
@pytest.mark.django_db
def test_a_repeated_search_is_planned_for_its_own_values(api, archive):
    """psycopg prepares a statement the fifth time a connection sends it, and PostgreSQL
    may then plan it once for any values (a generic plan), blind to what the probe and the
    page are built on: how many articles are published by now, and how many match. Every
    run of a repeated search is planned for its values instead."""
    for _ in range(12):
        clear_cached_answers()
        assert api.get(f"/api/v1/articles/?q={synthetic.RARE_WORD}").status_code == 200
    assert api.get(f"/api/v1/articles/counts/?by=year&q={synthetic.RARE_WORD}").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements "
            "WHERE statement LIKE '%%search_vector%%' AND generic_plans > 0"
        )
        assert cursor.fetchone() == (0,)
