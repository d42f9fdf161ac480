"""What the public API has cached, and which writes retire it.

Anonymous API responses, and every list's count (``api.pagination``), are cached under
keys made of scope tokens (``Generation``): random tokens kept in the cache, each
replaced when something its answers show changes, now and again once the write's
transaction commits, so that no answer computed from the old data can be served again.
Random rather than counters: if the cache evicts one, the next cannot collide with a
token that still has answers stored. Every answer is keyed by

- the archive's token, which ``archive_changed()`` replaces: writes that do not say
  what they changed retire everything;
- the lists' token, which every write replaces: lists, counts and every answer other
  than a detail page (below) are keyed by it, since a write can add, remove, reorder or
  rename rows of any list (filters and searches reach across relations). A list of one
  issue's, one author's or one year's articles is the exception: it is keyed by that
  issue's or author's page token (below), or its year's, instead: every write that
  changes the list changes that page too, and a year's token is retired with the pages
  of the articles published in it, before and after the write;
- for the detail of an article, author, book, issue, publication or image, its page's
  token (``page_scope``), which a write replaces when the page shows what it changed
  (``records_changed``): an article's page shows its issue, authors, images, reading
  list and books; an author's, a book's and an issue's show their articles as list
  items (with their issues and bylines), an author's their books, an issue's its
  neighbours in its publication.

So an edit or an import batch retires the lists and the pages of what it touched, and
leaves every other detail, and the lists of other issues', authors' and years' articles,
cached. Saves and deletes find their rows' pages through signals (``articles.apps``);
bulk writes (the importer, bulk actions) name what they touched. A row of a kind not
described here retires everything.

Time retires cached answers too. A scheduled article (published, its time still to
come) appears to readers when its time comes, with no write to the archive: so a
reader's generation (``generation_for``) also names the next scheduled publication,
looked up once per lists' token (any write may schedule one), and its entries live no
longer than until then. When that time comes, the next request looks up the one after
it: every key changes, and lists, counts and pages computed before it are never served
again, whichever cache holds them and whatever its clock says.
"""

import datetime as dt
import hashlib
import math
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from archive.cache import errors as cache_errors

from .readers import reads_drafts

GENERATION_KEY = "archive:generation:timed"
LISTS_KEY = "archive:generation:lists"
PAGE_KEY = "archive:generation:page"
SCHEDULE_KEY = "archive:next-publication"
# The kinds whose detail pages have tokens of their own; any other detail is keyed by the
# lists' token, which every write retires.
PAGE_KINDS = ("article", "author", "book", "issue", "publication", "image")
# A page's token is forgotten when the page has not been read or retired for this long:
# one token per page read would otherwise stay in the cache for good.
PAGE_TOKEN_SECONDS = 24 * 60 * 60


def page_scope(kind: str, lookup: str) -> str:
    """The token name of the detail page of ``kind`` looked up by ``lookup`` (its slug,
    an image's id), as its URL names it."""
    return f"{PAGE_KEY}:{kind}:{lookup}"


@dataclass(frozen=True)
class Generation:
    """What one request's cached answers are keyed and timed by, taken once per request
    so that its answer and its list's count agree: the ``tokens`` of its scopes and, for
    readers of published content, ``until``, the next scheduled publication as a
    timestamp (None: nothing is scheduled, or the reader reads the whole archive, which
    time does not change). ``since`` is no earlier than the last change to what the
    reader sees: the answers' ``Last-Modified``."""

    tokens: tuple[str, ...]
    until: float | None = None
    since: float | None = None

    def key(self, namespace: str, identity: str) -> str:
        """A cache key that the next change to what it shows, or the next scheduled
        publication, retires. ``identity`` is hashed with the tokens: it can be a long
        query string holding any character, which a cache key should not."""
        digest = hashlib.sha256("\n".join((*self.tokens, identity)).encode()).hexdigest()
        return f"{namespace}:{self.until}:{digest}"

    def timeout(self, seconds: int) -> int:
        """``seconds``, cut short at the next scheduled publication; 0: do not keep."""
        if self.until is None:
            return seconds
        return max(0, min(seconds, math.floor(self.until - time.time())))


