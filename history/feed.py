"""The change feed's events, written in the transaction of the change they record.

Every write path already records revisions through ``history.recording``, which calls
``record_changes()`` with the records a write touched. It compares each record as it now
is with what each feed last said of it (the record's latest event there) and writes the
difference:

- staff's feed says ``created`` when a record appears, ``deleted`` when it goes, and
  ``updated`` when its content (a digest, ``Event.fingerprint``) differs;
- readers' feed does the same for what readers may see (``for_reader()`` on the
  querysets): an article while published, an image while its article is, an issue, a
  book, an author or a topic while one of their articles is published, or while they
  have none at all. A draft is no event for readers; its publication is its
  ``created``, its unpublishing a ``deleted``. What a write makes visible only later (a
  scheduled article, its images, an author whose only article it is) gets a ``created``
  dated then; a later write to those records first withdraws it, since no client has
  read it.

Because each write compares with the feed rather than with a before-image of its own,
recording the same records twice writes nothing the second time, and a write path needs
only to name every record it touched. A changed slug is a ``deleted`` of the old slug and
a ``created`` of the new one, so a mirror keyed by slug keeps no stale copy.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    Func,
    Model,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from articles.importing.records import IMAGE_EDITED_COLUMNS
from articles.models import Article, Author, Book, BookAuthor, Image, Issue, Publication, Topic

from .models import Event
from .states import State, live_states, state_of

Type = Event.Type
Keys = Mapping[str, Iterable[int]]

# The order a write's events take: what others refer to first.
TYPE_ORDER = (
    Type.PUBLICATION,
    Type.ISSUE,
    Type.AUTHOR,
    Type.BOOK,
    Type.TOPIC,
    Type.ARTICLE,
    Type.IMAGE,
)

MODEL_TYPES = {
    Publication: Type.PUBLICATION,
    Issue: Type.ISSUE,
    Article: Type.ARTICLE,
    Author: Type.AUTHOR,
    Book: Type.BOOK,
    Topic: Type.TOPIC,
    Image: Type.IMAGE,
}

# Readers' "visible from" for a record they see whatever is published: before any time.
ALWAYS = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Seen:
    """A record as it now is: its slug, since when readers see it (``ALWAYS``, a time, or
    None for not as things stand) and the digest of its content."""

    slug: str
    visible_from: datetime | None
    fingerprint: str


def digest(data) -> str:
    text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _earliest(times: Iterable[datetime | None]) -> datetime | None:
    known = [time for time in times if time is not None]
    return min(known) if known else None


def _publication_time(status: str, published_at: datetime | None) -> datetime | None:
    return published_at if status == Article.Status.PUBLISHED else None


class _Current:
    """The records named by ``keys`` as they now are, leaving out those in ``gone``
    (deleted in this transaction, about to be): ``Seen`` by (type, id)."""

    def __init__(self, keys: Keys, gone: Keys, article_states: Mapping[int, State], now: datetime):
        self.now = now
        self.gone = {type_: set(ids) for type_, ids in gone.items()}
        self.gone_articles = self.gone.get(Type.ARTICLE, set())
        self.seen: dict[tuple[str, int], Seen] = {}
        readers = {
            Type.PUBLICATION: self._publications,
            Type.ISSUE: self._issues,
            Type.ARTICLE: lambda ids: self._articles(ids, article_states),
            Type.AUTHOR: self._authors,
            Type.BOOK: self._books,
            Type.TOPIC: self._topics,
            Type.IMAGE: self._images,
        }
        for type_, ids in keys.items():
            ids = set(ids) - self.gone.get(type_, set())
            if ids:
                for pk, seen in readers[type_](ids).items():
                    self.seen[type_, pk] = seen

    def _articles_of(self, **correlation):
        return Article.objects.filter(**correlation).exclude(pk__in=self.gone_articles)

    def _first_published(self, articles):
        """Since when readers see one of ``articles``: ``now`` once one is published by now,
        since the feed needs no earlier time then, and the first of a topic's or an
        author's hundred thousand articles would be found only by reading them all;
        otherwise the first scheduled publication, or None."""
        published = articles.filter(status=Article.Status.PUBLISHED).order_by()
        # MIN() rather than the first row by date: PostgreSQL would find that row by
        # walking the whole archive's date index for a record of few articles (an issue,
        # a book), where MIN() reads only the record's own articles, scheduled ones here.
        first = Func("published_at", function="MIN", output_field=DateTimeField())
        return Case(
            When(Exists(published.filter(published_at__lte=self.now)), then=Value(self.now)),
            default=Subquery(published.annotate(first=first).values("first")),
            output_field=DateTimeField(),
        )

    def _publications(self, ids) -> dict[int, Seen]:
        rows = Publication.objects.filter(pk__in=ids).values_list("pk", "name", "slug")
        return {pk: Seen(slug, ALWAYS, digest([name, slug])) for pk, name, slug in rows}

    def _issues(self, ids) -> dict[int, Seen]:
        articles = self._articles_of(issue=OuterRef("pk"))
        rows = (
            Issue.objects.filter(pk__in=ids)
            .select_related(None)
            .annotate(any_article=Exists(articles), first=self._first_published(articles))
            .values_list("pk", "slug", "publication_id", "number", "date", "any_article", "first")
        )
        return {
            pk: Seen(slug, first if any_article else ALWAYS, digest([slug, pub, number, date]))
            for pk, slug, pub, number, date, any_article, first in rows
        }

    def _articles(self, ids, states: Mapping[int, State]) -> dict[int, Seen]:
        missing = [pk for pk in ids if pk not in states]
        states = {**states, **(live_states(missing) if missing else {})}
        rows = Article.objects.filter(pk__in=ids).order_by()
        return {
            pk: Seen(slug, _publication_time(status, published_at), digest(states[pk]))
            for pk, slug, status, published_at in rows.values_list(
                "pk", "slug", "status", "published_at"
            )
        }

    def _books(self, ids) -> dict[int, Seen]:
        articles = self._articles_of(reading_groups__entries__books=OuterRef("pk"))
        rows = Book.objects.filter(pk__in=ids).annotate(
            any_article=Exists(articles), first=self._first_published(articles)
        )
        credits = defaultdict(list)
        for book_id, author_id in (
            BookAuthor.objects.filter(book_id__in=ids)
            .order_by("book_id", "position", "id")
            .values_list("book_id", "author_id")
        ):
            credits[book_id].append(author_id)
        fields = ("title", "slug", "publisher", "year", "isbn", "series", "volume")
        return {
            book.pk: Seen(
                book.slug,
                book.first if book.any_article else ALWAYS,
                digest([*(getattr(book, name) for name in fields), credits[book.pk]]),
            )
            for book in rows
        }

    def _topics(self, ids) -> dict[int, Seen]:
        articles = self._articles_of(topics=OuterRef("pk"))
        rows = (
            Topic.objects.filter(pk__in=ids)
            .annotate(any_article=Exists(articles), first=self._first_published(articles))
            .values_list("pk", "slug", "name", "description", "any_article", "first")
        )
        return {
            pk: Seen(slug, first if any_article else ALWAYS, digest([name, slug, description]))
            for pk, slug, name, description, any_article, first in rows
        }

    def _authors(self, ids) -> dict[int, Seen]:
        articles = self._articles_of(bylines__author=OuterRef("pk"))
        rows = (
            Author.objects.filter(pk__in=ids)
            .annotate(any_article=Exists(articles), first=self._first_published(articles))
            .values_list("pk", "slug", "name", "bio", "any_article", "first")
        )
        books_of = defaultdict(list)
        credits = BookAuthor.objects.filter(author_id__in=ids).exclude(
            book_id__in=self.gone.get(Type.BOOK, ())
        )
        for author_id, book_id in credits.values_list("author_id", "book_id"):
            books_of[author_id].append(book_id)
        books = self._books({book for found in books_of.values() for book in found})
        seen = {}
        for pk, slug, name, bio, any_article, first in rows:
            if not any_article and not books_of[pk]:
                visible_from = ALWAYS
            else:
                visible_from = _earliest([first, *(books[b].visible_from for b in books_of[pk])])
            seen[pk] = Seen(slug, visible_from, digest([name, slug, bio]))
        return seen

    def _images(self, ids) -> dict[int, Seen]:
        rows = (
            Image.objects.filter(pk__in=ids)
            .exclude(article_id__in=self.gone_articles)
            .values_list(
                "pk",
                "article_id",
                "position",
                *IMAGE_EDITED_COLUMNS,
                "article__status",
                "article__published_at",
            )
        )
        shown = ("article_id", "position", *IMAGE_EDITED_COLUMNS)
        return {
            pk: Seen(
                "",
                _publication_time(status, published_at),
                digest(dict(zip(shown, content, strict=True))),
            )
            for pk, *content, status, published_at in rows
        }


# Records whose latest events one statement looks up: two parameters for each record in
# each feed, far below SQLite's and PostgreSQL's limits on a statement's parameters.
LATEST_CHUNK = 500


def _latest(keys: Keys, now: datetime) -> dict[tuple[str, str, int], Event]:
    """Each record's latest event in each feed until ``now``: what the feed says of it.

    Looked up record by record, each a step back along the (feed, type, object id, id)
    index, so that the cost stays with the records asked about: grouping their events
    read every event of each (a prolific author has one for every import that named
    them), which grew with the archive. The events are then read by their ids: asked
    for in the same statement, PostgreSQL joined the ids to a scan of every event."""
    table = connection.ops.quote_name(Event._meta.db_table)
    until = connection.ops.adapt_datetimefield_value(now)
    latest_ids = []
    for type_, ids in keys.items():
        ids = sorted(ids)
        for start in range(0, len(ids), LATEST_CHUNK):
            chunk = ids[start : start + LATEST_CHUNK]
            records = ", ".join(["(%s, %s)"] * (len(chunk) * len(Event.Feed.values)))
            sql = (
                f"SELECT (SELECT e.id FROM {table} e WHERE e.feed = k.column1 AND e.type = %s "
                "AND e.object_id = k.column2 AND e.at <= %s ORDER BY e.id DESC LIMIT 1) "
                f"FROM (VALUES {records}) AS k"
            )
            named = [value for pk in chunk for feed in Event.Feed.values for value in (feed, pk)]
            with connection.cursor() as cursor:
                cursor.execute(sql, [type_, until, *named])
                latest_ids += [pk for (pk,) in cursor.fetchall() if pk is not None]
    return {
        (event.feed, event.type, event.object_id): event
        for start in range(0, len(latest_ids), LATEST_CHUNK)
        for event in Event.objects.filter(pk__in=latest_ids[start : start + LATEST_CHUNK])
    }


def _event(feed, action, key, at, slug, fingerprint="") -> Event:
    type_, pk = key
    return Event(
        feed=feed,
        action=action,
        type=type_,
        object_id=pk,
        at=at,
        slug=slug,
        fingerprint=fingerprint,
    )


def _staff_events(last: Event | None, seen: Seen | None, key, now) -> list[Event]:
    staff = Event.Feed.STAFF
    existed = last is not None and last.action != Event.Action.DELETED
    if seen is None:
        return [_event(staff, Event.Action.DELETED, key, now, last.slug)] if existed else []
    created = _event(staff, Event.Action.CREATED, key, now, seen.slug, seen.fingerprint)
    if not existed:
        return [created]
    return _compared(staff, last, seen, key, now)


def _compared(feed, last: Event, seen: Seen, key, now) -> list[Event]:
    """Events for a record that was, and still is, in a feed: none if unchanged."""
    if last.slug != seen.slug:
        return [
            _event(feed, Event.Action.DELETED, key, now, last.slug),
            _event(feed, Event.Action.CREATED, key, now, seen.slug, seen.fingerprint),
        ]
    if last.fingerprint != seen.fingerprint:
        return [_event(feed, Event.Action.UPDATED, key, now, seen.slug, seen.fingerprint)]
    return []


def _reader_events(last: Event | None, seen: Seen | None, key, now) -> list[Event]:
    readers = Event.Feed.READERS
    shown = last is not None and last.action != Event.Action.DELETED
    visible_from = seen.visible_from if seen else None
    if shown and visible_from is not None and visible_from <= now:
        return _compared(readers, last, seen, key, now)
    events = [_event(readers, Event.Action.DELETED, key, now, last.slug)] if shown else []
    if visible_from is not None:
        at = max(visible_from, now)
        events.append(_event(readers, Event.Action.CREATED, key, at, seen.slug, seen.fingerprint))
    return events


def record_changes(
    keys: Keys,
    *,
    gone: Keys | None = None,
    article_states: Mapping[int, State] | None = None,
    related: Keys | None = None,
) -> int:
    """Write the events that bring both feeds up to date with the records in ``keys``
    (type: ids), in a constant number of queries however many records. ``gone`` names
    those of them being deleted in this transaction (not yet, perhaps); ``article_states``
    the states of articles already read (``live_state``); ``related`` the records whose
    detail shows some of them (an author's articles show the author's name). Returns how
    many events.

    A record's detail shows others: an article its issue, authors and books; an issue,
    an author or a book its articles. So when a write changes something in a feed, the
    records in ``related``, and those in ``keys`` that an article of the write shows,
    are ``updated`` there too, if the feed shows them and says nothing else of them."""
    keys, related = _clean(keys), _clean(related or {})
    if not keys:
        return 0
    now = timezone.now()
    match = _match(keys)
    # Readers' creations dated later were what the records' last state promised; no
    # client has read them yet, and this write may have changed the promise. (Updates
    # dated later stay: one more fetch of a record is harmless, a missing one is not.)
    pending = Event.objects.filter(match, feed=Event.Feed.READERS, at__gt=now)
    pending.filter(action=Event.Action.CREATED).delete()
    current = _Current(keys, gone or {}, article_states or {}, now).seen
    latest = _latest(merged(keys, related), now)
    events = []
    for feed, compare in ((Event.Feed.STAFF, _staff_events), (Event.Feed.READERS, _reader_events)):
        emitted = []
        for type_, ids in keys.items():
            for pk in sorted(ids):
                key = (type_, pk)
                emitted += compare(latest.get((feed, *key)), current.get(key), key, now)
        shown = related
        if neighbours := _issue_neighbours(feed, emitted):
            latest |= _latest(neighbours, now)
            shown = merged(related, neighbours)
        events += emitted + _shown_through(feed, emitted, keys, shown, latest, now)
    Event.objects.bulk_create(events, batch_size=500)
    return len(events)


def _issue_neighbours(feed, emitted: list[Event]) -> dict[str, set[int]]:
    """The issues whose ``previous`` or ``next`` an issue's event in ``emitted`` changes
    (it appeared, went, or was renumbered there): its neighbours by number in its
    publication, among the issues ``feed`` shows. An issue being deleted is still a row
    here; one renumbered is found at its new number only."""
    ids = {event.object_id for event in emitted if event.type == Type.ISSUE}
    if not ids:
        return {}
    shown = Issue.objects.all()
    if feed == Event.Feed.READERS:
        shown = shown.for_reader(AnonymousUser())
    same_publication = shown.filter(publication_id=OuterRef("publication_id")).values("pk")
    before = same_publication.filter(number__lt=OuterRef("number")).order_by("-number")
    after = same_publication.filter(number__gt=OuterRef("number")).order_by("number")
    rows = (
        Issue.objects.filter(pk__in=ids)
        .annotate(before=Subquery(before[:1]), after=Subquery(after[:1]))
        .values_list("before", "after")
    )
    found = {pk for pair in rows for pk in pair if pk is not None} - ids
    return {Type.ISSUE: found} if found else {}


def _shown_through(feed, emitted, keys, related, latest, now) -> list[Event]:
    """``updated`` events for the records that show what ``emitted`` changed: those in
    ``related``, now, and the records of ``keys`` that its articles show, when each
    article's change enters the feed (a scheduled article's at its time)."""
    groups = [(now, related)] if emitted and related else []
    shown_by_articles = {
        type_: keys[type_]
        for type_ in (Type.PUBLICATION, Type.ISSUE, Type.AUTHOR, Type.BOOK, Type.TOPIC)
        if type_ in keys
    }
    for at in sorted({event.at for event in emitted if event.type == Type.ARTICLE}):
        groups.append((at, shown_by_articles))
    named = {(event.type, event.object_id) for event in emitted}
    events = []
    for at, group in groups:
        for type_, ids in group.items():
            for pk in sorted(ids):
                last = latest.get((feed, type_, pk))
                if (type_, pk) in named or last is None or last.action == Event.Action.DELETED:
                    continue
                if last.at <= now:
                    named.add((type_, pk))
                    events.append(
                        _event(
                            feed, Event.Action.UPDATED, (type_, pk), at, last.slug, last.fingerprint
                        )
                    )
    return events


def _clean(keys: Keys) -> dict[str, set[int]]:
    cleaned = {type_: {pk for pk in keys.get(type_, ()) if pk is not None} for type_ in TYPE_ORDER}
    return {type_: ids for type_, ids in cleaned.items() if ids}


def _match(keys: Keys) -> Q:
    """The events of the records in ``keys``, in either feed. Naming both feeds lets each
    arm use the (feed, type, object id) index: without them PostgreSQL read every event
    in the archive for each write."""
    match = Q()
    for type_, ids in keys.items():
        match |= Q(feed__in=Event.Feed.values, type=type_, object_id__in=ids)
    return match


def article_keys(article: Article) -> dict[str, set[int]]:
    """The records an article's write may change for the feeds: the article, its issue,
    images, authors, topics and the books its reading list names (from
    ``articles_with_parts()``)."""
    return {
        Type.ARTICLE: {article.pk},
        Type.ISSUE: {article.issue_id},
        Type.IMAGE: {image.pk for image in article.images.all()},
        Type.AUTHOR: {byline.author_id for byline in article.bylines.all()},
        Type.TOPIC: {topic.pk for topic in article.topics.all()},
        Type.BOOK: {
            link.book_id
            for group in article.reading_groups.all()
            for entry in group.entries.all()
            for link in entry.links.all()
        },
    }


def merged(*many: Keys) -> dict[str, set[int]]:
    keys = defaultdict(set)
    for one in many:
        for type_, ids in one.items():
            keys[type_].update(ids)
    return dict(keys)


def object_keys(objects: Iterable[Model]) -> dict[str, set[int]]:
    """The records a write of ``objects`` may change for the feeds: each of them, with a
    book's authors (whom readers see through it) and an image's article."""
    keys = defaultdict(set)
    for obj in objects:
        type_ = MODEL_TYPES.get(type(obj))
        if type_ is None:
            continue
        keys[type_].add(obj.pk)
        if isinstance(obj, Book):
            keys[Type.AUTHOR].update(obj.credits.values_list("author_id", flat=True))
        elif isinstance(obj, Image):
            keys[Type.ARTICLE].add(obj.article_id)
    return dict(keys)


def related_keys(objects: Iterable[Model]) -> dict[str, set[int]]:
    """The records whose detail shows ``objects``: an author's or a book's articles, an
    issue's and a topic's; an author's books and a book's authors; a publication's issues."""
    keys = defaultdict(set)
    for obj in objects:
        if isinstance(obj, Author):
            keys[Type.ARTICLE].update(obj.bylines.values_list("article_id", flat=True))
            keys[Type.BOOK].update(obj.book_credits.values_list("book_id", flat=True))
        elif isinstance(obj, Book):
            articles = Article.objects.filter(reading_groups__entries__books=obj)
            keys[Type.ARTICLE].update(articles.values_list("pk", flat=True))
        elif isinstance(obj, Issue | Topic):
            keys[Type.ARTICLE].update(obj.articles.values_list("pk", flat=True))
        elif isinstance(obj, Publication):
            keys[Type.ISSUE].update(obj.issues.values_list("pk", flat=True))
    return dict(keys)


def state_without_image(article: Article, image_id: int) -> State:
    """The state of an article from ``articles_with_parts()`` once one image is gone."""
    return state_of(
        article,
        article.bylines.all(),
        [topic.pk for topic in article.topics.all()],
        [image for image in article.images.all() if image.pk != image_id],
        article.reading_groups.all(),
        lambda group: group.entries.all(),
        lambda entry: entry.links.all(),
    )


def record_existing(batch_size: int = 1000) -> int:
    """Record every record in the archive as created, in both feeds: the feeds' start for
    an archive that had records before them. Returns how many events."""
    count = 0
    for model, type_ in MODEL_TYPES.items():
        ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), batch_size):
            count += record_changes({type_: ids[start : start + batch_size]})
    return count
