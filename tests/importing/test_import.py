"""The importer's write path: idempotent, updates in place, all or nothing per file."""

import datetime as dt
import json

import pytest
from django.core import serializers
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.importing import runner
from articles.importing.runner import DiskFile, import_files
from articles.models import Article, Author, Book, Image, Issue, ReadingListEntry
from articles.search import GIN_INDEX
from articles.synthetic import SyntheticArchive
from tests.conftest import SAMPLES_DIR, SEED_SOURCE
from tests.factories import ArticleFactory
from tests.importing.conftest import (
    ARCHIVE_MODELS,
    SAMPLES,
    SCRAPED,
    database_state,
    import_file,
    import_one,
    row_counts,
)

SEED_FIXTURE = SEED_SOURCE.parent.parent / "seed.json"
PARIS = SAMPLES_DIR / "2216-when-paris-rose.txt"


def records(objects):
    """Serialised records as the fixture holds them: natural keys, no timestamps."""
    found = []
    for record in objects:
        record["fields"].pop("created_at", None)
        record["fields"].pop("updated_at", None)
        # Scraped text files nothing under topics, and the fixture says nothing of them (so
        # that loading it never takes an editor's topics off the seed article).
        if record["fields"].get("topics") == []:
            del record["fields"]["topics"]
        found.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
    return sorted(found)


def archive_records():
    objects = [
        obj
        for model in ARCHIVE_MODELS
        for obj in json.loads(
            serializers.serialize(
                "json",
                model.objects.all(),
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
        )
    ]
    return records(objects)


def import_text(path, text, **options):
    return import_file(name=str(path), data=text.encode(), **options)


def test_seed_page_imports_to_exactly_the_fixture(db):
    """Into an empty archive, the seed's page gives the fixture's records, field for field."""
    report = import_one(SEED_SOURCE)
    assert report.error is None
    assert archive_records() == records(json.loads(SEED_FIXTURE.read_text(encoding="utf-8")))


def test_seed_page_over_the_loaded_fixture_changes_nothing(seed):
    """Re-importing the seed's page finds the fixture's article: same rows, nothing added."""
    before = database_state()
    report = import_one(SEED_SOURCE)
    assert report.articles == [
        {"slug": "trotskys-socialism", "headline": "Trotsky’s socialism", "action": "unchanged"}
    ]
    assert database_state() == before


def test_every_sample_imports_to_its_structure(archive):
    """Issue numbers, bylines, UTC times, captions once, subheadings, reading lists."""
    paris = Article.objects.get(slug="when-paris-rose-the-commune-of-1871")
    library = Article.objects.get(slug="library-workers-walk-out-over-closures")
    winter = Article.objects.get(slug="lessons-of-the-winter-of-discontent")
    assert [a.issue.number for a in (paris, library, winter)] == [2216, 2216, 2284]
    assert [[x.name for x in a.authors.all()] for a in (paris, library, winter)] == [
        ["Daniel Reyes"],
        ["Maria Okafor"],
        ["Kate Marlow"],
    ]
    assert paris.published_at == dt.datetime(2010, 8, 24, 17, 10, tzinfo=dt.UTC)
    assert winter.published_at == dt.datetime(2012, 1, 5, 16, 44, tzinfo=dt.UTC)
    assert [image.caption for image in paris.images.all()] == [
        "Barricade on the Rue de Rivoli, March 1871"
    ]
    assert not library.images.exists() and not winter.images.exists()
    assert [b["text"] for b in paris.blocks if b["type"] == "heading"] == [
        "The Commune’s measures",
        "Its defeat",
    ]
    assert [g.heading for g in paris.reading_groups.all()] == ["For the story of the Commune try:"]
    marx = Book.objects.get(title="The Civil War in France")
    assert [a.name for a in marx.authors.all()] == ["Karl Marx"]
    assert paris.word_count == sum(len(b["text"].split()) for b in paris.blocks)
    assert all(a.status == Article.Status.PUBLISHED for a in (paris, library, winter))


def test_several_articles_share_one_issue(archive):
    """Both 2216 pages land in one issue, which the seed's publication holds."""
    issue = Issue.objects.get(slug="socialist-worker-2216")
    assert issue.articles.count() == 2
    assert issue.publication.slug == "socialist-worker"
    assert issue.date is None


def test_importing_twice_changes_nothing(archive):
    """The second import of every file writes nothing and reports every record unchanged."""
    before = database_state()
    for path in [SEED_SOURCE, *SAMPLES]:
        report = import_one(path)
        assert {action for (_, action) in report.counts} == {"unchanged"}, report.counts
    assert database_state() == before


def test_corrected_page_updates_the_article_in_place(archive):
    """A fixed typo, caption and reading list update the same rows; the uploaded file stays."""
    article = Article.objects.get(slug="when-paris-rose-the-commune-of-1871")
    image = article.images.get()
    Image.objects.filter(pk=image.pk).update(file="images/2010/08/barricade.jpg", width=4, height=3)
    text = (
        PARIS.read_text(encoding="utf-8")
        .replace("Rue de Rivoli, March 1871", "Rue de Rivoli, 18 March 1871")
        .replace("Night work in the bakeries", "Night work in the bakeries of Paris")
        .replace("  • The Civil War in France by Karl Marx\n", "")
    )
    counts = row_counts()
    report = import_text(PARIS, text)
    assert report.articles[0]["action"] == "updated"
    assert report.counts["images", "updated"] == 1
    article.refresh_from_db()
    assert "bakeries of Paris" in article.body
    assert article.word_count == sum(len(b["text"].split()) for b in article.blocks)
    image = Image.objects.get(pk=image.pk)
    assert image.caption == "Barricade on the Rue de Rivoli, 18 March 1871"
    assert image.file.name == "images/2010/08/barricade.jpg"
    entries = ReadingListEntry.objects.filter(group__article=article)
    assert [entry.text for entry in entries] == ["The Paris Commune by Donny Gluckstein"]
    expected = {**counts, "articles.ReadingListEntry": counts["articles.ReadingListEntry"] - 1}
    expected["articles.ReadingListEntryBook"] -= 1
    assert row_counts() == expected


def test_dry_run_writes_nothing_but_reports_what_would_change(seed):
    """A dry run says what it would create and leaves every table as it was."""
    before = database_state()
    report = import_one(PARIS, dry_run=True)
    assert report.error is None
    assert report.counts["articles", "created"] == 1
    assert report.counts["books", "created"] == 2
    assert database_state() == before


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("latin1.txt", "Socialist Worker\n\nCaf\xe9\n".encode("latin-1"), 3, "expected UTF-8"),
        ("no-issue.txt", "Socialist Worker\n\nHeadline\n\nStandfirst\n\nBody.\n", 7, "Issue No."),
        ("empty.json", b"", 1, "expected a JSON document"),
    ],
)
def test_bad_bytes_are_refused_with_path_and_line(archive, name, content, line, reason):
    """Undecodable or structureless files are named with their line; nothing is written."""
    before = database_state()
    data = content if isinstance(content, bytes) else content.encode()
    report = import_file(name=name, data=data)
    assert report.error.line == line
    assert str(report.error).startswith(f"{name}:{line}: ")
    assert reason in report.error.reason
    assert database_state() == before


