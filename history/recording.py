"""Recording revisions: one per changed article, with who, when, where from and which
fields changed.

Writes that go through a form or a serializer record with ``ArticleWrite``: it reads the
article's state before the write and after it, and records a revision only when they
differ, so a save that changes nothing records nothing. Bulk writes (the importer, the
publish and unpublish actions) already know what they changed and call
``record_article_revisions()`` with it. Every other record's changes go through
``record_versions()``.

Each of them also writes the change feed's events (``history.feed``) in the same
transaction, naming every record the write touched.

Revisions are made explicitly (``reversion.create_revision(manage_manually=True)`` and
``add_to_revision()``), never from model signals: bulk writes send none, and one
revision per article needs the article named.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import router
from django.db.models import Model, Prefetch
from django.utils import timezone
from reversion.models import Revision, Version

from articles.models import Article, Book, BookAuthor, Image, Topic

from . import feed
from .models import Change
from .states import State, articles_with_parts, changed_fields, live_state


def _user(user):
    return user if user is not None and user.is_authenticated else None


def record_versions(
    objects: Iterable[Model],
    *,
    user,
    source: str,
    action: str = Change.Action.CHANGED,
    fields: Iterable[str] = (),
    article: Article | None = None,
    feed_events: bool = True,
) -> None:
    """One revision of ``objects`` (with what each follows), noted with ``Change``, and
    their events in the change feed (unless the caller writes those itself)."""
    objects = list(objects)
    if feed_events:
        feed.record_changes(feed.object_keys(objects), related=feed.related_keys(objects))
    with reversion.create_revision(manage_manually=True, atomic=False):
        for obj in objects:
            reversion.add_to_revision(obj)
        reversion.set_user(_user(user))
        reversion.add_meta(
            Change,
            source=source,
            action=action,
            changed_fields=list(fields),
            article_id=article.pk if article else None,
        )


def record_article_revisions(
    changes: dict[int, list[str]],
    *,
    user,
    source: str,
    created: Iterable[int] = (),
    touched: feed.Keys | None = None,
    records: Mapping[tuple[str, int], str] | None = None,
) -> int:
    """One revision for each article in ``changes`` (article id: changed field names),
    in a constant number of queries however many articles: for bulk writes. Their events
    in the change feed too, with those of the other records in ``touched`` (type: ids;
    e.g. the images a write deleted, the authors it dropped from a byline).

    The rows are django-reversion's own (``Revision`` and ``Version``, with our
    ``Change``), exactly those ``add_to_revision()`` makes, but written in bulk: its
    public API saves one revision at a time, with a query per followed model each.
    ``records`` names the other records the write created or changed, (type, id):
    ``created`` or ``changed`` (an import's issue, authors and books): each gets a
    revision of its own, for the audit trail.

    Returns how many article revisions were recorded."""
    _record_each(records or {}, user=user, source=source)
    created = set(created)
    # Topics too: serializing an article reads its many-to-many fields, a query each
    # unless prefetched.
    articles = list(articles_with_parts(changes).prefetch_related("topics"))
    states = {article.pk: live_state(article) for article in articles}
    feed.record_changes(
        feed.merged(touched or {}, *map(feed.article_keys, articles)), article_states=states
    )
    if not articles:
        return 0
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        Revision(date_created=now, user=_user(user), comment="") for _ in articles
    )
    versions, notes = [], []
    for article, revision in zip(articles, revisions, strict=True):
        for obj in _with_parts(article):
            versions.append(_version(obj))
            versions[-1].revision = revision
        if article.pk in created:
            action, fields = Change.Action.CREATED, changed_fields(None, states[article.pk])
        else:
            action, fields = Change.Action.CHANGED, changes[article.pk]
        notes.append(
            Change(
                revision=revision,
                source=source,
                action=action,
                changed_fields=fields,
                article=article,
            )
        )
    Version.objects.bulk_create(versions, batch_size=500)
    Change.objects.bulk_create(notes, batch_size=500)
    return len(notes)


def _record_each(records: Mapping[tuple[str, int], str], *, user, source: str) -> None:
    """A revision of each record in ``records`` with its action, written in bulk as
    ``record_article_revisions()`` writes articles': a book's holds its credits too, as
    ``registration`` has it follow them. Their change-feed events are the caller's."""
    actions = defaultdict(dict)
    for (type_, pk), action in records.items():
        actions[type_][pk] = action
    models = {type_: model for model, type_ in feed.MODEL_TYPES.items()}
    credits = Prefetch("credits", BookAuthor.objects.select_related("book", "author"))
    objects = []
    for type_, of_type in actions.items():
        found = models[type_].objects.filter(pk__in=of_type).order_by("pk")
        if models[type_] is Book:
            found = found.prefetch_related(credits)
        objects += [(obj, of_type[obj.pk]) for obj in found]
    if not objects:
        return
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        Revision(date_created=now, user=_user(user), comment="") for _ in objects
    )
    versions, notes = [], []
    for (obj, action), revision in zip(objects, revisions, strict=True):
        for part in [obj, *(obj.credits.all() if isinstance(obj, Book) else ())]:
            versions.append(_version(part))
            versions[-1].revision = revision
        notes.append(Change(revision=revision, source=source, action=action, changed_fields=[]))
    Version.objects.bulk_create(versions, batch_size=500)
    Change.objects.bulk_create(notes, batch_size=500)


