"""Articles rendered once and served many times.

An archive is read thousands of times for each write, so an article's list item and
detail are rendered as the API's JSON when it is written, in the write's transaction,
and stored (``ArticleDocument``). A reader of published content then gets a page as the
stored documents of its rows, joined in the list's order: no serializer runs. The
articles an issue's, an author's, a book's or a topic's page embeds, and an article's
related articles, are their stored list items too.

Every write that changes what an article shows says so through ``records_changed``
(signals for saves and deletes, the importer and bulk actions by name), which names the
articles whose pages show it: their documents are rendered again there, before the
transaction commits (``articles_changed``). Two writes do not say which rows they let go
of: a topic's deletion takes its filings with it, and a many-to-many ``clear()`` empties a
relation; so the articles that showed those rows are noted before they go. An article's
deletion deletes its parts first, whose signals render it once more: its document goes
after it.

Two things a document cannot know are settled when it is served. Its URLs are rendered
for ``RENDERED_ORIGIN`` and given the request's scheme and host; a document whose own
text holds that origin is not stored (its article is serialized for each request, as
every article used to be). Documents rendered under other settings (``fingerprint``) or
by code of another ``DOCUMENT_FORMAT`` are not served: ``manage.py render_documents``
renders them again. A search's items are the stored items with their passage added.
Readers of drafts, sparse fieldsets and formats other than plain JSON are served by the
serializers, as before.
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, signals
from django.http import HttpRequest
from django.utils.functional import cached_property
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from articles.caching import articles_changed, articles_showing
from articles.expressions import CompiledSubquery
from articles.models import Article, ArticleDocument, Book, ReadingListEntry, Topic

from .filters import ARTICLE_ORDERINGS
from .serializers import ArticleDetailSerializer, ArticleListSerializer

# The origin documents are rendered for: reserved (RFC 2606), so no request comes from it.
RENDERED_ORIGIN = "http://rendered.invalid"
# Raise it when an article's JSON changes shape, so that documents rendered by the code
# before are no longer served.
DOCUMENT_FORMAT = 2
# Articles rendered a statement at a time.
RENDER_CHUNK = 500
# More articles than a write renders in its own transaction: renaming a publication or a
# topic of a large archive would keep an editor's save running for minutes. Their
# documents are deleted instead (so they are served by the serializers, as documents
# rendered under other settings are) until ``render_documents`` renders them.
RENDER_IN_WRITE_LIMIT = 5000

logger = logging.getLogger(__name__)

# Rows of stored items, for the public, built once per process: a page of the list, the
# articles an issue's or an author's page embeds, an article's related articles. Each
# row's item is a subquery rather than a join: PostgreSQL computes it for the page's rows
# only, after the order is settled, where a join would read the stored item of every row
# that the order is chosen from (every match of a search by relevance). The rows load
# only their keys and the columns the cursor reads: what is served is their stored items.
_stored = ArticleDocument.objects.filter(article=OuterRef("pk"))
PUBLIC_STORED_ITEMS = (
    Article.objects.published()
    .only("pk", *ARTICLE_ORDERINGS)
    .annotate(
        stored_item=CompiledSubquery(_stored.values("item")),
        stored_fingerprint=CompiledSubquery(_stored.values("fingerprint")),
    )
)


def fingerprint() -> str:
    """What a document's JSON depends on besides the article: the code's format and the
    settings that shape URLs and times."""
    shaping = (DOCUMENT_FORMAT, settings.FRONTEND_URLS, settings.TIME_ZONE, settings.MEDIA_URL)
    return hashlib.sha256(repr(shaping).encode()).hexdigest()


class StoredJSON(Mapping):
    """JSON served as it is: the renderer (``api.renderers.JSONRenderer``) writes ``text``
    unchanged. As a mapping it reads as the data it holds, for code that reads a
    response's data."""

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def _data(self) -> dict:
        return json.loads(self.text)

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


class _RenderingRequest(HttpRequest):
    """A request from ``RENDERED_ORIGIN``, which no host check applies to."""

    def get_host(self):
        return RENDERED_ORIGIN.removeprefix("http://")

    def _get_scheme(self):
        return "http"


def _serializer_context() -> dict:
    request = Request(_RenderingRequest())
    request.user = AnonymousUser()
    return {"request": request, "format": None, "view": None}