def generation_for(user, page: str | None = None, read_schedule=None) -> Generation:
    """The generation a reader's answers are cached under (``articles.readers``): a detail
    page's, if ``page`` names its scope (``page_scope``), else the lists'.

    ``read_schedule`` reads the next scheduled publication when the cache does not hold
    it (``Article.objects.next_publication`` by default): a view may read it in the
    statement that reads its answer."""
    archive, lists, *own = _tokens([GENERATION_KEY, LISTS_KEY, *([page] if page else [])])
    # A page is keyed by its own token instead of the lists': writes elsewhere keep it.
    tokens = (archive, *own) if own else (archive, lists)
    since = max(_made_at(token) for token in (archive, lists, *own))
    if reads_drafts(user):
        return Generation(tokens, since=since)
    until, looked_up = _schedule(lists, read_schedule)
    return Generation(tokens, until, max(since, looked_up))


def _schedule(token: str, read_schedule=None) -> tuple[float | None, float]:
    """The next scheduled publication as a timestamp, and when it was looked up, kept in
    the cache for the lists' token until that publication comes.

    The lookup's time stands for when published content last changed: no write and no
    publication has come since it (either would have retired it), and it is no earlier
    than the token's making.
    """
    key = f"{SCHEDULE_KEY}:{token}"
    known = cache.get(key)
    if known is not None and (known[0] is None or time.time() < known[0]):
        return known
    if read_schedule is None:
        from .models import Article

        read_schedule = Article.objects.next_publication
    upcoming: dt.datetime | None = read_schedule()
    schedule = (upcoming.timestamp() if upcoming else None, time.time())
    cache.set(key, schedule, settings.API_RESPONSE_CACHE_SECONDS)
    return schedule


# Set when this process changed the archive but could not store the new tokens (the
# cache was unreachable): the next use of the cache retires the archive's token first, so
# the responses cached before the change are not served once the cache is back. Any
# failed cache call in this process (``archive.cache.errors``) counts as such a sign too:
# another process may have written meanwhile, and this one may be the next to serve. A
# writer that is gone is covered by its note in the database
# (``retire_what_writes_could_not``).
_retirement_pending = threading.Event()
_cache_errors_retired = 0
_discarded_writes = ContextVar("discarded_writes", default=False)

# Sent by ``records_changed`` inside the write's transaction, with ``articles``: the ids of
# the articles whose pages or list items show the write (``api.documents`` renders them).
articles_changed = Signal()


def _tokens(names: list[str]) -> tuple[str, ...]:
    """The current tokens of ``names``, made for those the cache does not hold."""
    if _retirement_pending.is_set() or cache_errors() != _cache_errors_retired:
        _retire([GENERATION_KEY])
    found = cache.get_many(names)
    missing = [name for name in names if name not in found]
    for name in missing:
        cache.add(name, _new_token(), timeout=_token_timeout(name))
    if missing:
        found.update(cache.get_many(missing))
    # An unreachable cache keeps nothing: a token of this call's own means nothing stored
    # meanwhile can be found again under it.
    return tuple(found.get(name) or _new_token() for name in names)


def current_generation() -> str:
    """A token that every write to the archive replaces (the archive's and the lists'
    together): for keys of what any write may change."""
    return "+".join(_tokens([GENERATION_KEY, LISTS_KEY]))


def _token_timeout(name: str) -> int | None:
    return PAGE_TOKEN_SECONDS if name.startswith(PAGE_KEY) else None


def _new_token() -> str:
    """A token: when it was made, and a random part no other can share."""
    return f"{time.time():.6f}-{uuid.uuid4().hex}"


def _made_at(token: str) -> float:
    return float(token.partition("-")[0])


def generation_key(namespace: str, identity: str) -> str:
    """A cache key that the next write to the archive retires, for what the passing of
    time does not change."""
    return Generation(_tokens([GENERATION_KEY, LISTS_KEY])).key(namespace, identity)


