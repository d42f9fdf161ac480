"""Full-text search in web-search syntax, answered the same on PostgreSQL and SQLite."""

import pytest
from django.db import connection

from articles.models import Article
from articles.search import parse_websearch
from tests.factories import ArticleFactory

from .utils import slugs

SEED = "trotskys-socialism"


@pytest.fixture
def searchable(seed):
    """Three more articles whose words tell the search features apart."""
    return {
        "headline": ArticleFactory(
            headline="Deutscher and the biographers",
            standfirst="",
            body="A review of several lives.",
        ).slug,
        "standfirst": ArticleFactory(
            headline="Books of the year",
            standfirst="Our reviewers pick a zeppelin of titles.",
            body="Many books appeared.",
        ).slug,
        "body": ArticleFactory(
            headline="Letters",
            standfirst="",
            body="A reader writes that Deutscher was too kind to Stalin.",
        ).slug,
    }


def search(api, q, **params):
    return slugs(api.get("/api/v1/articles/", {"q": q, **params}))


def test_a_phrase(api, searchable):
    """A quoted phrase matches only those words together and in order."""
    assert search(api, '"permanent revolution"') == [SEED]
    assert search(api, '"revolution permanent"') == []


def test_a_negation(api, searchable):
    assert search(api, '"permanent revolution" -stalin') == []
    assert search(api, "deutscher -stalin") == [searchable["headline"]]


def test_or(api, searchable):
    """``OR`` offers alternatives."""
    assert set(search(api, "zeppelin OR deutscher")) == set(searchable.values())
    assert search(api, "zeppelin OR nonexistentword") == [searchable["standfirst"]]


def test_a_word_only_in_the_standfirst(api, searchable):
    assert search(api, "zeppelin") == [searchable["standfirst"]]


def test_leon_trotsky_across_the_non_breaking_space(api, searchable):
    """The standfirst's "Leon\xa0Trotsky" matches a typed "Leon Trotsky"."""
    assert search(api, '"Leon Trotsky" murdered') == [SEED]


def test_relevance_weights_headline_over_body(api, searchable):
    """The same word ranks a headline match before a body-only match, whatever the dates."""
    assert search(api, "deutscher") == [searchable["headline"], searchable["body"]]
    Article.objects.filter(slug=searchable["headline"]).update(published_at="1990-01-01T00:00Z")
    assert search(api, "deutscher") == [searchable["headline"], searchable["body"]]


def test_ordering_overrides_relevance(api, searchable):
    found = search(api, "deutscher", ordering="published_at")
    published = Article.objects.filter(slug__in=found).order_by("published_at", "id")
    assert found == [article.slug for article in published]


def test_highlight_marks_the_matches(api, searchable):
    """Each result has ``highlight``: the passage, HTML-escaped, matches in ``<mark>``."""
    ArticleFactory(headline="Markup", body="Use <b>tags</b> & the word zeppelin here.")
    results = api.get("/api/v1/articles/", {"q": "zeppelin"}).json()["results"]
    highlights = {item["slug"]: item["highlight"] for item in results}
    assert "<mark>zeppelin</mark>" in highlights["markup"]
    # The source's markup never becomes live (PostgreSQL drops tags, SQLite escapes them).
    assert "<b>" not in highlights["markup"] and "&amp;" in highlights["markup"]
    seed_hit = api.get("/api/v1/articles/", {"q": '"permanent revolution"'}).json()["results"][0]
    assert "<mark>" in seed_hit["highlight"] and "permanent" in seed_hit["highlight"].lower()


def test_no_highlight_without_q(api, seed):
    assert "highlight" not in api.get("/api/v1/articles/").json()["results"][0]


def test_search_respects_visibility(api, editor_api, seed):
    ArticleFactory(headline="Zeppelin draft", status=Article.Status.DRAFT, published_at=None)
    assert search(api, "zeppelin") == []
    assert slugs(editor_api.get("/api/v1/articles/", {"q": "zeppelin"})) == ["zeppelin-draft"]


