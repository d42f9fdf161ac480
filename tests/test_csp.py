"""Every answer carries the Content-Security-Policy: HTML pages (the home page, the
admin, the docs, the browsable API) and JSON, feeds and sitemaps alike. The browser tests
(``test_csp_browser``) show the pages work under it."""

import pytest

from articles.models import Article
from tests.test_settings import PRODUCTION, manage


def policy(response) -> dict[str, str]:
    """The answer's policy, directive by directive (django-csp does not keep their order)."""
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PUBLIC = [
    ("/", "text/html"),
    ("/api/v1/", "application/json"),
    ("/api/v1/articles/", "application/json"),
    ("/api/v1/articles/trotskys-socialism/", "application/json"),
    ("/api/v1/articles/?q=trotsky", "application/json"),
    ("/api/v1/articles/nothing-here/", "application/json"),
    ("/api/v1/articles/?page_size=nonsense", "application/json"),
    ("/api/v1/schema/", "application/vnd.oai.openapi"),
    ("/api/v1/docs/", "text/html"),
    ("/api/v1/docs/?script=", "application/javascript"),
    ("/api/v1/feeds/articles.rss", "application/rss+xml"),
    ("/healthz", "application/json"),
    ("/admin/login/", "text/html"),
]


@pytest.mark.parametrize(("path", "content_type"), PUBLIC)
def test_public_answers_carry_the_policy(client, seed, path, content_type):
    response = client.get(path)
    assert response["Content-Type"].startswith(content_type), response["Content-Type"]
    assert policy(response) == POLICY


def test_the_browsable_api_allows_inline_styles_and_no_inline_script(client, seed):
    """DRF's templates hold style attributes; its scripts are files, as everywhere."""
    response = client.get("/api/v1/articles/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    assert policy(response) == {**POLICY, "style-src": "'self' 'unsafe-inline'"}


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        "/admin/articles/article/{pk}/change/",
        "/admin/articles/article/{pk}/history/",
        "/admin/articles/article/import/",
    ],
)
def test_admin_pages_carry_the_policy(admin_client, seed, path):
    response = admin_client.get(path.format(pk=Article.objects.get().pk))
    assert response.status_code == 200
    assert policy(response) == POLICY


def test_production_allows_images_from_the_media_storage():
    """Images in object storage come from its origin: the policy names it."""
    code = (
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    )
    custom = manage("shell", "-c", code, **PRODUCTION, AWS_S3_CUSTOM_DOMAIN="media.example.org")
    assert custom.stdout.splitlines()[-1] == "[\"'self'\", 'data:', 'https://media.example.org']"
    assert "https://*.amazonaws.com" in manage("shell", "-c", code, **PRODUCTION).stdout
