"""The API endpoint and the admin page run the same importer, for editors only."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.urls import reverse
from kombu import Connection
from rest_framework.authtoken.models import Token

from archive.celery import app
from articles.importing.jobs import QUEUE_UNREACHABLE, job_create
from articles.importing.reports import ACTIONS, KINDS
from articles.models import Article, ImportJob
from articles.tasks import run_import_job
from tests.conftest import SAMPLES_DIR
from tests.importing.conftest import database_state

IMPORTS = "/api/v1/imports/"
ADMIN_IMPORT = "/admin/articles/article/import/"
PARIS = SAMPLES_DIR / "2216-when-paris-rose.txt"
WINTER = SAMPLES_DIR / "2284-winter-of-discontent.txt"


def upload(path, content=None):
    data = path.read_bytes() if content is None else content
    return SimpleUploadedFile(path.name, data, content_type="text/plain")


@pytest.fixture
def staff_without_import_rights(django_user_model):
    """Staff who may change articles but not add them."""
    user = django_user_model.objects.create_user("reader", password="x" * 20, is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="change_article"))
    return user


def finished_report(client, response, **headers):
    """The report of the job a 202 answer started, followed through its URL."""
    assert response.status_code == 202, response.content
    url = response.json()["url"]
    assert response["Location"] == url
    job = client.get(url, **headers)
    assert job.status_code == 200
    assert job.json()["status"] == "finished"
    return job.json()["report"]


def test_editor_imports_files_through_the_api(editor_client, seed):
    """Two pages in one request: 202 and a job whose report has every article created
    (with no worker configured the job runs before the answer)."""
    response = editor_client.post(IMPORTS, {"file": [upload(PARIS), upload(WINTER)]})
    job = response.json()
    assert job["progress"] == {"files": 2, "done": 2}
    assert job["started_at"] and job["finished_at"] and job["error"] == ""
    body = finished_report(editor_client, response)
    assert body == job["report"]
    assert body["files"] == {"read": 2, "imported": 2, "failed": 0, "skipped": 0}
    assert body["totals"]["articles"]["created"] == 2
    assert [r["articles"][0]["action"] for r in body["results"]] == ["created", "created"]
    assert Article.objects.count() == 3


def test_token_authenticated_editor_can_import_and_dry_run(client, editor, seed):
    """A script with the editor's token may dry-run: the report, and nothing written."""
    token = Token.objects.create(user=editor)
    before = database_state()
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    response = client.post(IMPORTS, {"file": upload(PARIS), "dry_run": "true"}, **auth)
    report = finished_report(client, response, **auth)
    assert response.json()["dry_run"] is True
    assert report["dry_run"] is True
    assert report["totals"]["articles"]["created"] == 1
    assert database_state() == before


def test_a_job_is_seen_only_by_who_started_it(client, editor, newsroom_user, seed):
    """Another importer gets 404 for it, an anonymous client 401; a superuser sees it."""
    client.force_login(editor)
    url = client.post(IMPORTS, {"file": upload(PARIS)}).json()["url"]
    colleague = newsroom_user("colleague", group="Editors")
    client.force_login(colleague)
    assert client.get(url).status_code == 404
    assert client.get(url).json() == {"detail": "No import job of yours has that id."}
    colleague.is_superuser = True
    colleague.save()
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 401


def test_a_job_is_five_queries_however_many_files(client, editor, seed, django_assert_num_queries):
    """The token's user, their permissions (two), the job and its files: a job of three
    files costs what one does."""
    token = Token.objects.create(user=editor)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    files = [upload(PARIS), upload(WINTER), upload(PARIS, b"\xff")]
    url = client.post(IMPORTS, {"file": files}, **auth).json()["url"]
    with django_assert_num_queries(5):
        job = client.get(url, **auth).json()
    assert job["progress"] == {"files": 3, "done": 3}
    assert len(job["report"]["results"]) == 3


