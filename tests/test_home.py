"""A newcomer's first steps: the home page points the way, and ``make serve`` takes a port."""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent


class Links(HTMLParser):
    """Every ``href`` and ``src`` a page names."""

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("href", "src")]


def test_home_links_the_api_its_docs_and_the_admin(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    links = Links()
    links.feed(response.content.decode())
    assert {"/api/v1/", "/api/v1/docs/", "/api/v1/schema/", "/admin/"} <= set(links.urls)
    # Nothing from another site: every link is a path on this one, and each answers (a
    # static file: is there to serve; the test server serves none).
    for url in links.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), url
        else:
            assert client.get(url).status_code in (200, 302), url


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
@pytest.mark.parametrize(("arguments", "address"), [([], "8000"), (["PORT=8123"], "8123")])
def test_make_serve_takes_a_port(arguments, address):
    """``make serve PORT=…`` serves on that port; 8000 by default."""
    dry_run = subprocess.run(
        ["make", "--dry-run", "serve", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"manage.py runserver 127.0.0.1:{address}" in dry_run.stdout
