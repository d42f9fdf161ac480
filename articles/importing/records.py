"""What a source says about one issue, before it touches the database.

Both parsers (scraped text and interchange JSON) produce these records; the ``loader``
writes them. ``None`` on an optional field means "the source does not say", so an
import leaves whatever an editor put there; an empty string means "the source says it
is empty".

A record's fields marked ``COLUMN`` are the model's columns of the same name, listed by
``columns()``: the loader compares and writes them by name, and the export and the API
take an image's and a book's columns from the same lists, as do an image's revisions,
its change-feed entries and the API's image writes (``IMAGE_EDITED_COLUMNS``). A new
importable image or book column is one field here, plus the interchange schema, which a
test holds to the list.
"""

import datetime as dt
from dataclasses import dataclass, field, fields
from functools import cache

from django.apps import apps
from django.utils.text import slugify

# Where a record came from inside its file: a line number for scraped text, a JSON
# path such as ("articles", 2, "headline") for an interchange document.
Where = int | tuple[str | int, ...]


# The metadata of a record field that is the model column of the same name.
COLUMN = {"column": True}
# A column measured from the image file, never written by an editor.
FROM_FILE = {"column": True, "from_file": True}


@cache
def _article_slug_length() -> int:
    # Looked up when first needed: the models import this module.
    return apps.get_model("articles", "Article")._meta.get_field("slug").max_length


def columns(record_class) -> tuple[str, ...]:
    """The names of a record's ``COLUMN`` fields, in the order they are declared."""
    return tuple(f.name for f in fields(record_class) if f.metadata.get("column"))


class ImportFileError(Exception):
    """A file the importer refuses: says where, what was expected and what was found."""

    def __init__(self, path: str, line: int, reason: str):
        super().__init__(f"{path}:{line}: {reason}")
        self.path = path
        self.line = line
        self.reason = reason

    def __reduce__(self):
        # Reports cross from worker processes to the command (``import_archive --jobs``).
        return type(self), (self.path, self.line, self.reason)

    def as_dict(self) -> dict[str, str | int]:
        return {"file": self.path, "line": self.line, "reason": self.reason}


class RecordError(Exception):
    """A problem found while loading a record; the source turns ``where`` into a line."""

    def __init__(self, where: Where, reason: str):
        super().__init__(reason)
        self.where = where
        self.reason = reason


@dataclass(frozen=True)
class AuthorRecord:
    name: str
    slug: str = ""
    bio: str | None = None

    @property
    def key(self) -> str:
        return self.slug or slugify(self.name)


@dataclass(frozen=True)
class BookRecord:
    title: str
    authors: tuple[AuthorRecord, ...] = ()
    slug: str = ""
    publisher: str | None = field(default=None, metadata=COLUMN)
    year: int | None = field(default=None, metadata=COLUMN)
    isbn: str | None = field(default=None, metadata=COLUMN)
    series: str | None = field(default=None, metadata=COLUMN)
    volume: int | None = field(default=None, metadata=COLUMN)

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        """Title plus authors: two books may share a title, not a title and authors."""
        return (self.title, frozenset(author.key for author in self.authors))

    def known_fields(self) -> dict[str, str | int]:
        """The optional details the source gives (``None`` ones it leaves to editors)."""
        details = {name: getattr(self, name) for name in BOOK_DETAILS}
        return {name: value for name, value in details.items() if value is not None}


@dataclass(frozen=True)
class ImageRecord:
    """An image: a scraped page gives only its caption; a record with a ``file`` (an
    interchange document's) gives every column."""

    caption: str = field(metadata=COLUMN)
    credit: str | None = field(default=None, metadata=COLUMN)
    alt_text: str | None = field(default=None, metadata=COLUMN)
    file: str | None = field(default=None, metadata=COLUMN)
    width: int | None = field(default=None, metadata=FROM_FILE)
    height: int | None = field(default=None, metadata=FROM_FILE)

    def given_columns(self) -> dict[str, str | int | None]:
        """The columns this record speaks for: with a file all of them, else the caption."""
        if self.file is None:
            return {"caption": self.caption}
        return {name: getattr(self, name) for name in IMAGE_COLUMNS}


@dataclass(frozen=True)
class EntryRecord:
    text: str
    books: tuple[BookRecord, ...] = ()


@dataclass(frozen=True)
class GroupRecord:
    heading: str
    entries: tuple[EntryRecord, ...] = ()


@dataclass
class ArticleRecord:
    headline: str = field(metadata=COLUMN)
    standfirst: str = field(metadata=COLUMN)
    body: str = field(metadata=COLUMN)
    published_at: dt.datetime | None = field(metadata=COLUMN)
    where: Where = field(kw_only=True)
    status: str = field(default="published", metadata=COLUMN)
    slug: str = ""
    authors: list[AuthorRecord] = field(default_factory=list)
    # Slugs of topics the archive has; None (scraped text, a document without the key)
    # leaves the article's topics as editors filed them.
    topics: tuple[str, ...] | None = None
    images: list[ImageRecord] = field(default_factory=list)
    reading_groups: list[GroupRecord] = field(default_factory=list)
    reading_list_note: str = field(default="", metadata=COLUMN)
    source: str = field(default="", metadata=COLUMN)

    def slug_candidates(self, issue_slug: str) -> list[str]:
        """An interchange slug is the article's key; a scraped headline's slug may clash
        with another issue's article ("Editorial"), so it falls back to one qualified by
        the issue, as does a headline whose slug an API route takes ("Counts")."""
        from articles.models import RESERVED_ARTICLE_SLUGS

        if self.slug:
            return [self.slug]
        length = _article_slug_length()
        base = slugify(self.headline)[:length].strip("-") or "article"
        qualified = f"{base[: length - len(issue_slug) - 1].strip('-')}-{issue_slug}"
        return [qualified] if base in RESERVED_ARTICLE_SLUGS else [base, qualified]


@dataclass
class IssueRecord:
    publication_name: str
    number: int
    where: Where
    publication_slug: str = ""
    slug: str = ""
    date: dt.date | None = None
    articles: list[ArticleRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def publication_key(self) -> str:
        return self.publication_slug or slugify(self.publication_name)


BOOK_DETAILS = columns(BookRecord)
IMAGE_COLUMNS = columns(ImageRecord)
# What an editor writes of an image, and so what its revisions and change-feed entries
# compare: the columns not measured from the file.
IMAGE_EDITED_COLUMNS = tuple(
    f.name
    for f in fields(ImageRecord)
    if f.metadata.get("column") and not f.metadata.get("from_file")
)
ARTICLE_COLUMNS = columns(ArticleRecord)
