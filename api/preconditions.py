"""Writes over the API: no lost updates, nothing half-written, a revision of each, and a
409 for a delete that other records still need.

``PUT``, ``PATCH`` and ``DELETE`` lock the record's row for their transaction, so two
writes of one record run one after the other. A write that sends ``If-Match`` with the
``ETag`` its client got from ``GET`` of the same URL goes ahead only if the record would
still answer with that ``ETag``; otherwise it is a 412 and nothing is written.

The ``ETag`` is the one Django's conditional GET middleware gives the detail (a hash of
the response's bytes), computed the same way from the record's detail as this client
would read it now.
"""

import hashlib
from collections import defaultdict

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from articles.models import (
    Article,
    ArticleAuthor,
    Book,
    BookAuthor,
    Image,
    Issue,
    ReadingListEntry,
    ReadingListEntryBook,
)
from history.models import Change
from history.recording import ArticleWrite, record_deletion, record_versions

IF_MATCH_NOTE = (
    "Send `If-Match` with the `ETag` your GET of it answered, and the write goes ahead "
    "only if nobody has changed it since: else 412, and nothing is written."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The record's `ETag` as your last GET of it answered (or `*`).",
)
PRECONDITION_FAILED = OpenApiResponse(
    description="The record has changed since the `ETag` sent in `If-Match`: nothing "
    "was written. Read it again.",
)
CONFLICT = OpenApiResponse(
    response={
        "type": "object",
        "properties": {
            "detail": {"type": "string"},
            "needed_by": {
                "type": "array",
                "description": "The records that still need it (at most "
                "20), each by its type, its slug and its title or name.",
                "items": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "enum": ["article", "book", "issue"]},
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                    },
                    "required": ["type", "slug", "title"],
                },
            },
            "needed_by_count": {
                "type": "integer",
                "description": "How many records still need it, all told.",
            },
        },
        "required": ["detail", "needed_by", "needed_by_count"],
    },
    description="Other records still need this one (an issue's articles, an author's "
    "bylines or books, a book's reading-list entries): nothing was deleted. Delete or "
    "change them first.",
)
# A 409 names this many of the records that still need the one to delete.
NEEDED_BY_LISTED = 20


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The record has changed since you read it (If-Match does not match its ETag): "
        "read it again and reapply your change."
    )
    default_code = "precondition_failed"


