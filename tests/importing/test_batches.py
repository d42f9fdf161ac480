"""Files imported in batches: one transaction for many files, each file still all or
nothing in its own savepoint, with one revision per article, the change feed's events and
the cache retired once per batch (``transactions.load_batch``)."""

import dataclasses
import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from articles.importing import runner, transactions
from articles.importing.export import export_queryset, issue_document
from articles.importing.loader import load_issue, load_issue_files, mergeable
from articles.importing.runner import Upload, import_files, import_plan, parse_bytes
from articles.models import Article, Issue
from articles.synthetic import SyntheticArchive, synthetic_documents
from history.models import Change, Event
from tests.importing.conftest import SCRAPED, database_state

SEED_TEXT = SCRAPED[0].read_text(encoding="utf-8")


def uploads(*extra: Upload) -> list[Upload]:
    """The seed and sample pages as uploads, then ``extra``."""
    return [Upload(path.name, path.read_bytes()) for path in SCRAPED] + list(extra)


def twice_the_same_article() -> Upload:
    """An interchange document the loader refuses inside its savepoint, after the issue
    and authors are written: it names one article twice."""
    [document] = synthetic_documents(articles=2, per_issue=2, seed=3)
    document["articles"][1]["slug"] = document["articles"][0]["slug"]
    return Upload("twice.json", json.dumps(document, indent=2).encode())


def imported(sources, **options):
    return list(import_files(sources, batch_size=10, **options))


def test_a_bad_file_rolls_back_only_itself_and_is_reported_with_its_line(db):
    """In the middle of a batch, a file the loader refuses after writing some of it leaves
    nothing behind; the files before and after it commit."""
    sources = uploads()
    sources.insert(2, twice_the_same_article())
    broken = SEED_TEXT.replace("Issue No. 2215", "Issue 2215", 1)
    sources.insert(4, Upload("broken.txt", broken.encode()))
    reports = imported(sources)

    assert [report.path for report in reports] == [source.name for source in sources]
    errors = {report.path: report.error for report in reports if report.error}
    assert set(errors) == {"twice.json", "broken.txt"}
    assert errors["twice.json"].line > 1
    assert "expected each article once" in errors["twice.json"].reason
    assert errors["broken.txt"].line == 7
    assert Issue.objects.count() == 3
    assert Article.objects.count() == len(SCRAPED)


def test_a_batch_records_one_revision_and_feed_events_per_article(db):
    """Each article gets its own revision (``created``), and each its feed events, as when
    every file had its own transaction."""
    imported(uploads())
    articles = set(Article.objects.values_list("pk", flat=True))
    changes = Change.objects.filter(source="import", article__isnull=False)
    assert sorted(changes.values_list("article_id", flat=True)) == sorted(articles)
    assert set(changes.values_list("action", flat=True)) == {"created"}
    assert len(set(changes.values_list("revision_id", flat=True))) == len(articles)
    for feed in Event.Feed.values:
        created = Event.objects.filter(feed=feed, type="article", action="created")
        assert set(created.values_list("object_id", flat=True)) == articles


def test_one_article_changed_by_two_files_of_a_batch_gets_two_revisions(db):
    """The second file's change to an article the batch already changed is recorded as a
    revision of its own, after the first's."""
    corrected = SEED_TEXT.replace("Seventy years ago", "70 years ago", 1)
    name = SCRAPED[0].name
    imported([Upload(name, SEED_TEXT.encode()), Upload(name, corrected.encode())])
    changes = Change.objects.filter(source="import", article__isnull=False).order_by("pk")
    assert [(c.action, c.changed_fields) for c in changes][1] == ("changed", ["standfirst"])
    assert changes.count() == 2
    assert Article.objects.get().standfirst.startswith("70 years ago")


def test_the_cache_is_retired_once_per_batch(db, monkeypatch):
    """Once per batch, for the pages of the articles the batch wrote."""
    retired = []
    monkeypatch.setattr(
        transactions, "records_changed", lambda changed, shown: retired.append(changed)
    )
    list(import_files(uploads(), batch_size=2))
    assert len(retired) == 2
    written = set().union(*(changed["article"] for changed in retired))
    assert written == set(Article.objects.values_list("pk", flat=True))
    # Nothing changed the second time: nothing to retire.
    list(import_files(uploads(), batch_size=2))
    assert len(retired) == 2


