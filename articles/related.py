"""Related articles: the few others a reader of one article may want to read next.

The evidence, strongest first, and what each piece is worth to a candidate:

- each author it shares with the article: ``AUTHOR_WEIGHT``;
- each book both reading lists recommend: ``BOOK_WEIGHT``;
- each topic both are filed under: ``TOPIC_WEIGHT``;
- the article's key words its headline or standfirst holds (on SQLite, its text): less
  than 1 in all, as a share of those words, so text breaks the ties between equal shares
  and fills the list when nothing is shared.

So one shared author outranks one shared book, and one book one topic; two shared topics
count as much as a book. Equal scores go to the newest.

Each of the article's authors, books and topics offers its ``CANDIDATES_PER_SOURCE``
newest articles, from the bylines' (author, article) index, the entry links' (book,
entry) index and the topic table's (topic, article) index: a fixed number of index
entries each, so that work follows the article, never the archive's size nor how much
its authors or topics appear in. An older article sharing only a prolific author is found
by its words or not at all. Each key word offers its first ``MATCHES_PER_WORD`` articles
whose headline or standfirst holds it, through their own full-text index (migration
0005): a GIN index gives a word's matches only all at once, so this work follows how many
articles the word leads, a few percent of the whole text's entries. Only then are the
candidates narrowed to what the reader may read and ranked. A draft can take a
candidate's place in a source, never a place in the answer.

Key words: on PostgreSQL, the lexemes of the article's own stored ``search_vector`` —
those of the headline first, then the standfirst, then the body's by how often it uses
them — leaving out those the column statistics list in more than ``FREQUENT_WORD_SHARE``
of articles, which tell nothing and match too much. On SQLite, a simpler stand-in: the
longer words of the headline and standfirst, each looked up in the FTS5 table.
"""

import re
from collections import Counter
from dataclasses import dataclass

from django.db import connections

from .search import FTS_TABLE, fts_string

RELATED_LIMIT = 10
AUTHOR_WEIGHT = 4
BOOK_WEIGHT = 2
TOPIC_WEIGHT = 1
CANDIDATES_PER_SOURCE = 100
# The most authors, books and topics of the article that are asked for their articles:
# each is a term of one compound query, which SQLite caps at 500.
MOST_PARTS = 100
KEY_WORDS = 8
MATCHES_PER_WORD = 50
FREQUENT_WORD_SHARE = 0.02

# SQLite: words shorter than this are mostly function words.
_SHORTEST_KEY_WORD = 4
_WORD = re.compile(r"\w+")

_POSTGRESQL_WORDS = """
WITH frequent AS (
    SELECT e.lexeme
    FROM pg_stats s,
        unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, share)
    WHERE s.schemaname = current_schema() AND s.tablename = 'articles_article'
        AND s.attname = 'search_vector' AND e.share > %(frequent)s
),
words AS (
    SELECT w.lexeme
    FROM articles_article a, unnest(a.search_vector) AS w
    WHERE a.id = %(article)s
        AND NOT EXISTS (SELECT FROM frequent f WHERE f.lexeme = w.lexeme)
    ORDER BY 'A' = ANY(w.weights) DESC, 'B' = ANY(w.weights) DESC,
        cardinality(w.positions) DESC, w.lexeme
    LIMIT %(words)s
)
SELECT m.id, count(*) FROM words, LATERAL (
    SELECT b.id FROM articles_article b
    WHERE to_tsvector('english', COALESCE(b.headline, '') || ' ' || COALESCE(b.standfirst, ''))
        @@ plainto_tsquery('simple', words.lexeme) AND b.id <> %(article)s
    LIMIT %(per_word)s
) m
GROUP BY m.id ORDER BY count(*) DESC, m.id DESC LIMIT %(limit)s
"""


def related_articles(readable, article, *, limit: int = RELATED_LIMIT) -> list:
    """Up to ``limit`` articles of ``readable`` (the reader's queryset, in the shape the
    answer needs) related to ``article``, most related first; never ``article`` itself."""
    scores = _by_shared_parts(article, readable.db)
    words, matches = _by_words(article, readable.db)
    for pk, shared in matches:
        scores[pk] += shared / (words + 1)
    if not scores:
        return []
    visible = (
        readable.order_by()
        .filter(pk__in=list(scores))
        .exclude(pk=article.pk)
        .values_list("pk", "published_at")
    )
    ranked = sorted(
        visible,
        key=lambda row: (scores[row[0]], row[1].timestamp() if row[1] else 0, row[0]),
        reverse=True,
    )
    chosen = [pk for pk, _ in ranked[:limit]]
    if not chosen:
        return []
    rows = readable.in_bulk(chosen)
    return [rows[pk] for pk in chosen]


