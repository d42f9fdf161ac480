"""Two imports of one issue at the same moment leave one issue and one copy of each article."""

import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from articles.models import Article, Author, Book, BookAuthor, Issue, Publication
from tests.conftest import SAMPLES_DIR
from tests.importing.conftest import import_one

PARIS = SAMPLES_DIR / "2216-when-paris-rose.txt"
LIBRARY = SAMPLES_DIR / "2216-library-workers-walk-out.txt"
PROJECT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite locks the whole database per write, so imports cannot overlap there; "
        "the row locks and constraint races this test exercises need PostgreSQL",
    ),
]


def import_at_once(*paths):
    """Import each path in its own thread and connection, all starting together."""
    barrier = threading.Barrier(len(paths))
    reports = [None] * len(paths)

    def work(index, path):
        try:
            barrier.wait()
            reports[index] = import_one(path)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=item) for item in enumerate(paths)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return reports


@pytest.mark.parametrize("rounds", range(3))
@pytest.mark.parametrize("seeded", [False, True], ids=["empty", "seeded"])
def test_the_same_page_twice_at_once_makes_one_of_everything(seeded, rounds):
    """Both imports succeed: one creates, the other waits for it and finds it all there."""
    # Empty, both race to create the publication; seeded, they race for the issue.
    if seeded:
        call_command("loaddata", "seed", verbosity=0)
    before = {model: model.objects.count() for model in (Issue, Article, Author, Book)}
    reports = import_at_once(PARIS, PARIS)
    assert [report.error for report in reports] == [None, None]
    assert sorted(r.articles[0]["action"] for r in reports) == ["created", "unchanged"]
    assert Publication.objects.count() == 1
    assert Issue.objects.count() == before[Issue] + 1
    assert Article.objects.count() == before[Article] + 1
    assert Author.objects.count() == before[Author] + 3
    assert Book.objects.count() == before[Book] + 2
    assert BookAuthor.objects.filter(book__title="The Paris Commune").count() == 1


def test_two_pages_of_one_new_issue_at_once_share_it():
    """Two articles of a new issue, imported together: one issue holding both."""
    reports = import_at_once(PARIS, LIBRARY)
    assert [report.error for report in reports] == [None, None]
    assert Issue.objects.get().articles.count() == 2
    assert Publication.objects.count() == 1


def test_import_archive_jobs_imports_in_worker_processes(tmp_path):
    """``--jobs 2``: files import side by side; the report is the same as one at a time."""
    for path in SAMPLES_DIR.glob("*.txt"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "broken.txt").write_text("Socialist Worker\n")
    stdout = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_archive", str(tmp_path), jobs=2, stdout=stdout, stderr=io.StringIO())
    assert "Files: 4 read, 3 imported, 1 failed, 0 skipped" in stdout.getvalue()
    assert "articles            3          0          0          0" in stdout.getvalue()
    assert Issue.objects.count() == 2 and Article.objects.count() == 3


def test_two_import_processes_of_one_issue_at_once(tmp_path):
    """Two ``manage.py import_archive`` processes on the same issue: no duplicates."""
    for path in (PARIS, LIBRARY):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    environ = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "manage.py", "import_archive", str(tmp_path), "--quiet"]
    processes = [
        subprocess.Popen(command, cwd=PROJECT, env=environ, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    for process in processes:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors
    assert Publication.objects.count() == 1
    assert Issue.objects.get().articles.count() == 2
    assert Article.objects.count() == 2
    assert Author.objects.filter(name="Donny Gluckstein").count() == 1
    assert BookAuthor.objects.filter(book__title="The Paris Commune").count() == 1
