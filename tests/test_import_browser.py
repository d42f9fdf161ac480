"""The import pages in Chromium: upload, follow the job, confirm."""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from articles.importing.jobs import job_create, job_run
from articles.models import Article, ImportJob
from tests.browser import BROWSER_TESTS
from tests.conftest import SAMPLES_DIR

pytestmark = BROWSER_TESTS

PARIS = SAMPLES_DIR / "2216-when-paris-rose.txt"
WINTER = SAMPLES_DIR / "2284-winter-of-discontent.txt"


def test_an_editor_uploads_checks_and_imports(logged_in_page, live_server, import_stash):
    """Check files: the dry run's page with its report; Import: the import job's page."""
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.click("text=Import archive files")
    page.set_input_files("#id_files", [PARIS, WINTER])
    page.click("input[value='Check files']")
    page.wait_for_selector("text=What importing would do")
    assert "created: When Paris rose: the Commune of 1871" in page.content()
    assert not Article.objects.filter(issue__number=2216).exists()

    page.click("input[value='Import 2 file(s)']")
    page.wait_for_selector("text=What the import did")
    assert "Files: 2 read, 2 imported, 0 failed, 0 skipped" in page.content()
    assert Article.objects.count() == 3
    assert list(ImportJob.objects.values_list("dry_run", "status")) == [
        (False, "finished"),
        (True, "finished"),
    ]


def test_the_job_page_follows_a_job_a_worker_runs(logged_in_page, live_server, import_stash):
    """A queued job's page says so, and shows the report by itself once a worker (here
    the test) has run the job."""
    chief = get_user_model().objects.get(username="chief")
    uploaded = SimpleUploadedFile(PARIS.name, PARIS.read_bytes())
    job = job_create(user=chief, uploads=[uploaded], dry_run=True)
    page = logged_in_page
    page.goto(f"{live_server.url}/admin/articles/article/import/{job.pk}/")
    assert "Waiting for a worker to take the job" in page.content()
    job_run(job_id=job.pk)
    page.wait_for_selector("input[value='Import 1 file(s)']", timeout=10_000)
    assert "created: When Paris rose: the Commune of 1871" in page.content()