def archive_changed(**_signal_kwargs) -> None:
    """Retire every cached API response, now and again when the transaction commits: for
    writes that do not say what they changed (``records_changed`` is the narrower door).

    Now, so that the writer's own later reads in this transaction are fresh; again at
    commit, because a reader between the change and the commit still sees the old rows
    and may have cached them under the interim tokens. Writes made inside
    ``writes_rolled_back()`` retire nothing.
    """
    if _discarded_writes.get():
        return
    _retire_now_and_at_commit([GENERATION_KEY, LISTS_KEY])


def records_changed(
    changed: Mapping[str, Iterable[int]] = (),
    shown: Mapping[str, Iterable[int]] = (),
    pages: Iterable[str] = (),
) -> None:
    """Retire the lists and the detail pages that show a write, now and at commit (as
    ``archive_changed``).

    ``changed``: the records written, by kind (``article``, ``author``, ``book``,
    ``issue``, ``image``, ``publication``, ``topic``, and an article's parts
    ``reading_group`` and ``reading_entry``), whose changes show on every page embedding
    them. ``shown``: records, by kind, whose own page alone shows the write, e.g. the
    author a byline no longer names (and ``publication_issues``: every issue of these
    publications; ``year``: years whose lists of articles showed them before the write).
    ``pages``: token names of pages, e.g. an article's under the slug it had before.
    """
    if _discarded_writes.get():
        return
    changed = {kind: set(pks) for kind, pks in dict(changed).items()}
    articles, books = articles_showing(changed)
    articles_changed.send(sender=records_changed, articles=articles)
    shown = {kind: set(pks) for kind, pks in dict(shown).items()}
    scopes = _pages_showing(changed, shown, articles, books)
    if scopes is None:
        _retire_now_and_at_commit([GENERATION_KEY, LISTS_KEY])
    else:
        _retire_now_and_at_commit([LISTS_KEY, *sorted(scopes | set(pages))])


def _pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


def articles_showing(changed: dict[str, set[int]]) -> tuple[set[int], set[int]]:
    """The articles whose pages and list items show what changed, and the books whose
    entries do (a book's entry names its authors)."""
    from .models import Article, Book

    authors, issues, images = (changed.get(kind, set()) for kind in ("author", "issue", "image"))
    books = set(changed.get("book", ()))
    if authors:
        books |= _pks(Book.objects.filter(authors__in=authors))
    articles = changed.get("article", set()).union(
        _pks(Article.objects.filter(authors__in=authors)) if authors else (),
        _pks(Article.objects.filter(issue__in=issues)) if issues else (),
        _pks(Article.objects.filter(reading_groups__entries__books__in=books)) if books else (),
        _pks(Article.objects.filter(images__in=images)) if images else (),
    )
    if groups := changed.get("reading_group"):
        articles |= _pks(Article.objects.filter(reading_groups__in=groups))
    if entries := changed.get("reading_entry"):
        articles |= _pks(Article.objects.filter(reading_groups__entries__in=entries))
    if publications := changed.get("publication"):
        articles |= _pks(Article.objects.filter(issue__publication__in=publications))
    if topics := changed.get("topic"):
        articles |= _pks(Article.objects.filter(topics__in=topics))
    return articles, books


def years_of(moments: Iterable[dt.datetime]) -> set[int]:
    """The years of ``moments`` as the ``year`` filter reads them: in the current time
    zone."""
    return {timezone.localtime(moment).year for moment in moments}


