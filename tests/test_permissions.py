"""Who may do what, as a matrix: four kinds of user against every write route, drafts and
the admin; tokens made and revoked in the admin; secrets kept out of logs and answers."""

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.article_views import ArticleViewSet
from articles.models import Article
from tests.conftest import SAMPLES_DIR
from tests.factories import ArticleFactory
from tests.test_settings import PROJECT

PASSWORD = "correct-horse-battery-staple-42"
ROLES = ("anonymous", "reader", "editor", "superuser")
SEED = "/api/v1/articles/trotskys-socialism/"
DRAFT = "/api/v1/articles/draft-on-the-dockers/"
NEW_ARTICLE = {
    "issue": "socialist-worker-2215",
    "headline": "A new piece",
    "slug": "a-new-piece",
    "body": "One paragraph.",
    "status": "draft",
}
CORRECTION = {**NEW_ARTICLE, "slug": "trotskys-socialism", "headline": "Corrected"}


@pytest.fixture
def users(db, django_user_model, settings):
    """One user per role: a reader (logged in, not staff), an editor, a superuser."""
    # The real hasher is slow on purpose; this matrix logs in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reader = django_user_model.objects.create_user("reader", password=PASSWORD)
    editor = django_user_model.objects.create_user("editor", password=PASSWORD, is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    chief = django_user_model.objects.create_superuser("chief", password=PASSWORD)
    return {"reader": reader, "editor": editor, "superuser": chief}


@pytest.fixture
def as_role(users, seed):
    """An API client for a role, authenticated by a DRF token as a script would be."""
    ArticleFactory(headline="Draft on the dockers", status=Article.Status.DRAFT, published_at=None)

    def client_for(role):
        client = APIClient()
        if role != "anonymous":
            token = Token.objects.create(user=users[role])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def expect(anonymous, reader, editor, superuser):
    return dict(zip(ROLES, (anonymous, reader, editor, superuser), strict=True))


# Anonymous writers are asked to authenticate (401); logged-in users without the model
# permission are refused (403); editors and superusers write, except a delete that other
# records still need (409: the seed's issue has its article, the author her byline...).
WRITES = [
    ("post", "/api/v1/articles/", NEW_ARTICLE, expect(401, 403, 201, 201)),
    ("put", SEED, CORRECTION, expect(401, 403, 200, 200)),
    ("patch", SEED, {"headline": "Corrected"}, expect(401, 403, 200, 200)),
    ("delete", SEED, None, expect(401, 403, 204, 204)),
    ("patch", DRAFT, {"headline": "Corrected"}, expect(401, 403, 200, 200)),
    ("delete", DRAFT, None, expect(401, 403, 204, 204)),
]
for resource, detail, new, replaced, deleted in [
    ("publications", "socialist-worker", {"name": "Morning Star"}, {"name": "SW"}, 409),
    (
        "issues",
        "socialist-worker-2215",
        {"publication": "socialist-worker", "number": 2216},
        {"publication": "socialist-worker", "number": 2215, "date": "2010-08-17"},
        409,
    ),
    ("authors", "esme-choonara", {"name": "Tony Cliff"}, {"name": "E. Choonara"}, 409),
    ("books", "my-life", {"title": "Their Morals and Ours"}, {"title": "My Life (1930)"}, 409),
    (
        "images",
        "{image}",
        {"article": "trotskys-socialism", "caption": "Trotsky in Mexico"},
        {"article": "trotskys-socialism", "caption": "Trotsky in 1918"},
        204,
    ),
]:
    url = f"/api/v1/{resource}/{detail}/"
    WRITES += [
        ("post", f"/api/v1/{resource}/", new, expect(401, 403, 201, 201)),
        ("put", url, replaced, expect(401, 403, 200, 200)),
        ("patch", url, replaced, expect(401, 403, 200, 200)),
        ("delete", url, None, expect(401, 403, deleted, deleted)),
    ]


def test_a_read_builds_no_queryset_to_check_its_permission(as_role, monkeypatch):
    """A read needs no model permission, so the check builds no queryset (DRF's builds the
    view's to learn the model). The public's stored detail then reads through a statement
    of its own; editors' details are serialized from the queryset."""
    built = []
    build = ArticleViewSet.get_queryset

    def counted(view):
        built.append(view.request.user.get_username() or "anonymous")
        return build(view)

    monkeypatch.setattr(ArticleViewSet, "get_queryset", counted)
    for role in ROLES:
        assert as_role(role).get(SEED).status_code == 200
    assert built == ["editor", "chief"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "payload", "expected"),
    WRITES,
    ids=[f"{method.upper()} {url}" for method, url, _, _ in WRITES],
)
def test_write_routes(as_role, role, method, url, payload, expected):
    """Each role gets exactly the documented answer on each write route."""
    url = url.format(image=Article.objects.get(slug="trotskys-socialism").images.first().pk)
    response = getattr(as_role(role), method)(url, payload, format="json")
    assert response.status_code == expected[role], response.content
    if expected[role] in (401, 403):
        assert set(response.json()) == {"detail"}


