"""``import_archive`` and ``export_archive`` as an archivist runs them."""

import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles.importing.records import ImportFileError
from articles.importing.reports import FileReport, ImportReport
from articles.models import Article, Issue
from tests.conftest import SAMPLES_DIR, SEED_SOURCE
from tests.importing.conftest import SAMPLES, database_state

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def folder(tmp_path):
    """A folder of scraped pages in a subfolder, and a README the import must skip."""
    pages = tmp_path / "archive" / "2010"
    pages.mkdir(parents=True)
    for path in [SEED_SOURCE, *SAMPLES]:
        shutil.copy(path, pages / path.name)
    (tmp_path / "archive" / "README.md").write_text("Scraped in 2024.\n")
    return tmp_path / "archive"


def run(*args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_archive", *args, stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def run_failing(*args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_archive", *args, stdout=stdout, stderr=stderr, **options)
    assert failed.value.returncode == 1
    return stdout.getvalue(), stderr.getvalue(), str(failed.value)


def test_import_folder_recursively_and_summarise(db, folder):
    """Every page under the folder is imported; the README is skipped; the summary counts."""
    stdout, stderr = run(str(folder))
    assert stderr == ""
    assert "Files: 4 read, 4 imported, 0 failed, 1 skipped" in stdout
    assert "issues              3          0          1          0" in stdout
    assert "articles            4          0          0          0" in stdout
    assert "images              2          0          0          0" in stdout
    assert Article.objects.count() == 4


def test_second_run_reports_everything_unchanged(db, folder):
    """Run twice: the second summary has only unchanged records."""
    run(str(folder))
    before = database_state()
    stdout, _ = run(str(folder))
    assert "articles            0          0          4          0" in stdout
    assert "authors             0          0          9          0" in stdout
    assert database_state() == before


def test_bad_file_is_reported_others_imported_exit_non_zero(db, folder):
    """A broken page is named with its line; the rest go in; the command fails at the end."""
    broken = folder / "2010" / "0-broken.txt"
    broken.write_text(SAMPLES[0].read_text().replace("Issue No. 2216\n\nby", "by"))
    stdout, stderr, message = run_failing(str(folder))
    assert f"{broken}:7: expected an “Issue No. N” line" in stderr
    assert "Files: 5 read, 4 imported, 1 failed, 1 skipped" in stdout
    assert message == f"1 file(s) could not be imported: {broken}"
    assert Article.objects.count() == 4


def test_stop_on_error_stops_at_the_first_bad_file(db, folder):
    """``--stop-on-error``: nothing after the bad file is read."""
    (folder / "2010" / "0-broken.txt").write_bytes(b"\xff\xfe")
    stdout, stderr, _ = run_failing(str(folder), stop_on_error=True)
    assert "0-broken.txt:1: expected UTF-8 text, found the byte 0xff" in stderr
    assert "Files: 1 read, 0 imported, 1 failed" in stdout
    assert not Article.objects.exists()


def test_missing_path_is_a_bad_file(db, tmp_path):
    """A path that does not exist is reported like any other unreadable file."""
    _, stderr, _ = run_failing(str(tmp_path / "nowhere.txt"))
    assert "nowhere.txt:1: expected a readable file, found No such file or directory" in stderr


def test_dry_run_command_writes_nothing(seed, folder):
    """``--dry-run`` reports what would be created and leaves the archive alone."""
    before = database_state()
    stdout, _ = run(str(folder), dry_run=True)
    assert "Files: 4 read, 4 would be imported, 0 failed, 1 skipped" in stdout
    assert "articles            3          0          1          0" in stdout
    assert "Dry run: nothing was written." in stdout
    assert database_state() == before


def test_quiet_prints_nothing_on_success_and_errors_on_failure(db, folder):
    """``--quiet`` for cron: silence when all is well, only the error otherwise."""
    assert run(str(folder), quiet=True) == ("", "")
    (folder / "bad.json").write_text("{}")
    stdout, stderr, _ = run_failing(str(folder), quiet=True)
    assert stdout == ""
    assert "bad.json:1: expected an interchange document" in stderr


def test_publication_option_for_pages_without_masthead(seed, tmp_path):
    """``--publication`` names the publication of a page that has no masthead."""
    page = tmp_path / "page.txt"
    page.write_text(SAMPLES[-1].read_text().removeprefix("Socialist Worker\n\n"))
    run_failing(str(page))
    run(str(page), publication="socialist-worker")
    assert Issue.objects.get(number=2284).publication.name == "Socialist Worker"