def _origin_only_in_urls(data) -> bool:
    """Whether ``RENDERED_ORIGIN`` appears only at the start of ``url`` values: anywhere
    else, serving would replace text of the article's own."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key == "url" and isinstance(inner, str):
                    if RENDERED_ORIGIN in inner.removeprefix(RENDERED_ORIGIN):
                        return False
                else:
                    stack.append(inner)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and RENDERED_ORIGIN in value:
            return False
    return True


def _json(data) -> str:
    return JSONRenderer().render(data).decode()


def render(article_ids: Iterable[int]) -> None:
    """Render and store the documents of these articles (any that no longer exist are
    skipped), replacing what was stored."""
    ids = sorted(set(article_ids))
    for start in range(0, len(ids), RENDER_CHUNK):
        _render_chunk(ids[start : start + RENDER_CHUNK])


def _render_chunk(ids: list[int]) -> None:
    context = _serializer_context()
    articles = list(Article.objects.filter(pk__in=ids).for_api_detail().order_by("pk"))
    details = ArticleDetailSerializer(articles, many=True, context=context).data
    # A list item is the detail's fields the list shows, with the first image as the lead:
    # what the list's own serializer makes of the list's query (the tests compare them).
    item_fields = list(ArticleListSerializer(context=context).fields)
    fingerprint_ = fingerprint()
    documents, unsafe = [], []
    for article, detail in zip(articles, details, strict=True):
        images = detail["images"]
        item = {
            name: (images[0] if images else None) if name == "lead_image" else detail[name]
            for name in item_fields
        }
        if not _origin_only_in_urls(detail):
            unsafe.append(article.pk)
            continue
        documents.append(
            ArticleDocument(
                article_id=article.pk,
                item=_json(item),
                detail=_json(detail),
                fingerprint=fingerprint_,
            )
        )
    if unsafe:
        ArticleDocument.objects.filter(article_id__in=unsafe).delete()
    ArticleDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["article"],
        update_fields=["item", "detail", "fingerprint"],
    )


def render_changed(articles, **_signal_kwargs) -> None:
    """``articles_changed``: render the documents of the articles a write shows on, or
    past ``RENDER_IN_WRITE_LIMIT``, delete them."""
    if len(articles) <= RENDER_IN_WRITE_LIMIT:
        render(articles)
        return
    ids = sorted(articles)
    for start in range(0, len(ids), RENDER_CHUNK):
        ArticleDocument.objects.filter(article_id__in=ids[start : start + RENDER_CHUNK]).delete()
    logger.warning(
        "A write changed what %d articles show: their stored documents were deleted, "
        "and they are serialized for each request until `manage.py render_documents` runs.",
        len(ids),
    )


def note_topic_articles(sender, instance, **_signal_kwargs) -> None:
    """``pre_delete`` of a topic: its articles, whose filings go with it unsignalled."""
    instance._filed_articles = list(instance.articles.values_list("pk", flat=True))


def render_topic_articles(sender, instance, **_signal_kwargs) -> None:
    """``post_delete`` of a topic: render the articles it was filed under."""
    render(instance.__dict__.pop("_filed_articles", ()))


def delete_after_article(sender, instance, **_signal_kwargs) -> None:
    """``post_delete`` of an article: the document its parts' deletions rendered."""
    ArticleDocument.objects.filter(article_id=instance.pk).delete()


def note_cleared_relation(sender, instance, action, **_signal_kwargs) -> None:
    """``m2m_changed``: before a relation is cleared, the articles that show it; after,
    render them."""
    if action == "pre_clear":
        name = instance._meta.model_name
        kind = {"readinglistentry": "reading_entry"}.get(name, name)
        instance._cleared_articles, _ = articles_showing({kind: {instance.pk}})
    elif action == "post_clear":
        render(instance.__dict__.pop("_cleared_articles", ()))


def connect() -> None:
    for relation in (Article.topics, Article.authors, Book.authors, ReadingListEntry.books):
        signals.m2m_changed.connect(note_cleared_relation, sender=relation.through, weak=False)
    articles_changed.connect(render_changed, weak=False)
    signals.post_delete.connect(delete_after_article, sender=Article, weak=False)
    signals.pre_delete.connect(note_topic_articles, sender=Topic, weak=False)
    signals.post_delete.connect(render_topic_articles, sender=Topic, weak=False)


def origin_of(request) -> str:
    """The scheme and host this request's URLs are built with."""
    return request.build_absolute_uri("/").removesuffix("/")


def served(text: str, origin: str) -> StoredJSON:
    """A stored document as served to a request from ``origin``."""
    return StoredJSON(text.replace(f'"{RENDERED_ORIGIN}', f'"{origin}'))


def served_items(rows, context: dict, *, searching: bool = False) -> list[StoredJSON]:
    """The list items of ``rows`` (of ``PUBLIC_STORED_ITEMS``) as served to the request in
    ``context``, in their order: each row's stored item, in a search with the row's
    passage; the list serializer's for any not stored, or stored under other settings, in
    one query for them all."""
    origin, fingerprint_ = origin_of(context["request"]), fingerprint()
    stale = {row.pk: row for row in rows if row.stored_fingerprint != fingerprint_}
    serialized = {}
    if stale:
        fresh = list(Article.objects.for_api_list().filter(pk__in=stale))
        if searching:
            for article in fresh:
                article.highlight = stale[article.pk].highlight
        data = ArticleListSerializer(fresh, many=True, context=context).data
        for article, item in zip(fresh, data, strict=True):
            serialized[article.pk] = StoredJSON(_json(item))

    def stored(row) -> StoredJSON:
        item = served(row.stored_item, origin)
        return with_highlight(item, row.highlight) if searching else item

    return [serialized[row.pk] if row.pk in serialized else stored(row) for row in rows]


def with_highlight(item: StoredJSON, highlight: str | None) -> StoredJSON:
    """A served list item as a search lists it: with the matching passage, ``highlight``,
    as its last field (where the list serializer puts it for the public)."""
    return StoredJSON(f'{item.text[:-1]},"highlight":{_json(highlight)}}}')