@pytest.mark.parametrize(
    ("role", "expected", "imported"),
    [
        ("anonymous", 401, False),
        ("reader", 403, False),
        ("editor", 202, True),
        ("superuser", 202, True),
    ],
)
def test_who_imports(as_role, role, expected, imported):
    """Only editors who may add and change articles load files through the API."""
    page = SAMPLES_DIR / "2216-when-paris-rose.txt"
    upload = SimpleUploadedFile(page.name, page.read_bytes(), content_type="text/plain")
    response = as_role(role).post("/api/v1/imports/", {"file": [upload]}, format="multipart")
    assert response.status_code == expected, response.content
    assert Article.objects.filter(issue__number=2216).exists() is imported


@pytest.mark.parametrize(
    ("role", "draft_status", "listed"),
    [
        ("anonymous", 404, False),
        ("reader", 404, False),
        ("editor", 200, True),
        ("superuser", 200, True),
    ],
)
def test_who_reads_drafts(as_role, role, draft_status, listed):
    """Only staff see drafts, by slug or in lists; to others a draft does not exist."""
    client = as_role(role)
    assert client.get(DRAFT).status_code == draft_status
    slugs = [item["slug"] for item in client.get("/api/v1/articles/").json()["results"]]
    assert ("draft-on-the-dockers" in slugs) is listed


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/admin/", expect(302, 302, 200, 200)),
        ("/admin/articles/article/", expect(302, 302, 200, 200)),
        ("/admin/articles/article/add/", expect(302, 302, 200, 200)),
        ("/admin/articles/image/add/", expect(302, 302, 200, 200)),
        ("/admin/articles/article/import/", expect(302, 302, 200, 200)),
        # Accounts and tokens are the superuser's alone.
        ("/admin/auth/user/", expect(302, 302, 403, 200)),
        ("/admin/authtoken/tokenproxy/", expect(302, 302, 403, 200)),
        ("/admin/authtoken/tokenproxy/add/", expect(302, 302, 403, 200)),
    ],
)
@pytest.mark.parametrize("role", ROLES)
def test_the_admin(client, users, seed, role, path, expected):
    """Anonymous visitors and non-staff users are sent to the login page."""
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(path)
    assert response.status_code == expected[role]
    if expected[role] == 302:
        assert response["Location"].startswith("/admin/login/")


def test_a_superuser_creates_and_revokes_a_token_in_the_admin(client, users, seed):
    """A token made in the admin opens the API to its editor; once revoked it answers 401."""
    editor = users["editor"]
    client.force_login(users["superuser"])
    response = client.post("/admin/authtoken/tokenproxy/add/", {"user": editor.pk})
    assert response.status_code == 302
    key = Token.objects.get(user=editor).key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.patch(SEED, {"headline": "By token"}, format="json").status_code == 200

    delete_url = f"/admin/authtoken/tokenproxy/{editor.pk}/delete/"
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Token.objects.filter(user=editor).exists()
    for response in (api.get("/api/v1/articles/"), api.patch(SEED, {"headline": "X"})):
        assert response.status_code == 401
        assert response.json() == {"detail": "Invalid token."}
        assert key not in response.content.decode()


def test_passwords_and_tokens_stay_out_of_logs_and_answers(client, users, seed, caplog):
    """Logins (failed and good), token calls and their errors: no secret is echoed or logged."""
    caplog.set_level(logging.DEBUG)
    key = Token.objects.create(user=users["editor"]).key
    forged = key[:-4] + "dead"
    bodies = []

    bodies.append(client.post("/admin/login/", {"username": "editor", "password": "x" + PASSWORD}))
    bodies.append(client.post("/admin/login/", {"username": "editor", "password": PASSWORD}))
    api = APIClient()
    for token in (key, forged):
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        bodies.append(api.get(SEED))
        bodies.append(api.post("/api/v1/articles/", {"headline": PASSWORD}, format="json"))
        bodies.append(api.get("/api/v1/articles/", {"page_size": 1000}))
        bodies.append(api.get("/api/v1/articles/no-such-article/"))
    assert {response.status_code for response in bodies} >= {200, 302, 400, 401, 404}
    for response in bodies:
        content = response.content.decode()
        assert "x" + PASSWORD not in content
        assert key not in content
        assert forged not in content
    assert caplog.records, "the requests above log their 4xx answers"
    for secret in (PASSWORD, key, forged):
        assert secret not in caplog.text


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_access_log_leaves_out_tokens_cookies_and_bodies(tmp_path):
    """The production access log records the request line and status, never credentials."""
    port = free_port()
    environment = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        # /healthz touches no database; this one is never created.
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:archive.gunicorn", "archive.wsgi"],
            cwd=PROJECT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not answer: {log.read_text()}")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/healthz?page=2",
            data=f"username=editor&password={PASSWORD}".encode(),
            headers={
                "Authorization": "Token secret-token-in-a-header",
                "Cookie": "sessionid=secret-session-cookie",
            },
        )
        # Refused (health checks are read, never posted to), which makes no difference to
        # the log line.
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    text = log.read_text()
    assert '"POST /healthz?page=2 HTTP/1.1" 405' in text
    for secret in ("secret-token-in-a-header", "secret-session-cookie", PASSWORD):
        assert secret not in text