def test_an_upload_reaches_the_stash_without_being_read_whole(editor_client, seed, monkeypatch):
    """An upload larger than Django keeps in memory goes to a temporary file, which the
    stash takes over (a local stash moves it; object storage reads it a chunk at a
    time): nothing reads it whole in the web process."""
    reads, moved = [], []

    def spied_read(upload):
        def read(size=-1):
            reads.append(size)
            return upload.file.read(size)

        return read

    def spied_path(upload):
        moved.append(upload.name)
        return upload.file.name

    monkeypatch.setattr(TemporaryUploadedFile, "read", property(spied_read))
    monkeypatch.setattr(TemporaryUploadedFile, "temporary_file_path", spied_path)
    large = PARIS.read_bytes() + b"\n" * (settings.FILE_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = editor_client.post(IMPORTS, {"file": upload(PARIS, large)})
    assert finished_report(editor_client, response)["files"]["imported"] == 1
    assert moved == [PARIS.name]
    assert all(0 < size <= File.DEFAULT_CHUNK_SIZE for size in reads)


def test_an_unreachable_queue_answers_503_and_keeps_nothing(
    editor_client, seed, import_stash, monkeypatch
):
    """A broker configured but down: 503 with Retry-After, the job failed with its reason
    (nobody waits for it), its upload deleted and nothing imported."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(
        run_import_job,
        "delay",
        lambda *args: app.send_task(
            run_import_job.name,
            args,
            connection=Connection("redis://127.0.0.1:9/0"),
            retry_policy={"max_retries": 1, "interval_start": 0},
        ),
    )
    response = editor_client.post(IMPORTS, {"file": upload(PARIS)})
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "60"
    assert "task queue" in response.json()["detail"]
    job = ImportJob.objects.get()
    assert (job.status, job.error) == ("failed", QUEUE_UNREACHABLE)
    assert not [path for path in import_stash.rglob("*") if path.is_file()]
    assert Article.objects.count() == 1


def test_a_job_is_never_cached(editor_client, seed):
    """A polled resource: Cache-Control no-store, so every poll sees the job as it is."""
    url = editor_client.post(IMPORTS, {"file": upload(PARIS)}).json()["url"]
    assert "no-store" in editor_client.get(url)["Cache-Control"]


def test_a_bad_file_is_reported_with_file_line_and_reason(editor_client, seed):
    """A refused file: the job's report names it, its line and reason; nothing of it
    written, and the good file beside it imported."""
    before = database_state()
    broken = PARIS.read_bytes().replace(b"18:10 BST", b"teatime")
    response = editor_client.post(IMPORTS, {"file": [upload(PARIS, broken)]})
    report = finished_report(editor_client, response)
    assert report["files"]["failed"] == 1
    (error,) = report["errors"]
    assert error["file"] == PARIS.name
    assert error["line"] == 44
    assert error["reason"].startswith("expected a date line like")
    assert database_state() == before


def test_request_without_a_file_is_a_400(editor_client, db):
    """The missing field is named."""
    response = editor_client.post(IMPORTS, {})
    assert response.status_code == 400
    assert "file" in response.json()


def test_anonymous_clients_may_not_import(client, db):
    """No credentials: refused before anything is read."""
    response = client.post(IMPORTS, {"file": upload(PARIS)})
    assert response.status_code in (401, 403)
    assert not Article.objects.exists()


def test_non_staff_users_may_not_import(client, django_user_model, db):
    """A logged-in reader who is not staff gets 403, even with article permissions."""
    user = django_user_model.objects.create_user("member", password="x" * 20)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    client.force_login(user)
    assert client.post(IMPORTS, {"file": upload(PARIS)}).status_code == 403
    assert not Article.objects.exists()


def test_staff_without_add_permission_may_not_import(client, staff_without_import_rights, db):
    """An import creates articles: change permission alone is not enough."""
    client.force_login(staff_without_import_rights)
    assert client.post(IMPORTS, {"file": upload(PARIS)}).status_code == 403
    assert client.get(ADMIN_IMPORT).status_code == 403


def test_the_endpoint_is_in_the_openapi_schema(client, db):
    """Documented with its multipart body, its 202 answer and the job it points to."""
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/imports/"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    assert {"202", "400", "401", "403"} <= set(operation["responses"])
    job = {"$ref": "#/components/schemas/ImportJob"}
    assert operation["responses"]["202"]["content"]["application/json"]["schema"] == job
    follow = schema["paths"]["/api/v1/imports/{id}/"]["get"]
    assert follow["responses"]["200"]["content"]["application/json"]["schema"] == job
    assert {"401", "403", "404"} <= set(follow["responses"])


def test_the_documented_totals_are_every_kind_by_every_action(editor_client, seed):
    """The schema's report totals are KINDS × ACTIONS, in that order, as a report's are."""
    schemas = editor_client.get("/api/v1/schema/", {"format": "json"}).json()["components"]
    totals, counts = schemas["schemas"]["ImportTotals"], schemas["schemas"]["ImportCounts"]
    counts_ref = {"$ref": "#/components/schemas/ImportCounts"}
    assert list(totals["properties"].items()) == [(kind, counts_ref) for kind in KINDS]
    assert sorted(totals["required"]) == sorted(KINDS)
    integer = {"type": "integer"}
    assert list(counts["properties"].items()) == [(action, integer) for action in ACTIONS]
    assert sorted(counts["required"]) == sorted(ACTIONS)
    response = editor_client.post(IMPORTS, {"file": upload(PARIS), "dry_run": "true"})
    report = finished_report(editor_client, response)
    assert [(kind, list(n)) for kind, n in report["totals"].items()] == [
        (kind, list(ACTIONS)) for kind in KINDS
    ]


def test_article_list_links_to_the_import_page(editor_client, seed):
    """Editors find "Import archive files" on the article list."""
    page = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert ADMIN_IMPORT in page


def test_admin_upload_shows_the_dry_run_then_imports_on_confirmation(
    editor_client, seed, import_stash
):
    """Upload: a dry-run job whose page reports what would change, nothing written;
    confirm: an import job whose page reports what it did, and the stash emptied."""
    before = database_state()
    assert editor_client.get(ADMIN_IMPORT).status_code == 200
    posted = editor_client.post(ADMIN_IMPORT, {"files": [upload(PARIS), upload(WINTER)]})
    assert posted.status_code == 302
    dry_run = ImportJob.objects.get()
    assert posted["Location"] == f"{ADMIN_IMPORT}{dry_run.pk}/"
    preview = editor_client.get(posted["Location"])
    content = preview.content.decode()
    assert "What importing would do" in content
    assert "created: When Paris rose: the Commune of 1871" in content
    assert 'value="Import 2 file(s)"' in content
    assert database_state() == before

    done = editor_client.post(posted["Location"], {"confirm": "Import"}, follow=True)
    assert done.redirect_chain == [(f"{ADMIN_IMPORT}{dry_run.pk + 1}/", 302)]
    assert "What the import did" in done.content.decode()
    assert "Files: 2 read, 2 imported, 0 failed, 0 skipped" in done.content.decode()
    assert Article.objects.count() == 3
    assert not [path for path in import_stash.rglob("*") if path.is_file()]
    again = editor_client.post(posted["Location"], {"confirm": "Import"}, follow=True)
    assert "were imported or cancelled already, or have expired" in again.content.decode()
    assert Article.objects.count() == 3


def test_admin_job_page_waits_for_a_worker(editor_client, editor, seed, import_stash):
    """With a worker to wait for, the page says the job is queued and refreshes itself;
    there is nothing to confirm yet."""
    job = job_create(user=editor, uploads=[upload(PARIS)], dry_run=True)
    page = editor_client.get(f"{ADMIN_IMPORT}{job.pk}/").content.decode()
    assert "Waiting for a worker to take the job" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'name="confirm"' not in page


def test_an_editor_sees_only_their_own_jobs_in_the_admin(client, editor, newsroom_user, seed):
    """Another editor's job page is a 404, and confirming it imports nothing."""
    client.force_login(editor)
    page = client.post(ADMIN_IMPORT, {"files": [upload(PARIS)]})["Location"]
    client.force_login(newsroom_user("colleague", group="Editors"))
    assert client.get(page).status_code == 404
    assert client.post(page, {"confirm": "Import"}).status_code == 404
    assert Article.objects.count() == 1


def test_admin_upload_of_a_bad_file_shows_its_line_and_offers_nothing(editor_client, seed):
    """A refused file is shown with its line; there is nothing to confirm."""
    response = editor_client.post(ADMIN_IMPORT, {"files": [upload(PARIS, b"\xff")]}, follow=True)
    content = response.content.decode()
    assert "Line 1: expected UTF-8 text, found the byte 0xff" in content
    assert 'name="confirm"' not in content


@pytest.mark.parametrize("door", ["api", "admin"])
def test_a_file_over_the_upload_limit_is_refused_naming_it(editor_client, seed, door, monkeypatch):
    """Both doors refuse an oversized file before anything is stashed or imported."""
    monkeypatch.setattr("articles.importing.jobs.MAX_UPLOAD_BYTES", 1024 * 1024)
    big = upload(PARIS, b"x" * (1024 * 1024 + 1))
    before = database_state()
    if door == "api":
        response = editor_client.post(IMPORTS, {"file": [big]})
        assert response.status_code == 400
        assert response.json() == {"file": [f"{PARIS.name} is larger than 1 MB."]}
    else:
        response = editor_client.post(ADMIN_IMPORT, {"files": [big]})
        assert response.status_code == 200
        assert f"{PARIS.name} is larger than 1 MB." in response.content.decode()
    assert not ImportJob.objects.exists()
    assert database_state() == before


def test_more_files_than_django_takes_is_a_400_naming_the_limit(editor_client, seed, settings):
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
    files = [upload(PARIS) for _ in range(limit + 1)]
    response = editor_client.post(IMPORTS, {"file": files})
    assert response.status_code == 400
    assert str(limit) in response.json()["detail"]
    assert not ImportJob.objects.exists()