def test_a_batch_dry_run_writes_nothing_and_judges_each_file_alone(db):
    before = database_state()
    reports = imported(uploads(), dry_run=True)
    assert database_state() == before
    # Both 2216 pages report creating their issue: neither sees the other's.
    issues = [report.counts["issues", "created"] for report in reports]
    assert issues == [1, 1, 1, 1]
    assert not Change.objects.exists()


def test_a_batch_counts_each_file_as_one_transaction_would(db):
    """The second page of an issue finds the issue the first page of the batch created."""
    reports = imported(uploads())
    assert [report.counts["issues", "created"] for report in reports] == [1, 1, 0, 1]
    assert [report.counts["issues", "unchanged"] for report in reports] == [0, 0, 1, 0]


@pytest.mark.parametrize(
    ("files", "jobs", "one_at_a_time", "expected"),
    [
        (1000, 2, False, (2, runner.BATCH_FILES)),
        (10, 2, False, (2, 5)),
        (1, 4, False, (1, 1)),
        (1000, 2, True, (1, 1)),
    ],
)
def test_the_import_plan(files, jobs, one_at_a_time, expected):
    assert import_plan(files, jobs=jobs, one_at_a_time=one_at_a_time) == expected


@pytest.mark.parametrize(
    ("first", "expected"),
    [(1, [[0], [1, 2], [3, 4, 5], [6]]), (3, [[0, 1, 2], [3, 4, 5], [6]])],
    ids=["workers: the first file alone", "one process"],
)
def test_the_batches(first, expected):
    """With workers, the first file is a batch of its own, so that a worker whose batch
    names the new publication the first batch creates waits for one file, not a batch;
    the batches after it begin where they would have."""
    assert list(runner._batches(iter(range(7)), 3, first=first)) == expected


def test_the_default_is_a_worker_per_core_on_postgresql_and_one_on_sqlite(monkeypatch):
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 64)
    jobs, _ = import_plan(10_000, jobs=None)
    if connection.vendor == "postgresql":
        assert jobs == runner.MAX_DEFAULT_JOBS
    else:
        assert jobs == 1


def test_a_file_the_database_refused_in_a_batch_goes_again_on_its_own(db, monkeypatch):
    """A file that lost a race inside the batch (here: an IntegrityError once) is rolled
    back to its savepoint, the batch commits, and the file is imported after it alone."""
    refused = []

    def load_issue_losing_once(record, report):
        if record.number == 2284 and not refused:
            refused.append(record.number)
            raise IntegrityError("duplicate key value violates unique constraint")
        return load_issue(record, report)

    monkeypatch.setattr(transactions, "load_issue", load_issue_losing_once)
    reports = imported(uploads())
    assert refused == [2284]
    assert [report.error for report in reports] == [None] * len(SCRAPED)
    assert Article.objects.count() == len(SCRAPED)
    assert Change.objects.filter(source="import", article__isnull=False).count() == len(SCRAPED)


def synthetic_pages(*, issues: int, per_issue: int) -> list[Upload]:
    """Scraped one-article pages of ``issues`` generated issues, ``per_issue`` each."""
    archive = SyntheticArchive(articles=issues * per_issue, authors=6, seed=5, per_issue=per_issue)
    return [Upload(name, text.encode()) for name, text in archive.scraped_pages()]


def what_runs_report_and_leave(runs: list[list[Upload]], *, batch_size: int):
    """Each run's reports, the archive the runs leave (as interchange documents, its
    authors and books by slug, since the order they were made in may differ) and the
    statements they took; all rolled back afterwards."""
    with transaction.atomic(), CaptureQueriesContext(connection) as statements:
        reports = [
            [
                (report.as_dict(), sorted(report.counts_list()))
                for report in import_files(run, batch_size=batch_size)
            ]
            for run in runs
        ]
        documents = [issue_document(issue) for issue in export_queryset()]
        transaction.set_rollback(True)
    for document in documents:
        for name in ("authors", "books"):
            document[name].sort(key=lambda record: record["slug"])
    return reports, documents, len(statements)