def test_the_index_follows_saves_and_bulk_writes(api, seed):
    """The database keeps the index current, also for writes that bypass ``save()``."""
    article = ArticleFactory(headline="Before")
    Article.objects.filter(pk=article.pk).update(headline="Afterwards zeppelin")
    Article.objects.bulk_create(
        [
            Article(
                issue=article.issue,
                headline="Bulk",
                slug="bulk",
                body="A zeppelin too.",
                status="published",
                published_at=article.published_at,
            )
        ]
    )
    assert set(search(api, "zeppelin")) == {article.slug, "bulk"}
    Article.objects.filter(slug="bulk").delete()
    assert search(api, "zeppelin") == [article.slug]


def test_punctuation_only_query_finds_nothing(api, seed):
    assert search(api, '!!! -" ') == []


def test_search_uses_the_database_index(db):
    """PostgreSQL has the GIN-indexed column; SQLite the FTS5 table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'article_search_vector_idx'"
            )
            assert "gin (search_vector)" in cursor.fetchone()[0]
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_article_fts'")
            assert "fts5" in cursor.fetchone()[0]


@pytest.mark.parametrize(
    ("query", "alternatives"),
    [
        ('"permanent revolution" -stalin', [(["permanent revolution"], ["stalin"])]),
        ("trotsky OR deutscher", [(["trotsky"], []), (["deutscher"], [])]),
        ("a b or -c", [(["a", "b"], []), ([], ["c"])]),
        ('OR -"x y" OR', [([], ["x y"])]),
        ("- -- ...", []),
    ],
)
def test_parse_websearch(query, alternatives):
    """The SQLite translation reads web-search syntax as ``websearch_to_tsquery`` does."""
    parsed = [(alt.include, alt.exclude) for alt in parse_websearch(query)]
    assert parsed == alternatives


def test_highlight_is_one_run_of_text_without_the_bodys_markup(api, seed):
    """A passage across a subheading keeps its words but not the ``## `` marker, and
    paragraph breaks become spaces, on PostgreSQL and SQLite alike; so does the opening
    passage a search with only exclusions shows."""
    ArticleFactory(
        headline="Airships",
        standfirst="",
        body="The first paragraph ends.\n\n## Zeppelin days\n\nA zeppelin flew over.\n\nThe end.",
    )
    [hit] = api.get("/api/v1/articles/", {"q": "zeppelin"}).json()["results"]
    assert "<mark>Zeppelin</mark> days A <mark>zeppelin</mark> flew over." in hit["highlight"]
    assert "ends. <mark>Zeppelin" in hit["highlight"]
    results = api.get("/api/v1/articles/", {"q": "-nonexistentword"}).json()["results"]
    assert len(results) == 2
    for item in results:
        assert "#" not in item["highlight"] and "\n" not in item["highlight"]


def test_control_characters_in_the_text_stay_text_in_the_highlight(api, seed):
    """The control characters the search once marked matches with, written in an
    article, stay text, never ``<mark>``. (SQLite's passage keeps them as written;
    PostgreSQL's ``ts_headline`` leaves them out of the passage.)"""
    ArticleFactory(
        headline="Airships",
        standfirst="",
        body="A zeppelin \x02flew\x03 over the \x02\x03 town, \x03signalling\x02.",
    )
    [hit] = api.get("/api/v1/articles/", {"q": "zeppelin"}).json()["results"]
    assert hit["highlight"].count("<mark>") == hit["highlight"].count("</mark>") == 1
    shown = hit["highlight"].translate({0x02: None, 0x03: None})
    assert shown.endswith("A <mark>zeppelin</mark> flew over the  town, signalling.")
    if connection.vendor == "sqlite":
        assert "\x02flew\x03 over the \x02\x03 town, \x03signalling\x02." in hit["highlight"]
