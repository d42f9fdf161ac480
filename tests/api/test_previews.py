"""``GET /api/v1/previews/{token}/``: a draft's detail for whoever holds a signed token,
until it expires."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from api.previews import PREVIEW_MAX_AGE, TOKEN_SALT, preview_token
from articles.models import Article


def preview(api, token):
    return api.get(f"/api/v1/previews/{token}/")


@pytest.fixture
def draft(unpublished):
    return unpublished[0]


def test_a_draft_is_previewed_without_login(api, draft):
    response = preview(api, preview_token(draft))
    assert response.status_code == 200
    assert response.json()["headline"] == "Draft on the dockers"
    assert response.json()["status"] == "draft"
    assert api.get(f"/api/v1/articles/{draft.slug}/").status_code == 404


@pytest.mark.parametrize("which", ["seed", "draft", "scheduled"])
def test_the_answer_is_the_staff_detail_exactly(api, editor_api, unpublished, which):
    """Same keys in the same order, same values, as staff read the article's detail."""
    article = {
        "seed": Article.objects.get(slug="trotskys-socialism"),
        "draft": unpublished[0],
        "scheduled": unpublished[1],
    }[which]
    staff = editor_api.get(f"/api/v1/articles/{article.slug}/")
    previewed = preview(api, preview_token(article))
    assert previewed.status_code == staff.status_code == 200
    assert list(previewed.json()) == list(staff.json())
    assert previewed.json() == staff.json()


def test_the_answer_is_never_cached(api, draft):
    """Private and not stored, and not kept in the shared response cache: a change that
    retires no cached response (a bulk update sends no signal) still shows at once."""
    token = preview_token(draft)
    response = preview(api, token)
    assert response["Cache-Control"] == "private, no-store"
    Article.objects.filter(pk=draft.pk).update(headline="Draft on the dockers, revised")
    assert preview(api, token).json()["headline"] == "Draft on the dockers, revised"


def test_an_expired_token_is_410_and_a_fresh_one_works(api, draft):
    """Tokens hold for PREVIEW_MAX_AGE from when they were made, by the clock."""
    made = timezone.now()
    with time_machine.travel(made, tick=False):
        token = preview_token(draft)
    with time_machine.travel(made + PREVIEW_MAX_AGE - dt.timedelta(seconds=1), tick=False):
        assert preview(api, token).status_code == 200
    with time_machine.travel(made + PREVIEW_MAX_AGE + dt.timedelta(seconds=1), tick=False):
        response = preview(api, token)
    assert response.status_code == 410
    assert response["Cache-Control"] == "private, no-store"
    assert response.json() == {
        "detail": "This preview link has expired: ask an editor for a new one."
    }


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        "",
        # Signed with another salt: a token from elsewhere in the site is no preview.
        signing.dumps(1, salt="articles.admin.import"),
        # Another article's number under a signature that is not ours.
        signing.dumps(1, salt=TOKEN_SALT, key="not-the-secret-key"),
    ],
)
def test_a_forged_token_is_404(api, draft, token):
    response = preview(api, token or "%20")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_tampered_token_is_404(api, unpublished):
    """A draft's token rewritten to name another article is refused."""
    draft, other = unpublished
    _, timestamp, signature = preview_token(draft).split(":")
    forged = signing.b64_encode(str(other.pk).encode()).decode()
    assert preview(api, f"{forged}:{timestamp}:{signature}").status_code == 404


def test_a_deleted_article_is_404(api, draft):
    token = preview_token(draft)
    draft.delete()
    assert preview(api, token).status_code == 404


def test_a_preview_is_one_query(api, draft, django_assert_num_queries):
    token = preview_token(draft)
    preview(api, token)  # warms per-connection checks, e.g. SQLite's JSON support
    with django_assert_num_queries(1):
        assert preview(api, token).status_code == 200


def test_the_schema_documents_previews_for_front_end_developers(api):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/previews/{token}/"]["get"]
    assert "expired" in operation["responses"]["410"]["description"]
    assert {"200", "404", "410"} <= set(operation["responses"])
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ArticleDetail"
    }
    assert "FRONTEND_PREVIEW_URL" in operation["description"]