@dataclass(frozen=True)
class _Source:
    """Rows of ``table`` linking a ``part`` (an author, book or topic) to a ``candidate``
    article, newest first by ``newest``, which with ``part`` is an index of the table."""

    weight: int
    table: type
    part: str
    candidate: str
    newest: str


def _sources() -> tuple[_Source, ...]:
    from .models import Article, ArticleAuthor, ReadingListEntryBook

    return (
        _Source(AUTHOR_WEIGHT, ArticleAuthor, "author_id", "article_id", "-article_id"),
        _Source(
            BOOK_WEIGHT, ReadingListEntryBook, "book_id", "entry__group__article_id", "-entry_id"
        ),
        _Source(TOPIC_WEIGHT, Article.topics.through, "topic_id", "article_id", "-article_id"),
    )


def _by_shared_parts(article, using: str) -> Counter:
    """Each candidate's score from the authors, books and topics it shares with the
    article, in two queries: the article's own parts, then each part's
    ``CANDIDATES_PER_SOURCE`` newest links, from its index."""
    sources = _sources()
    own = _union_all(
        [
            source.table.objects.filter(**{source.candidate: article.pk})
            .order_by()
            .values_list(source.part)
            for source in sources
        ],
        using,
    )
    # Authors first, then books, then topics, as they weigh, should MOST_PARTS cut them.
    parts = sorted(set(own))[:MOST_PARTS]
    if not parts:
        return Counter()
    newest_links = _union_all(
        [
            sources[kind]
            .table.objects.filter(**{sources[kind].part: value})
            .order_by(sources[kind].newest)
            .values_list(sources[kind].candidate)[:CANDIDATES_PER_SOURCE]
            for kind, value in parts
        ],
        using,
    )
    scores: Counter = Counter()
    # A set, since a book named in two entries of one reading list is one book shared.
    for term, pk in set(newest_links):
        if pk != article.pk:
            scores[pk] += sources[parts[term][0]].weight
    return scores


def _union_all(querysets, using: str) -> list[tuple]:
    """The rows of every queryset, each ordered and sliced as it says, with its place in
    ``querysets`` first; Django's ``union()`` refuses ordered or sliced terms on SQLite."""
    terms, params = [], []
    for term, queryset in enumerate(querysets):
        sql, term_params = queryset.query.get_compiler(using).as_sql()
        terms.append(f"SELECT {term}, * FROM ({sql}) AS term{term}")
        params.extend(term_params)
    with connections[using].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(terms), params)
        return cursor.fetchall()


def _by_words(article, using: str) -> tuple[int, list[tuple[int, int]]]:
    """How many key words the article has, and (article id, key words held) for the
    articles holding them; see the module's docstring."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            params = {
                "article": article.pk,
                "frequent": FREQUENT_WORD_SHARE,
                "words": KEY_WORDS,
                "per_word": MATCHES_PER_WORD,
                "limit": CANDIDATES_PER_SOURCE,
            }
            cursor.execute(_POSTGRESQL_WORDS, params)
            # The query chooses the words itself, so a candidate's share is of the most
            # it may choose.
            return KEY_WORDS, cursor.fetchall()
        words = _sqlite_key_words(article)
        if not words:
            return 0, []
        one_word = (
            f"SELECT * FROM (SELECT rowid AS id FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s AND rowid <> %s LIMIT %s)"
        )
        cursor.execute(
            f"SELECT id, count(*) FROM ({' UNION ALL '.join([one_word] * len(words))}) "
            "GROUP BY id ORDER BY count(*) DESC, id DESC LIMIT %s",
            [
                *(value for word in words for value in (word, article.pk, MATCHES_PER_WORD)),
                CANDIDATES_PER_SOURCE,
            ],
        )
        return len(words), cursor.fetchall()


def _sqlite_key_words(article) -> list[str]:
    """The headline's and standfirst's longer words, once each, in order, as FTS5
    strings."""
    words = _WORD.findall(f"{article.headline} {article.standfirst}".casefold())
    unique = dict.fromkeys(word for word in words if len(word) >= _SHORTEST_KEY_WORD)
    return [fts_string(word) for word in list(unique)[:KEY_WORDS]]
