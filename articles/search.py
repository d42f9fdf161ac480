"""Full-text search over articles, in web-search syntax, on PostgreSQL and on SQLite.

Both databases answer the same syntax: words are all required, ``"a phrase"`` must
appear as written, ``-word`` (or ``-"a phrase"``) must not appear, and ``OR`` between
terms offers alternatives. The headline weighs most, then the standfirst, then the body.

- PostgreSQL keeps a weighted ``tsvector`` in ``articles_article.search_vector``,
  maintained by a trigger (so bulk loads that bypass ``save()`` stay searchable) and
  indexed with GIN; queries use ``websearch_to_tsquery``, ``ts_rank`` and ``ts_headline``.
- SQLite keeps an external-content FTS5 table, ``articles_article_fts``, maintained by
  triggers; the web-search query is translated to FTS5's syntax, ranked by ``bm25``
  with the same column weights and highlighted with ``snippet``.

Both are created by migration ``0002_article_search``. On PostgreSQL, new entries wait
in the GIN index's pending list (up to 16 MB, migration ``0006_search_pending_list``) and
are merged into the index in bulk: when it fills, when an import finishes, or by
(auto)vacuum.

On PostgreSQL a search chooses its plan by how many articles match (see
``_postgresql_search``), and beyond ``DENSE_MATCHES`` matches ranks only those in the
headline or standfirst, through the GIN index of migration ``0005_search_tuning``.
"""

import datetime as dt
import html
import json
import re
import secrets
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connections
from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, Substr

CONFIG = "english"
GIN_INDEX = "article_search_vector_idx"
FTS_TABLE = "articles_article_fts"
# bm25 weights for headline, standfirst and body: the same order of importance as
# PostgreSQL's A, B and C weights.
FTS_WEIGHTS = (10.0, 4.0, 1.0)

_SNIPPET_WORDS = 30

# PostgreSQL: up to this many matches, a search first collects their ids through the GIN
# index and then reads only those rows, in whatever order is asked for. Beyond it, matches
# are dense enough that walking the date index finds a page of them sooner.
DENSE_MATCHES = 2000
# With more matches than DENSE_MATCHES, relevance ranks only these many matches in the
# headline or standfirst (the newest ones); the other matches follow, newest first.
RANKED_LEAD_MATCHES = 1000
# PostgreSQL's largest guess at the share of rows holding a word its column statistics
# do not list (DEFAULT_TS_MATCH_SEL in its ts_selfuncs.c).
_UNLISTED_WORD_SHARE = 0.005


# A subheading's marker at the start of a line, and the line ends between paragraphs (and
# between headline, standfirst and body); spaces only, so a non-breaking space stays.
_SUBHEADING_MARKER = re.compile(r"^[ \t]*##[ \t]+", re.MULTILINE)
_LINE_BREAKS = re.compile(r"[ \t\r]*\n[ \t\r\n]*")


class HighlightField(TextField):
    """A search passage from the database, returned as safe HTML with ``<mark>`` tags.

    The database puts ``start`` and ``stop`` around the matches; they become ``<mark>``
    only after the passage has been HTML-escaped, so article text can never become live
    markup. Each search draws its own, unguessable markers (``for_one_search``): article
    text may hold any character, fixed control characters included, and whatever it
    holds must stay text rather than turn into ``<mark>``.

    The passage is one run of text, as a result list shows it: the body's plain-text
    markup (``## `` before a subheading, blank lines between paragraphs) is the body's,
    not the passage's, so the markers go and the breaks become single spaces.
    """

    def __init__(self, *args, start: str, stop: str, **kwargs):
        self.start, self.stop = start, stop
        super().__init__(*args, **kwargs)

    @classmethod
    def for_one_search(cls) -> "HighlightField":
        # Letters and digits only between the control characters: HTML escaping leaves
        # them as they are, and so does every database's snippet function.
        nonce = secrets.token_hex(8)
        return cls(start=f"\x02{nonce}\x03", stop=f"\x03{nonce}\x02")

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        value = _LINE_BREAKS.sub(" ", _SUBHEADING_MARKER.sub("", value)).strip(" ")
        escaped = html.escape(value, quote=False)
        return escaped.replace(self.start, "<mark>").replace(self.stop, "</mark>")