def _with_parts(article: Article) -> list[Model]:
    """The article and what its revision follows (``registration.ARTICLE_FOLLOWS``), from
    ``articles_with_parts()``'s prefetched rows."""
    objects = [article, *article.bylines.all(), *article.images.all()]
    for group in article.reading_groups.all():
        objects.append(group)
        for entry in group.entries.all():
            objects += [entry, *entry.links.all()]
    return objects


def _version(obj: Model) -> Version:
    """The version of ``obj`` that ``reversion.add_to_revision()`` would make: every field
    (the archive's models are registered with all of theirs), as JSON; its revision is
    set when it is saved."""
    return Version(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        db=router.db_for_write(type(obj), instance=obj),
        format="json",
        serialized_data=serializers.serialize("json", [obj]),
        object_repr=str(obj),
    )


class ArticleWrite:
    """Records the revision one write makes to one article, if it changed anything.

    Create it before the write (with the article's id, or none for a new article) and
    call ``record()`` after it, inside the same transaction. An article with no revision
    yet first gets a ``baseline`` one, holding it as it was before the write, so that
    every change can be compared, and undone. Nothing is written before ``record()``,
    and nothing at all when the write changed nothing.
    """

    def __init__(self, article_id: int | None = None):
        self.before: State | None = None
        self.before_keys: feed.Keys = {}
        self.baseline: list[Version] = []
        self.opened_at = timezone.now()
        if article_id is None:
            return
        article = articles_with_parts([article_id]).first()
        if article is None:
            return
        self.before = live_state(article)
        self.before_keys = feed.article_keys(article)
        if not Change.objects.filter(article_id=article_id).exists():
            # Serialized now, as the article is before the write; saved only if it changes.
            self.baseline = [_version(obj) for obj in _with_parts(article)]

    def record(self, article_id: int, *, user, source: str, action: str | None = None):
        """Record the revision; the change's field names, or [] when nothing changed."""
        article = articles_with_parts([article_id]).get()
        after = live_state(article)
        fields = changed_fields(self.before, after)
        if self.before is not None and not fields:
            return []
        if self.baseline:
            revision = Revision.objects.create(date_created=self.opened_at, comment="")
            for version in self.baseline:
                version.revision = revision
            Version.objects.bulk_create(self.baseline)
            Change.objects.create(
                revision=revision, source="", action=Change.Action.BASELINE, article=article
            )
        if action is None:
            action = Change.Action.CREATED if self.before is None else Change.Action.CHANGED
        feed.record_changes(
            feed.merged(self.before_keys, feed.article_keys(article)),
            article_states={article.pk: after},
        )
        record_versions(
            [article],
            user=user,
            source=source,
            action=action,
            fields=fields,
            article=article,
            feed_events=False,
        )
        return fields


def record_deletion(obj: Model, *, user, source: str) -> None:
    """A last revision of a record about to be deleted: who deleted it, and what it held;
    and its tombstones in the change feed, with those of what the deletion cascades to
    (an article's images) and the events of the records readers see through it (a
    topic's articles, which list it)."""
    if isinstance(obj, Article):
        obj = articles_with_parts([obj.pk]).get()
    _record_deletion_events(obj)
    record_versions(
        [obj],
        user=user,
        source=source,
        action=Change.Action.DELETED,
        article=obj if isinstance(obj, Article) else None,
        feed_events=False,
    )


def _record_deletion_events(obj: Model) -> None:
    type_ = feed.MODEL_TYPES.get(type(obj))
    if type_ is None:
        return
    keys, gone, states = feed.object_keys([obj]), {type_: {obj.pk}}, {}
    related = feed.related_keys([obj]) if isinstance(obj, Topic) else {}
    if isinstance(obj, Article):
        keys = feed.article_keys(obj)
        gone[feed.Type.IMAGE] = keys[feed.Type.IMAGE]
    elif isinstance(obj, Image):
        article = articles_with_parts([obj.article_id]).get()
        states = {article.pk: feed.state_without_image(article, obj.pk)}
    feed.record_changes(keys, gone=gone, article_states=states, related=related)