def test_an_issues_pages_written_together_report_and_leave_what_one_at_a_time_would(db):
    """The pages of an issue in one batch are written with one set of statements, yet each
    page's report and the archive they leave are what writing them one by one gives:
    new pages, the same pages again (unchanged), and a page corrected among them."""
    pages = synthetic_pages(issues=2, per_issue=8)
    newsletter = "\n\nClick here to subscribe"
    corrected = pages[3].data.decode().replace(newsletter, f" A correction.{newsletter}", 1)
    again = [*pages[:3], Upload(pages[3].name, corrected.encode()), *pages[4:]]
    runs = [pages, again]

    together = what_runs_report_and_leave(runs, batch_size=50)
    one_by_one = what_runs_report_and_leave(runs, batch_size=1)

    assert together[:2] == one_by_one[:2]
    first, second = together[0]
    issues_created = [
        dict(((k, a), n) for k, a, n in counts).get(("issues", "created"), 0) for _, counts in first
    ]
    assert issues_created == ([1] + [0] * 7) * 2
    assert {result["articles"][0]["action"] for result, _ in first} == {"created"}
    actions = [result["articles"][0]["action"] for result, _ in second]
    assert actions == ["unchanged"] * 3 + ["updated"] + ["unchanged"] * 12
    # Two issues of eight pages: a handful of statements an issue, not a handful a page.
    assert together[2] * 3 < one_by_one[2]


def test_pages_the_loader_refuses_together_go_one_at_a_time(db):
    """Two files with the same page claim one article: together the loader refuses them,
    so each goes on its own, and the second updates the first's article (its source, the
    file's name)."""
    pages = synthetic_pages(issues=1, per_issue=3)
    twice = [*pages, Upload("copy.txt", pages[1].data)]
    together, left, _ = what_runs_report_and_leave([twice], batch_size=50)
    assert (together, left) == what_runs_report_and_leave([twice], batch_size=1)[:2]
    actions = [result["articles"][0]["action"] for result, _ in together[0]]
    assert actions == ["created", "created", "created", "updated"]


def test_pages_the_database_refuses_together_go_one_at_a_time(db, monkeypatch):
    """An issue's pages the database refuses together (a race lost, a deadlock) roll back
    to their savepoint and go again each on its own, in the same batch."""
    refused = []

    def load_losing_once(files):
        if not refused:
            refused.append(len(files))
            raise IntegrityError("duplicate key value violates unique constraint")
        return load_issue_files(files)

    pages = synthetic_pages(issues=1, per_issue=4)
    one_by_one = what_runs_report_and_leave([pages], batch_size=1)
    monkeypatch.setattr(transactions, "load_issue_files", load_losing_once)
    retried = what_runs_report_and_leave([pages], batch_size=50)
    assert refused == [4]
    assert retried[:2] == one_by_one[:2]
    assert [result["ok"] for result, _ in retried[0][0]] == [True] * 4


def test_files_are_written_together_only_when_that_changes_nothing():
    """Only files of one issue and cover date, naming each author and book alike."""
    pages = synthetic_pages(issues=1, per_issue=3)
    records = [parse_bytes(name=page.name, data=page.data).record for page in pages]
    assert mergeable(records)
    assert not mergeable([*records[:2], dataclasses.replace(records[2], date=dt.date(1900, 1, 1))])
    assert not mergeable(
        [*records[:2], dataclasses.replace(records[2], number=records[2].number + 1)]
    )

    first_author = records[0].articles[0].authors[0]
    article = records[1].articles[0]

    def naming(author):
        named = dataclasses.replace(article, authors=[*article.authors, author])
        return [records[0], dataclasses.replace(records[1], articles=[named])]

    assert mergeable(naming(first_author))
    assert not mergeable(naming(dataclasses.replace(first_author, bio="A later biography.")))
