"""Article writes over the API: no lost updates, and a revision of each.

``PUT``, ``PATCH`` and ``DELETE`` lock the article's row for their transaction, so two
writes of one article run one after the other. A write that sends ``If-Match`` with the
``ETag`` its client got from ``GET`` of the same URL goes ahead only if the article would
still answer with that ``ETag``; otherwise it is a 412 and nothing is written.

The ``ETag`` is the one Django's conditional GET middleware gives the detail (a hash of
the response's bytes), computed the same way from the article's detail as this client
would read it now.
"""

import hashlib

from django.db import transaction
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from articles.models import Article
from history.recording import ArticleWrite, record_deletion

from . import serializers

IF_MATCH_NOTE = (
    "Send `If-Match` with the `ETag` your GET of the article answered, and the write "
    "goes ahead only if nobody has changed the article since: else 412, and nothing is "
    "written."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The article's `ETag` as your last GET of it answered (or `*`).",
)
PRECONDITION_FAILED = OpenApiResponse(
    description="The article has changed since the `ETag` sent in `If-Match`: nothing "
    "was written. Read the article again.",
)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The article has changed since you read it (If-Match does not match its ETag): "
        "read it again and reapply your change."
    )
    default_code = "precondition_failed"


class ArticleWritesMixin:
    """For ``ArticleViewSet``: If-Match, the row lock, and a revision (source ``api``) of
    each write that changes something."""

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self._lock_and_check(request)
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            self._lock_and_check(request)
            return super().destroy(request, *args, **kwargs)

    def perform_create(self, serializer):
        with transaction.atomic():
            serializer.save()
            ArticleWrite().record(serializer.instance.pk, user=self.request.user, source="api")

    def perform_update(self, serializer):
        write = ArticleWrite(serializer.instance.pk)
        serializer.save()
        write.record(serializer.instance.pk, user=self.request.user, source="api")

    def perform_destroy(self, instance):
        record_deletion(instance, user=self.request.user, source="api")
        instance.delete()

    def _lock_and_check(self, request) -> None:
        """Lock the article's row; a 412 if ``If-Match`` names another version of it."""
        slug = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        list(Article.objects.select_for_update().filter(slug=slug).values_list("pk"))
        header = request.headers.get("If-Match")
        if header is None:
            return
        wanted = parse_etags(header)
        if "*" in wanted:
            return
        current = self.current_etag()
        if current not in wanted and f"W/{current}" not in wanted:
            raise PreconditionFailed

    def current_etag(self) -> str:
        """The ``ETag`` a ``GET`` of this article's URL would answer this client with."""
        article = self.get_object()
        context = self.get_serializer_context()
        data = serializers.ArticleDetailSerializer(article, context=context).data
        content = JSONRenderer().render(data)
        return quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())
