"""Related articles: the few others a reader of one article may want to read next.

The evidence, strongest first, and what each piece is worth to a candidate:

- each author it shares with the article: ``AUTHOR_WEIGHT``;
- each book both reading lists recommend: ``BOOK_WEIGHT``;
- each topic both are filed under: ``TOPIC_WEIGHT``;
- the article's key words it holds: less than 1 in all, as a share of those words, so
  text breaks the ties between equal shares and fills the list when nothing is shared.

So one shared author outranks one shared book, and one book one topic; two shared topics
count as much as a book. Equal scores go to the newest.

No step reads the article table beyond the rows it names. Each source collects its
candidates through an index, up to ``CANDIDATES_PER_SOURCE`` of them: bylines through
the (author, article) index, reading lists through the book's entry links, topics
through the topic table's topic index, words through the full-text index
(``articles.search``), each word's matches up to ``MATCHES_PER_WORD``. Counting shared
authors, books and topics reads the index entries of the article's own authors, books and
topics: that work follows how much they appear in, not the archive's size. Only then are
the candidates narrowed to what the reader may read and ranked. A draft can take a
candidate's place in a source, never a place in the answer.

Key words: on PostgreSQL, the lexemes of the article's own stored ``search_vector`` —
those of the headline first, then the standfirst, then the body's by how often it uses
them — leaving out those the column statistics list in more than ``FREQUENT_WORD_SHARE``
of articles, which tell nothing and match too much. On SQLite, a simpler stand-in: the
longer words of the headline and standfirst, each looked up in the FTS5 table.
"""

import re
from collections import Counter

from django.db import connections
from django.db.models import Count, F

from .search import FTS_TABLE, _fts_string

RELATED_LIMIT = 10
AUTHOR_WEIGHT = 4
BOOK_WEIGHT = 2
TOPIC_WEIGHT = 1
CANDIDATES_PER_SOURCE = 100
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
    WHERE b.search_vector @@ plainto_tsquery('simple', words.lexeme) AND b.id <> %(article)s
    LIMIT %(per_word)s
) m
GROUP BY m.id ORDER BY count(*) DESC, m.id DESC LIMIT %(limit)s
"""


def related_articles(readable, article, *, limit: int = RELATED_LIMIT) -> list:
    """Up to ``limit`` articles of ``readable`` (the reader's queryset, in the shape the
    answer needs) related to ``article``, most related first; never ``article`` itself."""
    scores: Counter = Counter()
    for source, weight in (
        (_by_authors(article), AUTHOR_WEIGHT),
        (_by_books(article), BOOK_WEIGHT),
        (_by_topics(article), TOPIC_WEIGHT),
    ):
        for pk, shared in source:
            scores[pk] += weight * shared
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


def _by_authors(article):
    """(article id, authors shared) for articles sharing a byline, through the bylines'
    (author, article) index."""
    from .models import ArticleAuthor

    authors = ArticleAuthor.objects.filter(article=article).values("author_id")
    return (
        ArticleAuthor.objects.filter(author_id__in=authors)
        .exclude(article_id=article.pk)
        .values("article_id")
        .annotate(shared=Count("author_id"))
        .order_by("-shared", "-article_id")
        .values_list("article_id", "shared")[:CANDIDATES_PER_SOURCE]
    )


def _by_books(article):
    """(article id, books shared) for articles whose reading lists share a book, through
    the book's entry links."""
    from .models import ReadingListEntryBook

    books = ReadingListEntryBook.objects.filter(entry__group__article=article).values("book_id")
    return (
        ReadingListEntryBook.objects.filter(book_id__in=books)
        .exclude(entry__group__article=article)
        .values(candidate=F("entry__group__article_id"))
        .annotate(shared=Count("book_id", distinct=True))
        .order_by("-shared", "-candidate")
        .values_list("candidate", "shared")[:CANDIDATES_PER_SOURCE]
    )


def _by_topics(article):
    """(article id, topics shared) for articles filed under a shared topic, through the
    topic table's topic index."""
    from .models import Article

    filed = Article.topics.through.objects
    topics = filed.filter(article_id=article.pk).values("topic_id")
    return (
        filed.filter(topic_id__in=topics)
        .exclude(article_id=article.pk)
        .values("article_id")
        .annotate(shared=Count("topic_id"))
        .order_by("-shared", "-article_id")
        .values_list("article_id", "shared")[:CANDIDATES_PER_SOURCE]
    )


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
    return [_fts_string(word) for word in list(unique)[:KEY_WORDS]]