class StillNeeded(APIException):
    """A 409 naming the records that a delete would leave without something they need."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "still_needed"

    def __init__(self, record, blocking):
        count, needing = _needing_records(blocking)
        names = ", ".join(f"{kind} “{title}”" for kind, _, title in needing[:3])
        more = count - 3
        detail = (
            f"“{record}” is still needed by {count} record(s): {names}"
            f"{f' and {more} more' if more > 0 else ''}. Nothing was deleted: delete or "
            "change them first."
        )
        super().__init__(detail)
        self.detail = {
            "detail": self.detail,
            "needed_by": [
                {"type": kind, "slug": slug, "title": title} for kind, slug, title in needing
            ],
            "needed_by_count": count,
        }


def _entries_articles(rows) -> set[int]:
    entries = {row.entry_id for row in rows}
    return set(
        ReadingListEntry.objects.filter(pk__in=entries).values_list("group__article_id", flat=True)
    )


# For each kind of row that can block a delete: the record a reader knows it by (a byline
# by its article, a credit by its book), and the ids of those records for the rows.
OWNERS = {
    Issue: (Issue, lambda rows: {row.pk for row in rows}),
    Article: (Article, lambda rows: {row.pk for row in rows}),
    ArticleAuthor: (Article, lambda rows: {row.article_id for row in rows}),
    ReadingListEntryBook: (Article, _entries_articles),
    BookAuthor: (Book, lambda rows: {row.book_id for row in rows}),
}


def _needing_records(blocking) -> tuple[int, list[tuple[str, str, str]]]:
    """How many records the rows that block a delete belong to, and the first
    ``NEEDED_BY_LISTED`` of them as (type, slug, title): in a few queries however many
    rows there are (Django has already loaded them)."""
    rows_by_kind = defaultdict(list)
    for row in blocking:
        rows_by_kind[type(row)].append(row)
    ids_by_owner = defaultdict(set)
    for kind, rows in rows_by_kind.items():
        owner, ids_of = OWNERS[kind]
        ids_by_owner[owner] |= ids_of(rows)
    count = sum(len(ids) for ids in ids_by_owner.values())
    needing = []
    # Articles first, then books, then issues: the same order whichever row came first.
    for owner in sorted(ids_by_owner, key=lambda model: model._meta.model_name):
        listed = sorted(ids_by_owner[owner])[: NEEDED_BY_LISTED - len(needing)]
        for record in owner.objects.filter(pk__in=listed).order_by("pk"):
            needing.append((owner._meta.model_name, record.slug, str(record)))
    return count, needing


class ConditionalWritesMixin:
    """For a writable viewset: each write in one transaction; ``PUT``, ``PATCH`` and
    ``DELETE`` with the row locked and ``If-Match`` checked; a delete that other records
    still need answered with a 409 naming them."""

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            return super().create(request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            self._lock_and_check(request)
            return super().update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        try:
            with transaction.atomic():
                self._lock_and_check(request)
                return super().destroy(request, *args, **kwargs)
        except ProtectedError as error:
            raise StillNeeded(self.get_object(), error.protected_objects) from None
        except RestrictedError as error:
            raise StillNeeded(self.get_object(), error.restricted_objects) from None

    def _lock_and_check(self, request) -> None:
        """Lock the record's row; a 412 if ``If-Match`` names another version of it.

        The record is found first as the write will find it (a 404 for a key that names
        nothing, or that is no key at all, such as ``images/null/``), then locked by id
        and read again."""
        record = self.get_object()
        list(type(record).objects.select_for_update().filter(pk=record.pk).values_list("pk"))
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
        """The ``ETag`` a ``GET`` of this record's URL would answer this client with."""
        record = self.get_object()
        context = self.get_serializer_context()
        data = self.detail_serializer_class(record, context=context).data
        content = JSONRenderer().render(data)
        return quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())


class ArticleWritesMixin(ConditionalWritesMixin):
    """For ``ArticleViewSet``: a revision (source ``api``) of each write that changes
    something, the article with its parts."""

    def perform_create(self, serializer):
        serializer.save()
        ArticleWrite().record(serializer.instance.pk, user=self.request.user, source="api")

    def perform_update(self, serializer):
        write = ArticleWrite(serializer.instance.pk)
        serializer.save()
        write.record(serializer.instance.pk, user=self.request.user, source="api")

    def perform_destroy(self, instance):
        record_deletion(instance, user=self.request.user, source="api")
        instance.delete()


class RecordWritesMixin(ConditionalWritesMixin):
    """For the writable records that are not articles (publications, issues, authors,
    books): a revision (source ``api``) of each create, of each update that changed
    something, naming the fields it changed, and of each delete."""

    def perform_create(self, serializer):
        serializer.save()
        record_versions(
            [serializer.instance],
            user=self.request.user,
            source="api",
            action=Change.Action.CREATED,
            fields=list(serializer.validated_data),
        )

    def perform_update(self, serializer):
        before = serializer.recorded_state(serializer.instance)
        serializer.save()
        after = serializer.recorded_state(serializer.instance)
        fields = [name for name in after if before[name] != after[name]]
        if fields:
            record_versions(
                [serializer.instance], user=self.request.user, source="api", fields=fields
            )

    def perform_destroy(self, instance):
        record_deletion(instance, user=self.request.user, source="api")
        instance.delete()


class ImageWritesMixin(ConditionalWritesMixin):
    """For ``ImageViewSet``: an image is a part of its article, so each write is a revision
    of the article (source ``api``), as a change on the image's admin page is."""

    def perform_create(self, serializer):
        article_id = serializer.validated_data["article"].pk
        write = ArticleWrite(article_id)
        serializer.save()
        write.record(article_id, user=self.request.user, source="api")

    def perform_update(self, serializer):
        article_id = serializer.instance.article_id
        write = ArticleWrite(article_id)
        serializer.save()
        write.record(article_id, user=self.request.user, source="api")

    def perform_destroy(self, instance: Image):
        write = ArticleWrite(instance.article_id)
        instance.delete()
        write.record(instance.article_id, user=self.request.user, source="api")