def test_bad_date_line_and_empty_body_leave_the_archive_as_it_was(archive):
    """A corrected page that breaks is refused whole: the article keeps its old text."""
    before = database_state()
    text = PARIS.read_text(encoding="utf-8")
    bad_date = text.replace("Night work", "Day work").replace("18:10 BST", "6.10pm")
    report = import_text(PARIS, bad_date)
    assert report.error.line == 44 and "expected a date line" in report.error.reason
    start, end = text.index("On 18 March"), text.index("Further reading")
    report = import_text(PARIS, text[:start] + text[end:])
    assert "expected body paragraphs" in report.error.reason
    assert database_state() == before


def test_a_file_refused_half_way_through_writing_leaves_nothing(archive):
    """The database refuses the issue after its new publication was written: both go."""
    before = database_state()
    document = {
        "version": 1,
        "publication": {"slug": "morning-star", "name": "Morning Star"},
        "issue": {"number": 1, "slug": "socialist-worker-2215", "date": None},
        "authors": [],
        "books": [],
        "articles": [
            {
                "slug": "a-new-dawn",
                "headline": "A new dawn",
                "standfirst": "",
                "body": "Text.",
                "published_at": None,
                "status": "draft",
                "source": "",
                "authors": [],
                "images": [],
                "reading_list": {"groups": [], "note": ""},
            }
        ],
    }
    report = import_file(name="clash.json", data=json.dumps(document, indent=2).encode())
    assert report.error is not None
    assert report.error.line == 7
    assert "expected to save the issue" in report.error.reason
    assert database_state() == before


def test_headline_taken_by_another_issue_gets_an_issue_qualified_slug(archive):
    """Two issues may print the same headline; the second article's slug names its issue."""
    text = PARIS.read_text(encoding="utf-8").replace("When Paris rose", "Trotsky’s socialism")
    text = text.replace(": the Commune of 1871", "")
    report = import_text(SAMPLES_DIR / "again.txt", text)
    assert report.articles[0]["slug"] == "trotskys-socialism-socialist-worker-2216"
    assert import_text(SAMPLES_DIR / "again.txt", text).articles[0]["action"] == "unchanged"
    assert Article.objects.get(slug="trotskys-socialism").issue.number == 2215


