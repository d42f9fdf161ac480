"""Files imported in batches: one transaction for many files, each file still all or
nothing in its own savepoint, with one revision per article, the change feed's events and
the cache retired once per batch (``runner.load_batch``)."""

import json

import pytest
from django.db import IntegrityError, connection

from articles.importing import runner
from articles.importing.loader import load_issue
from articles.importing.runner import Upload, import_files, import_plan
from articles.models import Article, Issue
from articles.synthetic import synthetic_documents
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
    changes = Change.objects.filter(source="import")
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
    changes = Change.objects.filter(source="import").order_by("pk")
    assert [(c.action, c.changed_fields) for c in changes][1] == ("changed", ["standfirst"])
    assert changes.count() == 2
    assert Article.objects.get().standfirst.startswith("70 years ago")


def test_the_cache_is_retired_once_per_batch(db, monkeypatch):
    """Once per batch, for the pages of the articles the batch wrote."""
    retired = []
    monkeypatch.setattr(runner, "records_changed", lambda changed, shown: retired.append(changed))
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

    monkeypatch.setattr(runner, "load_issue", load_issue_losing_once)
    reports = imported(uploads())
    assert refused == [2284]
    assert [report.error for report in reports] == [None] * len(SCRAPED)
    assert Article.objects.count() == len(SCRAPED)
    assert Change.objects.filter(source="import").count() == len(SCRAPED)