def _pages_showing(
    changed: dict[str, set[int]], shown: dict[str, set[int]], articles: set[int], books: set[int]
) -> set[str] | None:
    """The token names of the detail pages that show what changed (whose articles and
    books are ``articles_showing``'s), and of the years whose lists show those articles;
    None: every page."""
    from .models import Article, Author, Book, Image, Issue, Publication

    if changed.get("publication") or set(changed) - set(_CHANGED_KINDS):
        # A publication shows on every issue's and article's page; other kinds (a topic,
        # say) are not followed.
        return None
    authors, issues, images = (changed.get(kind, set()) for kind in ("author", "issue", "image"))

    page = defaultdict(set, shown)
    page["article"] |= articles
    page["author"] |= authors
    page["book"] |= books
    page["image"] |= images
    if issues:
        # An issue's page names its neighbours: a new or renumbered issue changes theirs.
        page["publication_issues"] |= set(
            Issue.objects.filter(pk__in=issues).values_list("publication_id", flat=True)
        )
    if articles:
        page["year"] |= {
            moment.year
            for moment in Article.objects.filter(pk__in=articles).datetimes("published_at", "year")
        }
        page["issue"] |= _pks(Issue.objects.filter(articles__in=articles))
        page["author"] |= _pks(Author.objects.filter(articles__in=articles))
        page["book"] |= _pks(Book.objects.filter(entries__group__article__in=articles))
        page["image"] |= _pks(Image.objects.filter(article__in=articles))
    if books:
        page["author"] |= _pks(Author.objects.filter(books__in=books))
    if publications := page.pop("publication_issues", None):
        page["issue"] |= _pks(Issue.objects.filter(publication__in=publications))

    scopes = {page_scope("image", str(pk)) for pk in page.pop("image")}
    scopes |= {page_scope("year", str(year)) for year in page.pop("year", ())}
    models = {
        "article": Article,
        "author": Author,
        "book": Book,
        "issue": Issue,
        "publication": Publication,
    }
    for kind, keys in page.items():
        if keys:
            slugs = models[kind].objects.filter(pk__in=keys).values_list("slug", flat=True)
            scopes |= {page_scope(kind, slug) for slug in slugs}
    return scopes


# What records_changed() knows how to follow: a change of any other kind retires all.
_CHANGED_KINDS = ("article", "author", "book", "issue", "image", "reading_group", "reading_entry")
# Rows no cached answer shows: their writes retire nothing.
_UNSHOWN = ("importjob", "importjobfile", "articledocument", "pendingcacheretirement")


def _row_changes(row):
    """What writing ``row`` changes, as ``records_changed``'s arguments; None: anything."""
    from . import models

    own = page_scope(row._meta.model_name, getattr(row, "slug", str(row.pk)))
    match row:
        case models.Article():
            year = _listed_year(row)
            return {"article": {row.pk}}, {"issue": {row.issue_id}, "year": year}, {own}
        case models.Author():
            return {"author": {row.pk}}, {}, {own}
        case models.Book():
            return {"book": {row.pk}}, {}, {own}
        case models.Issue():
            return {"issue": {row.pk}}, {"publication_issues": {row.publication_id}}, {own}
        case models.Image():
            return {"image": {row.pk}, "article": {row.article_id}}, {}, {own}
        case models.ArticleAuthor():
            return {"article": {row.article_id}}, {"author": {row.author_id}}, set()
        case models.BookAuthor():
            return {"book": {row.book_id}}, {"author": {row.author_id}}, set()
        case models.ReadingListGroup():
            return {"article": {row.article_id}}, {}, set()
        case models.ReadingListEntry():
            return {"reading_group": {row.group_id}}, {}, set()
        case models.ReadingListEntryBook():
            return {"reading_entry": {row.entry_id}}, {"book": {row.book_id}}, set()
        case models.Publication():
            return {"publication": {row.pk}}, {}, {own}
        case models.Topic():
            return {"topic": {row.pk}}, {}, set()
    return None


def _listed_year(article) -> set[int]:
    """The year whose list shows ``article``, as the database has its time: a saved row
    can still hold the value it was given (a string, a naive time), which Django converts
    on the way in."""
    moment = article._meta.get_field("published_at").to_python(article.published_at)
    if moment is None:
        return set()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return years_of([moment])


def retire_before_save(sender, instance, raw=False, **_signal_kwargs) -> None:
    """``pre_save``: note the pages the row showed on before this write (its slug, its
    issue or article), which the write may move it off."""
    if _discarded_writes.get() or instance._state.adding or sender._meta.model_name in _UNSHOWN:
        return
    before = sender._base_manager.filter(pk=instance.pk).first()
    if before is not None:
        instance._cache_changes_before = _row_changes(before)


