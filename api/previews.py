"""Previews: an article as its readers will get it, before they can.

The admin's preview page and a headless front end's preview read the same JSON: the
article's detail shape as staff read it (``article_preview_data()``). A front end gets a
preview through a signed token naming the article (``preview_token()``), made when an
editor follows "Preview on the website"; ``GET /api/v1/previews/{token}/`` answers the
article's detail to whoever holds the token until it expires, with no login.
"""

from datetime import timedelta
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.db import router
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.models import Article

from .schema import DETAIL
from .serializers import ArticleDetailSerializer

PREVIEW_MAX_AGE = timedelta(hours=1)
TOKEN_SALT = "api.previews"


class ArticlePreviewSerializer(ArticleDetailSerializer):
    """The detail shape as staff read it, whoever asks: the token or the admin, not the
    reader, grants the preview, so ``status`` stays."""

    def available_fields(self, fields):
        return fields


def article_preview_data(article_id, request) -> dict | None:
    """The article's detail JSON as staff read it, from the primary database (an editor
    previews what they saved a moment ago); None if there is no such article."""
    article = (
        Article.objects.using(router.db_for_write(Article))
        .for_api_detail()
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        return None
    return ArticlePreviewSerializer(article, context={"request": request}).data


def preview_token(article: Article) -> str:
    """A signed token naming ``article``, good for ``PREVIEW_MAX_AGE``."""
    return signing.dumps(article.pk, salt=TOKEN_SALT)


def frontend_preview_url(article: Article) -> str | None:
    """The front end's preview page for ``article`` with a fresh token, when
    ``FRONTEND_PREVIEW_URL`` is set."""
    if not settings.FRONTEND_PREVIEW_URL:
        return None
    return settings.FRONTEND_PREVIEW_URL.replace("{token}", quote(preview_token(article)))


class PreviewExpired(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This preview link has expired: ask an editor for a new one."
    default_code = "expired"


def previewed_article_id(token: str):
    """The article a token names; 410 if it has expired, 404 if it is not one of ours."""
    try:
        return signing.loads(token, salt=TOKEN_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired as expired:
        raise PreviewExpired from expired
    except signing.BadSignature as forged:
        raise NotFound from forged


class ArticlePreviewView(APIView):
    """An article's detail, draft or not, for whoever holds a preview token."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="previews_retrieve",
        summary="Preview an article",
        description="The article a preview token names, exactly as `GET "
        "/api/v1/articles/{slug}/` answers staff (with `status`), whether it is a draft, "
        "scheduled or published, with no login: the token is the permission. Tokens come "
        "from the admin's \"Preview on the website\", which opens the front end's page "
        "`FRONTEND_PREVIEW_URL` with `{token}` filled in; pass it here as it came. The "
        "answer is the article as last saved. A token is good for "
        f"{PREVIEW_MAX_AGE.seconds // 60} minutes: after that the answer is 410, and a "
        "token that is not genuine (or names a deleted article) is a 404. Answers are "
        "`Cache-Control: private, no-store`: do not cache them or show them to readers "
        "beyond the editor previewing.",
        responses={
            200: ArticleDetailSerializer,
            410: OpenApiResponse(
                DETAIL,
                description="The token has expired: the editor asks the admin for a new link.",
            ),
        },
        tags=["previews"],
    )
    def get(self, request, token):
        data = article_preview_data(previewed_article_id(token), request)
        if data is None:
            raise NotFound
        return Response(data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response