def test_a_headline_whose_slug_an_api_route_takes_gets_an_issue_qualified_slug(db):
    """ "Counts" would be ``/api/v1/articles/counts/``, which is the counts, not the article."""
    text = PARIS.read_text(encoding="utf-8").replace("When Paris rose", "Counts")
    text = text.replace(": the Commune of 1871", "")
    report = import_text(SAMPLES_DIR / "counts.txt", text)
    assert report.error is None, report.error
    assert report.articles[0]["slug"] == "counts-socialist-worker-2216"


def test_page_without_byline_imports_without_author(db):
    """No byline: the article has no author and the report's warning says so."""
    text = (SAMPLES_DIR / "2284-winter-of-discontent.txt").read_text(encoding="utf-8")
    report = import_text("no-byline.txt", text.replace(" Kate Marlow writes that", " So"))
    assert report.error is None
    assert report.warnings == ["no-byline.txt:7: no byline found; imported without an author"]
    assert not Article.objects.get().authors.exists()
    assert not Author.objects.exists()


def test_same_title_by_different_authors_is_two_books(archive):
    """A book's key is its title and authors: Clinton's "My Life" is not Trotsky's."""
    text = PARIS.read_text(encoding="utf-8").replace(
        "The Civil War in France by Karl Marx", "My Life by Bill Clinton"
    )
    assert import_text(PARIS, text).error is None
    assert sorted(Book.objects.filter(title="My Life").values_list("slug", flat=True)) == [
        "my-life",
        "my-life-bill-clinton",
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the GIN index and its pending list are PostgreSQL's"
)
def test_an_import_merges_the_search_index_pending_list(db):
    """Inserted articles wait in the GIN index's pending list (16 MB, migration 0006);
    the importer merges it when it finishes, so that searches do not read it row by row."""

    def pending_tuples():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pending_tuples FROM pgstatginindex(%s::regclass)", [GIN_INDEX])
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [GIN_INDEX])
        assert cursor.fetchone()[0] == ["gin_pending_list_limit=16384"]
    ArticleFactory(body="Waiting to be merged.")
    assert pending_tuples() > 0
    reports = list(import_files(map(DiskFile, SCRAPED)))
    assert [report.error for report in reports] == [None] * len(SCRAPED)
    assert pending_tuples() == 0
    assert Article.objects.search("Trotsky").filter(slug="trotskys-socialism").exists()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_imports_plan_their_statements_afresh(db):
    """The connection prepares what it repeats, except an import's statements, whose
    plans would go stale as the import grows the tables."""

    def prepared_on_articles():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {sql for (sql,) in cursor.fetchall() if '"articles_article"' in sql}

    threshold = connection.connection.prepare_threshold
    for _ in range(threshold + 1):
        Article.objects.filter(slug="no-such-article").exists()
    prepared = prepared_on_articles()
    assert len(prepared) == 1
    for _ in range(threshold + 1):
        for path in SCRAPED:
            assert import_one(path).error is None
    assert prepared_on_articles() == prepared
    assert connection.connection.prepare_threshold == threshold


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's"
)
def test_a_long_import_keeps_the_planners_statistics_abreast(db, monkeypatch):
    """Each time an import has loaded as many articles as the planner last knew of (here
    from 20 on), it analyses the tables it fills, with or without autovacuum: the loader's
    plans are made for the archive it grows, not for the empty one it began with. That
    includes the change feed's events: never analysed, the feed's look-up of a batch's
    pending creations read every reader's event in the archive."""
    monkeypatch.setattr(runner, "ANALYZE_AFTER_ARTICLES", 20)
    tables = [model._meta.db_table for model in runner.LOADED_MODELS]

    def planned(table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    assert {planned(table) for table in tables} == {0}
    sources = SyntheticArchive(articles=100, authors=10, per_issue=10).sources()
    reports = list(runner.import_files(sources))
    assert [report.error for report in reports] == [None] * 10
    # Analysed after 20, 40 and 80 articles: the planner counts 80.
    assert planned("articles_article") == 80
    for table in ("articles_articledocument", "reversion_version", "history_event"):
        assert planned(table) >= 80, table


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's"
)
def test_a_short_import_neither_reads_nor_analyses_statistics(db):
    with CaptureQueriesContext(connection) as queries:
        reports = list(import_files(map(DiskFile, SCRAPED)))
    assert [report.error for report in reports] == [None] * len(SCRAPED)
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in statements if "pg_class" in sql or sql.startswith("ANALYZE")]