class _StoredVector(Expression):
    """The article table's ``search_vector`` column, which the model does not declare
    because only PostgreSQL has it."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.{connection.ops.quote_name('search_vector')}", []


class _UnestimatedSearchQuery(SearchQuery):
    """A search query whose selectivity PostgreSQL's planner cannot look up.

    The planner prices ``@@`` as nearly free, but outside the GIN index every test
    detoasts a ~7 KB ``tsvector``. Given a constant query for a frequent word, its column
    statistics then make a sequential scan look cheapest, which detoasts every article's
    vector where the index would read only the matches. Behind a scalar subquery the query gets
    the planner's default guess (0.5% of rows) instead, for which it counts through the
    index and still walks the date index for a page of newest matches.
    """

    def as_sql(self, *args, **kwargs):
        sql, params = super().as_sql(*args, **kwargs)
        return f"(SELECT {sql})", params


@dataclass
class _Alternative:
    """Terms joined by AND: every ``include`` must match and no ``exclude`` may."""

    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORDISH = re.compile(r"\w")
_NOT_A_WORD = re.compile(r"\W")


def parse_websearch(text: str) -> list[_Alternative]:
    """Split a web-search query into OR-ed alternatives, as ``websearch_to_tsquery`` does.

    Terms without a letter or digit are dropped, as PostgreSQL's parser drops them.
    """
    alternatives = [_Alternative()]
    for match in _TOKEN.finditer(text):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word.upper() == "OR":
                if alternatives[-1].include or alternatives[-1].exclude:
                    alternatives.append(_Alternative())
                continue
            negated = "-" if word.startswith("-") and len(word) > 1 else ""
            phrase = word.removeprefix("-") if negated else word
        if not _WORDISH.search(phrase):
            continue
        target = alternatives[-1].exclude if negated else alternatives[-1].include
        target.append(phrase)
    return [alt for alt in alternatives if alt.include or alt.exclude]


def fts_string(term: str) -> str:
    """An FTS5 string: a word or a phrase, with FTS5's own syntax characters made inert."""
    return '"' + term.replace('"', '""') + '"'


def _fts_any(terms: list[str]) -> str:
    return " OR ".join(fts_string(term) for term in terms)


def _fts_rowids(expression: str) -> RawSQL:
    return RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (expression,))


def _sqlite_matches(text: str) -> tuple[Q, str | None]:
    """The condition for matching ``text`` through the FTS5 table, and the FTS5 expression
    of its alternatives that include a term (None if none does), to rank and highlight by."""
    positive, matches = [], Q()
    for alt in parse_websearch(text):
        if alt.include:
            expression = " AND ".join(fts_string(term) for term in alt.include)
            if alt.exclude:
                expression = f"({expression}) NOT ({_fts_any(alt.exclude)})"
            positive.append(f"({expression})")
        else:
            # FTS5 cannot match "everything but": take the complement of the matches.
            matches |= ~Q(pk__in=_fts_rowids(_fts_any(alt.exclude)))
    if not positive:
        return matches, None
    expression = " OR ".join(positive)
    return matches | Q(pk__in=_fts_rowids(expression)), expression


def _sqlite_search(queryset, text: str):
    matches, expression = _sqlite_matches(text)
    highlight = HighlightField.for_one_search()
    rank, passage = Value(0.0), Value(None, output_field=TextField())
    if expression is not None:
        table = connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)
        correlated = f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s AND rowid = {table}.id"
        weights = ", ".join(str(weight) for weight in FTS_WEIGHTS)
        # bm25 is lower for better matches; negate it so that higher ranks first, as ts_rank.
        rank = RawSQL(
            f"SELECT -bm25({FTS_TABLE}, {weights}) {correlated}", (expression,), FloatField()
        )
        passage = RawSQL(
            f"SELECT snippet({FTS_TABLE}, -1, %s, %s, '…', {_SNIPPET_WORDS}) {correlated}",
            (highlight.start, highlight.stop, expression),
            TextField(),
        )
    lead = Substr(Concat("standfirst", Value(" "), "body", output_field=TextField()), 1, 200)
    return (
        queryset.filter(matches)
        .alias(rank=Coalesce(rank, Value(0.0), output_field=FloatField()))
        .annotate(highlight=Coalesce(passage, lead, output_field=highlight))
    )


def _known_dense(queryset, query, text: str) -> bool:
    """Whether PostgreSQL's own estimate puts the matches beyond ``DENSE_MATCHES``.

    The column statistics list the frequent words, so for them the estimate is sound, and
    asking for it (EXPLAIN, nothing executed) reads no index, where probing the GIN index
    for a frequent word reads every match up to ``DENSE_MATCHES``. A word the statistics
    do not list gets a guess of at most ``_UNLISTED_WORD_SHARE`` of the rows, which passes
    ``DENSE_MATCHES`` in a large archive even for a word in no article: so the estimate
    counts only when it is twice that guess, which a listed word's always is, and the
    same EXPLAIN says how many rows the guess is a share of. Phrases are always probed:
    the estimate counts their words anywhere in an article, which can be far more often
    than side by side (a hyphenated word is a phrase to ``websearch_to_tsquery`` too).
    """
    terms = [term for alt in parse_websearch(text) for term in alt.include]
    if any(_NOT_A_WORD.search(term) for term in terms):
        return False
    estimable = queryset.alias(search_vector=_StoredVector()).filter(search_vector=query)
    both = estimable.order_by().values("pk").union(queryset.order_by().values("pk"), all=True)
    plan = json.loads(both.explain(format="json"))[0]["Plan"]
    matching, rows = (part["Plan Rows"] for part in plan["Plans"])
    return matching >= max(DENSE_MATCHES, 2 * _UNLISTED_WORD_SHARE * rows)


