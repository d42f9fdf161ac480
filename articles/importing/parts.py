"""An article's parts as the loader writes them: images matched by position and compared
column by column, and reading lists written in bulk."""

from articles.models import Article, Image, ReadingListEntry, ReadingListEntryBook, ReadingListGroup

from .records import IMAGE_COLUMNS, ImageRecord
from .reports import FileReport

# An image's declared columns and its id, as the loader reads them.
ImageRow = dict[str, str | int | None]
# Headings, each with its entries' texts and the ids of the books each names.
ReadingList = tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...]


class ImagePlan:
    """Images matched by position and compared column by column: a record speaks only for
    the columns it gives (``ImageRecord.given_columns``), so a file an editor uploaded for
    a caption-only image survives a re-import of the scraped page."""

    def __init__(self):
        self.create: list[Image] = []
        self.update: list[Image] = []
        self.delete: list[int] = []

    def compare(
        self,
        article: Article,
        rows: list[ImageRow],
        records: list[ImageRecord],
        report: FileReport,
    ) -> bool:
        """Plan the changes, counting them in the article's file's ``report`` (a file
        whose writing fails is reported afresh); whether there are any."""
        before = (len(self.create), len(self.update), len(self.delete))
        for position, record in enumerate(records):
            if position >= len(rows):
                self.create.append(Image(article=article, position=position, **new_image(record)))
                report.count("images", "created")
                continue
            current = rows[position]
            wanted = {**current, **record.given_columns(), "position": position}
            if wanted == current:
                report.count("images", "unchanged")
                continue
            self.update.append(Image(article=article, **wanted))
            report.count("images", "updated")
        deleted = [row["id"] for row in rows[len(records) :]]
        self.delete += deleted
        report.count("images", "deleted", len(deleted))
        return before != (len(self.create), len(self.update), len(self.delete))

    def apply(self) -> None:
        Image.objects.bulk_create(self.create, batch_size=500)
        Image.objects.bulk_update(self.update, ["position", *IMAGE_COLUMNS])
        Image.objects.filter(id__in=self.delete).delete()


def new_image(record: ImageRecord) -> ImageRow:
    """A new image's columns: what the record does not give stays empty (NULL where the
    column allows it, else a blank string)."""
    given = record.given_columns()
    return {
        name: EMPTY_IMAGE[name] if given.get(name) is None else given[name]
        for name in IMAGE_COLUMNS
    }


EMPTY_IMAGE = {name: None if Image._meta.get_field(name).null else "" for name in IMAGE_COLUMNS}


def create_reading_lists(lists: list[tuple[Article, ReadingList]]) -> None:
    groups = ReadingListGroup.objects.bulk_create(
        ReadingListGroup(article=article, position=position, heading=heading)
        for article, reading in lists
        for position, (heading, _) in enumerate(reading)
    )
    group_entries = [entries for _, reading in lists for _, entries in reading]
    entries = ReadingListEntry.objects.bulk_create(
        ReadingListEntry(group=group, position=position, text=text)
        for group, items in zip(groups, group_entries, strict=True)
        for position, (text, _) in enumerate(items)
    )
    entry_books = [books for items in group_entries for _, books in items]
    ReadingListEntryBook.objects.bulk_create(
        ReadingListEntryBook(entry=entry, book_id=book_id, position=position)
        for entry, books in zip(entries, entry_books, strict=True)
        for position, book_id in enumerate(books)
    )
