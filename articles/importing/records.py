"""What a source says about one issue, before it touches the database.

Both parsers (scraped text and interchange JSON) produce these records; the loader
in ``services`` writes them. ``None`` on an optional field means "the source does not
say", so an import leaves whatever an editor put there; an empty string means "the
source says it is empty".
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.text import slugify

from articles.models import Article

# Where a record came from inside its file: a line number for scraped text, a JSON
# path such as ("articles", 2, "headline") for an interchange document.
Where = int | tuple[str | int, ...]
_SLUG_LENGTH = Article._meta.get_field("slug").max_length


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
    publisher: str | None = None
    year: int | None = None
    isbn: str | None = None
    series: str | None = None
    volume: int | None = None

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        """Title plus authors: two books may share a title, not a title and authors."""
        return (self.title, frozenset(author.key for author in self.authors))

    def known_fields(self) -> dict[str, str | int]:
        """The optional details the source gives (``None`` ones it leaves to editors)."""
        details = {
            "publisher": self.publisher,
            "year": self.year,
            "isbn": self.isbn,
            "series": self.series,
            "volume": self.volume,
        }
        return {name: value for name, value in details.items() if value is not None}


@dataclass(frozen=True)
class ImageRecord:
    caption: str
    credit: str | None = None
    alt_text: str | None = None
    file: str | None = None
    width: int | None = None
    height: int | None = None


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
    headline: str
    standfirst: str
    body: str
    published_at: dt.datetime | None
    where: Where
    status: str = "published"
    slug: str = ""
    authors: list[AuthorRecord] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    reading_groups: list[GroupRecord] = field(default_factory=list)
    reading_list_note: str = ""
    source: str = ""

    def slug_candidates(self, issue_slug: str) -> list[str]:
        """An interchange slug is the article's key; a scraped headline's slug may clash
        with another issue's article ("Editorial"), so it falls back to one qualified by
        the issue."""
        if self.slug:
            return [self.slug]
        base = slugify(self.headline)[:_SLUG_LENGTH].strip("-") or "article"
        return [base, f"{base[: _SLUG_LENGTH - len(issue_slug) - 1].strip('-')}-{issue_slug}"]


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
