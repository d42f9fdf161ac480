"""The change feed, ``GET /api/v1/changes/?since=<cursor>``: what changed in the archive,
in order, for mirrors and static sites to follow (``history.feed`` writes the events).

Staff read their feed, every record as it changed; everyone else reads the readers'
feed, which holds only what the public may see. Each feed is read in (``at``, ``id``)
order up to ``CHANGES_FEED_DELAY`` seconds ago: an event is written shortly before its
transaction commits, so by then every event dated up to that moment is either committed
or, on a write that failed, never will be; a cursor never passes an event that could
still appear. A readers' event dated in the future (a scheduled publication) waits in
its place until its time.
"""

import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.readers import reads_drafts
from history.models import Event

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

BAD_CURSOR = "Not a cursor this feed gave: resume from an event's `cursor` or a page's `next`."

# How each type's detail route names a record.
DETAIL_ROUTES = {
    Event.Type.PUBLICATION: "api:publication-detail",
    Event.Type.ISSUE: "api:issue-detail",
    Event.Type.ARTICLE: "api:article-detail",
    Event.Type.AUTHOR: "api:author-detail",
    Event.Type.BOOK: "api:book-detail",
    Event.Type.TOPIC: "api:topic-detail",
}


def encode_cursor(event: Event) -> str:
    position = f"{event.at.isoformat()}|{event.pk}".encode()
    return base64.urlsafe_b64encode(position).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor names; a 400 naming ``since`` if it names none."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, pk = text.split("|")
        at, pk = datetime.fromisoformat(at), int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValidationError({"since": [BAD_CURSOR]}) from None
    if at.tzinfo is None or pk < 1 or pk > 2**63 - 1:
        raise ValidationError({"since": [BAD_CURSOR]})
    return at, pk


def _page_size(request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError(
            {"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}, e.g. page_size=500."]}
        )
    return int(raw)


@extend_schema_serializer(
    description="One change: a record was created, updated or deleted, as you may see it."
)
class ChangeSerializer(serializers.Serializer):
    cursor = serializers.SerializerMethodField(
        help_text="This event's position: `?since=` this cursor resumes after it."
    )
    at = serializers.DateTimeField(
        help_text="When the change happened; for readers, a scheduled article's publication time."
    )
    action = serializers.ChoiceField(
        choices=Event.Action.choices,
        help_text="`created`: fetch it and keep it. `updated`: fetch it again. `deleted`: "
        "forget it (deleted, unpublished, or no longer visible to you; a changed slug is a "
        "`deleted` of the old one and a `created` of the new).",
    )
    type = serializers.ChoiceField(choices=Event.Type.choices, help_text="The kind of record.")
    slug = serializers.SerializerMethodField(
        help_text="The record's slug (then); null for images, which are named by `id`."
    )
    id = serializers.IntegerField(source="object_id", help_text="The record's id.")
    url = serializers.SerializerMethodField(
        help_text="The record's detail in this API (by slug, or by id for images): where "
        "to fetch it, or where it was."
    )

    def get_cursor(self, event) -> str:
        return encode_cursor(event)

    def get_slug(self, event) -> str | None:
        return event.slug if event.type != Event.Type.IMAGE else None

    def get_url(self, event) -> str:
        if event.type == Event.Type.IMAGE:
            path = reverse("api:image-detail", kwargs={"pk": event.object_id})
        else:
            path = reverse(DETAIL_ROUTES[event.type], kwargs={"slug": event.slug})
        return self.context["request"].build_absolute_uri(path)


@extend_schema_serializer(description="A page of the change feed.")
class ChangePageSerializer(serializers.Serializer):
    next = serializers.URLField(
        help_text="Where to read on: the next page, or after the last page the URL to poll "
        "for what happens next. Never null."
    )
    cursor = serializers.CharField(
        allow_null=True,
        help_text="The position `next` resumes from: keep it between syncs. Null only when "
        "the feed is empty and no `since` was given.",
    )
    more = serializers.BooleanField(
        help_text="Whether more events are there to read now; false once you are up to date."
    )
    results = ChangeSerializer(many=True, help_text="The events, oldest first.")


class ChangeFeedView(APIView):
    """The change feed: the reader's feed (``Event.Feed``) from a cursor, one page."""

    # Read-only and open to all; what each reader gets is decided in ``get``.
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        operation_id="changes_list",
        description="What changed in the archive, oldest first, for keeping a mirror or a "
        "static site in sync. Each event names a record (`type`, `slug`, or `id` for "
        "images, and its `url`) and what happened to it: `created`, `updated` or `deleted`. "
        "Follow `next` until `more` is false, keep the page's `cursor`, and come back with "
        "`?since=<cursor>`: you get every event after it, each once, in order.\n\n"
        "Anonymous readers see published content only: a draft's creation and edits are "
        "not events; its publication is its `created`; its unpublishing or deletion is its "
        "`deleted` (a tombstone). A scheduled article appears when its time comes, dated "
        "then, after any cursor you held before. Authors, books and issues appear while "
        "they have a published article (or none at all), as the lists show them. Staff see "
        "every change to every record as it happened, drafts included.\n\n"
        "Events appear a few seconds after their change (`CHANGES_FEED_DELAY`), once every "
        "write that could come before them has committed. An event says what changed, not "
        "how: fetch the record for its content.",
        parameters=[
            OpenApiParameter(
                "since",
                str,
                description="Start after this cursor (an event's `cursor` or a page's "
                "`cursor`); omit it to read the feed from its start. A cursor this feed did "
                "not give is a 400.",
            ),
            OpenApiParameter(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                description=f"Events per page, 1 to {MAX_PAGE_SIZE} (default {PAGE_SIZE}).",
            ),
        ],
        responses=ChangePageSerializer,
    )
    def get(self, request):
        since = request.query_params.get("since")
        size = _page_size(request)
        feed = Event.Feed.STAFF if reads_drafts(request.user) else Event.Feed.READERS
        horizon = timezone.now() - timedelta(seconds=settings.CHANGES_FEED_DELAY)
        events = Event.objects.filter(feed=feed, at__lte=horizon).order_by("at", "id")
        if since:
            at, pk = decode_cursor(since)
            events = events.filter(Q(at__gt=at) | Q(at=at, id__gt=pk))
        page = list(events[: size + 1])
        more, page = len(page) > size, page[:size]
        cursor = encode_cursor(page[-1]) if page else since or None
        query = {"since": cursor} if cursor else {}
        if size != PAGE_SIZE:
            query["page_size"] = size
        data = {
            "next": request.build_absolute_uri(reverse("api:changes"))
            + ("?" + "&".join(f"{name}={value}" for name, value in query.items()) if query else ""),
            "cursor": cursor,
            "more": more,
            "results": ChangeSerializer(page, many=True, context={"request": request}).data,
        }
        response = Response(data)
        patch_vary_headers(response, ("Cookie", "Authorization"))
        if feed == Event.Feed.STAFF:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            # A page read a little late holds fewer events, never wrong ones: its cursor
            # resumes before whatever it missed.
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_MAX_AGE)
        if page:
            response.headers["Last-Modified"] = http_date(page[-1].at.timestamp())
        return response
