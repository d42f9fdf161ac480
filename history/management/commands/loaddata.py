"""``loaddata`` that tells the change feed what it loaded.

A fixture's rows bypass the application's writes (Django saves them "raw"), so Django's
own command leaves the feed silent: a mirror would never learn of the seed, nor of a
fixture loaded over an editor's change. This one notes every row it saves and, in the
fixture's transaction, writes the feed's events for the records they belong to.
"""

from django.core.management.commands import loaddata
from django.db.models import Model, signals

from articles.models import (
    ArticleAuthor,
    BookAuthor,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from history import feed


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        loaded: list[Model] = []

        def note(sender, instance, raw=False, **kwargs):
            if raw:
                loaded.append(instance)

        signals.post_save.connect(note, weak=False)
        try:
            super().loaddata(fixture_labels)
        finally:
            signals.post_save.disconnect(note)
        records = [record for row in loaded for record in _records_of(row)]
        feed.record_changes(
            feed.merged(feed.object_keys(records), *map(_article_of, loaded)),
            related=feed.related_keys(records),
        )


def _records_of(row: Model) -> list[Model]:
    """The feed's records a loaded row is, or is part of (a byline, a book's credit)."""
    if isinstance(row, BookAuthor):
        return [row.book, row.author]
    if isinstance(row, ArticleAuthor):
        return [row.author]
    return [row]


def _article_of(row: Model) -> dict[str, set[int]]:
    """The article whose byline or reading list a loaded row belongs to."""
    match row:
        case ArticleAuthor() | ReadingListGroup():
            article_id = row.article_id
        case ReadingListEntry():
            article_id = row.group.article_id
        case ReadingListEntryBook():
            article_id = row.entry.group.article_id
        case _:
            return {}
    return {feed.Type.ARTICLE: {article_id}}