def test_verbose_lists_each_article_and_warns_about_missing_bylines(db, tmp_path):
    """``-v 2`` names each article and what happened to it; a missing byline is a warning."""
    page = tmp_path / "page.txt"
    page.write_text(SAMPLES[-1].read_text().replace(" Kate Marlow writes that", " So"))
    stdout, _ = run(str(page), verbosity=2)
    assert f"warning: {page}:7: no byline found; imported without an author" in stdout
    assert f"{page}: created lessons-of-the-winter-of-discontent" in stdout
    assert "1/1 files" in stdout


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the refusal is SQLite's")
def test_jobs_need_postgresql(db, folder):
    """SQLite takes one writer at a time, so ``--jobs`` is refused there."""
    with pytest.raises(CommandError, match="--jobs needs PostgreSQL"):
        run(str(folder), jobs=2)


def test_export_command_filters_and_reports(archive, tmp_path):
    """``--publication``, ``--issue`` and a date range choose the documents written."""
    out = io.StringIO()
    call_command("export_archive", output=tmp_path / "all", stdout=out)
    assert "3 issue(s): wrote 3, 0 unchanged" in out.getvalue()
    call_command("export_archive", output=tmp_path / "all", stdout=out)
    assert "3 issue(s): wrote 0, 3 unchanged" in out.getvalue()

    def exported(**options):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        call_command("export_archive", output=folder, stdout=io.StringIO(), **options)
        return sorted(path.name for path in folder.iterdir()) if folder.exists() else []

    assert exported(issues=["socialist-worker-2216"]) == ["socialist-worker-2216.json"]
    assert exported(publication="socialist-worker") == sorted(
        path.name for path in (tmp_path / "all").iterdir()
    )
    assert exported(publication="morning-star") == []
    assert exported(date_from="2010-08-20", date_to="2011-01-01") == ["socialist-worker-2216.json"]
    assert exported(date_from="2012-01-01") == ["socialist-worker-2284.json"]
    assert exported(date_to="2010-08-17", dry_run=True) == []


def test_an_archivist_session_in_a_real_process(tmp_path):
    """Through ``manage.py``: import a folder, again, then with a broken file; exit codes."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    assert manage("migrate", "--noinput").returncode == 0
    pages = tmp_path / "pages"
    shutil.copytree(SAMPLES_DIR, pages)
    first = manage("import_archive", str(pages))
    assert first.returncode == 0, first.stderr
    assert "articles            3          0          0          0" in first.stdout
    second = manage("import_archive", str(pages))
    assert "articles            0          0          3          0" in second.stdout
    (pages / "broken.json").write_text(json.dumps({"version": 1}, indent=2))
    third = manage("import_archive", str(pages))
    assert third.returncode == 1
    assert f"{pages / 'broken.json'}:1: document: expected a 'publication' property" in third.stderr
    assert "Files: 4 read, 3 imported, 1 failed" in third.stdout


def test_a_whole_archive_run_keeps_totals_and_failures_not_every_result():
    """``import_archive`` and ``generate_archive`` report with ``keep_files=False``, so
    their memory does not grow with the number of files; the API keeps each result."""
    imported = FileReport("issue-1.json", counts=Counter({("articles", "created"): 50}))
    imported.articles = [{"slug": f"article-{n}", "action": "created"} for n in range(50)]
    refused = FileReport("issue-2.json", error=ImportFileError("issue-2.json", 3, "bad"))
    run, api = ImportReport(keep_files=False), ImportReport()
    for report in (imported, refused, imported):
        run.add(report)
        api.add(report)
    assert run.files == [] and api.files == [imported, refused, imported]
    for report in (run, api):
        assert report.failed == [refused]
        assert report.summary()[0] == "Files: 3 read, 2 imported, 1 failed, 0 skipped"
        assert report.as_dict()["totals"]["articles"]["created"] == 100


@pytest.mark.parametrize("depth", [900, 100_000])
def test_a_deeply_nested_document_is_a_bad_file_and_the_run_goes_on(db, folder, depth):
    """Nesting deeper than Python can recurse is refused with its line, like any bad file;
    the files after it are still imported and the summary is printed."""
    nested = "[" * depth + "]" * depth
    deep = folder / "2010" / "0-deep.json"
    deep.write_text('{\n  "version": 1,\n  "issue": ' + nested + "\n}\n")
    stdout, stderr, _ = run_failing(str(folder))
    assert f"{deep}:3: expected a JSON document nested at most 64 deep" in stderr
    assert "Files: 5 read, 4 imported, 1 failed, 1 skipped" in stdout
    assert Article.objects.count() == 4