def retire_after_write(sender, instance, **_signal_kwargs) -> None:
    """``post_save`` and ``post_delete``: retire the lists and the pages that show the row,
    before and after the write."""
    before = instance.__dict__.pop("_cache_changes_before", False)
    if _discarded_writes.get() or sender._meta.model_name in _UNSHOWN:
        return
    after = _row_changes(instance)
    if after is None or before is None:
        archive_changed()
        return
    changed, shown, pages = defaultdict(set), defaultdict(set), set()
    for effect in (after, before) if before else (after,):
        for kind, keys in effect[0].items():
            changed[kind] |= keys
        for kind, keys in effect[1].items():
            shown[kind] |= keys
        pages |= effect[2]
    records_changed(changed, shown, pages)


def retire_after_relation_change(sender, instance, action, model, pk_set, **_signal_kwargs):
    """``m2m_changed``: the records at both ends changed (an article's topics, say);
    an end of a kind without pages of its own (a topic) is kept by the lists' token."""
    if action not in ("post_add", "post_remove", "post_clear") or _discarded_writes.get():
        return
    if pk_set is None:
        # Cleared: which rows it let go of is not told.
        archive_changed()
        return
    changed = defaultdict(set)
    for end, keys in ((type(instance), {instance.pk}), (model, pk_set)):
        kind = {"readinglistentry": "reading_entry"}.get(end._meta.model_name, end._meta.model_name)
        if kind in _CHANGED_KINDS or kind == "publication":
            changed[kind] |= keys
    records_changed(changed)


def _retire_now_and_at_commit(names: list[str]) -> None:
    _retire(names, noted=True)
    transaction.on_commit(lambda: _retire(names, noted=True))


def retire_what_writes_could_not() -> None:
    """Retire every cached answer if a write, in any process, could not retire its own
    (``PendingCacheRetirement``); once the cache keeps the new token, the notes go."""
    from .models import PendingCacheRetirement

    noted = PendingCacheRetirement.objects.order_by("-pk").values_list("pk", flat=True).first()
    if noted is not None and _retire([GENERATION_KEY]):
        PendingCacheRetirement.objects.filter(pk__lte=noted).delete()


@contextmanager
def writes_rolled_back():
    """For writes that the caller rolls back before anything can read them (a preview
    of unsaved edits): nothing they change is ever committed, so no cached response
    goes stale and none is retired."""
    token = _discarded_writes.set(True)
    try:
        yield
    finally:
        _discarded_writes.reset(token)


def _retire(names: list[str], *, noted: bool = False) -> bool:
    """Replace the tokens of ``names``: pages first, then the archive's or the lists',
    which is read back; whether the cache kept it. A write's retirement that the cache
    did not keep is ``noted`` in the database, in the write's transaction, for
    ``retire_what_writes_could_not``."""
    if isinstance(caches["default"], DummyCache):
        # Nothing was kept, so nothing can be stale; and no token is ever read back.
        return True
    tokens = {name: _new_token() for name in names}
    pages = {name: token for name, token in tokens.items() if name.startswith(PAGE_KEY)}
    if pages:
        cache.set_many(pages, timeout=PAGE_TOKEN_SECONDS)
    scopes = {name: token for name, token in tokens.items() if name not in pages}
    cache.set_many(scopes, timeout=None)
    # Read back, since a cache that absorbs its errors (settings.redis_cache) says nothing
    # when a write is lost. Another process's newer token also reads back as different:
    # retiring the archive's once more then costs only cache misses.
    global _cache_errors_retired
    errors_before = cache_errors()
    check = next(iter(scopes))
    if cache.get(check) == scopes[check]:
        _retirement_pending.clear()
        _cache_errors_retired = errors_before
        return True
    _retirement_pending.set()
    if noted:
        from .models import PendingCacheRetirement

        PendingCacheRetirement.objects.create()
    return False