def _postgresql_matches(queryset, text: str):
    """The articles of ``queryset`` whose stored vector matches ``text``, through the GIN
    index."""
    return queryset.alias(search_vector=_StoredVector()).filter(
        search_vector=_UnestimatedSearchQuery(text, search_type="websearch", config=CONFIG)
    )


def _postgresql_search(queryset, text: str):
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    document = Concat(
        "headline", Value("\n"), "standfirst", Value("\n"), "body", output_field=TextField()
    )
    matches = _postgresql_matches(queryset, text)
    # Which plan is right depends on how many articles match, which the planner cannot
    # know: walking the date index tests every article when few or none match, and
    # collecting every match through the GIN index reads them all when many do. So count,
    # cheaply and up to a bound, through the index first, unless the statistics already
    # know the query for a frequent one.
    ids = None
    if not _known_dense(queryset, query, text):
        ids = list(matches.order_by().values_list("pk", flat=True)[:DENSE_MATCHES])
    if ids is not None and len(ids) < DENSE_MATCHES:
        # Every match is known: read just those rows, in any order, and rank them all.
        found = queryset.filter(pk__in=ids) if ids else queryset.none()
        rank = SearchRank(_StoredVector(), query)
    else:
        # Ranking every match would detoast every match's tsvector, a cost that grows with
        # the matches, so only those in the headline or standfirst, found through their own index,
        # are ranked (migration 0005): the strongest evidence of relevance there is.
        # Ordered by an expression, not the column: otherwise, for a word PostgreSQL
        # cannot estimate, it walks the date index computing every headline's vector
        # (for a word in no headline, every article's) instead of asking the lead index
        # and sorting what it finds.
        newest = ExpressionWrapper(
            F("published_at") + Value(dt.timedelta(0)), output_field=DateTimeField()
        )
        leading = (
            queryset.alias(lead=SearchVector("headline", "standfirst", config=CONFIG))
            .filter(lead=query)
            .order_by(newest.desc(), "-id")
            .values("pk")[:RANKED_LEAD_MATCHES]
        )
        found = matches
        rank = Case(When(pk__in=leading, then=SearchRank(_StoredVector(), query)))
    highlight = HighlightField.for_one_search()
    return found.alias(rank=rank).annotate(
        highlight=ExpressionWrapper(
            SearchHeadline(
                document,
                query,
                config=CONFIG,
                start_sel=highlight.start,
                stop_sel=highlight.stop,
                # One passage: fragment mode would rank every fragment of the body.
                max_words=_SNIPPET_WORDS,
                min_words=15,
            ),
            output_field=highlight,
        ),
    )


def search(queryset, text: str):
    """Articles of ``queryset`` matching ``text``, annotated with ``highlight``, most
    relevant first (by the alias ``rank``; on PostgreSQL, beyond ``DENSE_MATCHES``
    matches, only the headline and standfirst matches are ranked, ahead of the rest)."""
    if not parse_websearch(text):
        return queryset.none()
    vendor = connections[queryset.db].vendor
    matched = _postgresql_search if vendor == "postgresql" else _sqlite_search
    return matched(queryset, text).order_by(F("rank").desc(nulls_last=True), "-published_at", "-id")


def matching(queryset, text: str):
    """Articles of ``queryset`` matching ``text``: the same articles ``search()`` finds, with
    no rank, highlight or order, for counting them. Every match is read through the search
    index; no plan is chosen, since a count reads them all whatever their number."""
    if not parse_websearch(text):
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        return _postgresql_matches(queryset, text)
    return queryset.filter(_sqlite_matches(text)[0])


def merge_pending_entries(using: str = "default") -> None:
    """Merge the entries waiting in the GIN index's pending list into the index.

    A bulk load adds its entries to the pending list, which is cheaper than inserting
    each into the index proper, and merges them in one pass when done. Searches read the
    pending list entry by entry, so the load merges it rather than leaving it to
    autovacuum.
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [GIN_INDEX])
