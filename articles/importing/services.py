"""The importer's one write path, shared by ``import_archive``, the API and the admin.

``import_file`` reads one file, scraped text or an interchange document, and writes it
in one transaction: all of it or none of it. Records are matched by natural keys
(publication slug + issue number, article slug, author slug from the name, book title +
authors), so a second import of a file changes nothing and a corrected file updates its
records in place. Work is batched per file: a constant number of queries however many
articles an issue holds, and nothing written when nothing changed.

Concurrency: the issue row is locked for the whole transaction, so two imports of one
issue run one after the other and the second finds the first's articles. Rows that
imports of different issues share are created so that a race waits rather than fails:
the issue and publication through ``get_or_create``, authors and books by inserts that
skip conflicts and then read the winner's row. Whatever still clashes (a deadlock, two
issues claiming one article slug) rolls the file back and it is tried again.
"""

import datetime as dt
import multiprocessing
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from articles import search
from articles.caching import archive_changed
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    Publication,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
    body_word_count,
)

from . import interchange
from .records import (
    ArticleRecord,
    AuthorRecord,
    BookRecord,
    ImageRecord,
    ImportFileError,
    IssueRecord,
    RecordError,
    Where,
)
from .reports import FileReport, ImportReport
from .scraped import parse_scraped

# An image as the importer compares and writes it, in this order.
IMAGE_COLUMNS = ("position", "caption", "credit", "alt_text", "file", "width", "height")

IMPORTABLE_SUFFIXES = (".txt", ".json")
MAX_ATTEMPTS = 5
# PostgreSQL's "serialization failure" and "deadlock detected": try the file again.
_RETRY_SQLSTATES = {"40001", "40P01"}


def find_files(*, paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The files to import, and those skipped: a named file is always read; a folder is
    searched recursively for ``.txt`` and ``.json`` files, in name order."""
    found, skipped = [], []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            (found if child.suffix.lower() in IMPORTABLE_SUFFIXES else skipped).append(child)
    return found, skipped


@dataclass
class ParsedFile:
    """A file read and parsed but not yet written: its records, or why it was refused."""

    name: str
    record: IssueRecord | None = None
    line_of: Callable[[Where], int] = field(default=lambda where: 1)
    error: ImportFileError | None = None


def parse_file(*, name: str, data: bytes, publication: str = "") -> ParsedFile:
    """Parse a file's bytes: a ``.json`` name or a leading ``{`` means an interchange
    document, anything else a scraped page."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        reason = f"expected UTF-8 text, found the byte 0x{data[error.start]:02x}"
        return ParsedFile(name, error=ImportFileError(name, line, reason))
    text = text.removeprefix("\ufeff")
    try:
        if name.lower().endswith(".json") or text.lstrip().startswith("{"):
            record = interchange.parse_interchange(text, path=name)
            return ParsedFile(name, record, lambda where: interchange.line_of(text, where))
        record = parse_scraped(text, path=name, publication=publication)
        return ParsedFile(name, record, lambda where: where if isinstance(where, int) else 1)
    except ImportFileError as error:
        return ParsedFile(name, error=error)


def parse_path(*, path: Path, publication: str = "") -> ParsedFile:
    try:
        data = path.read_bytes()
    except OSError as error:
        reason = f"expected a readable file, found {error.strerror or error}"
        return ParsedFile(str(path), error=ImportFileError(str(path), 1, reason))
    return parse_file(name=str(path), data=data, publication=publication)


def load_parsed(*, parsed: ParsedFile, dry_run: bool = False) -> FileReport:
    """Write a parsed file in one transaction; on a dry run roll it back, keeping the report."""
    if parsed.error:
        return FileReport(path=parsed.name, error=parsed.error)
    record = parsed.record
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = FileReport(path=parsed.name, warnings=list(record.warnings))
        try:
            with _planned_afresh(), transaction.atomic():
                _load_issue(record, report)
                if dry_run:
                    transaction.set_rollback(True)
                elif report.changed:
                    # Bulk writes send no signals: retire the API's cached pages here.
                    archive_changed()
            return report
        except RecordError as error:
            refused = ImportFileError(parsed.name, parsed.line_of(error.where), error.reason)
        except DatabaseError as error:
            if attempt < MAX_ATTEMPTS and _retryable(error):
                time.sleep(0.05 * attempt)
                continue
            refused = ImportFileError(
                parsed.name,
                parsed.line_of(record.where),
                f"expected to save the issue, found the database refusing it ({error})",
            )
        return FileReport(path=parsed.name, warnings=report.warnings, error=refused)
    raise AssertionError("unreachable")


@contextmanager
def _planned_afresh():
    """Have PostgreSQL plan each of the import's statements with its values.

    An import grows the tables under its own connection, and a prepared statement keeps
    the plan it was given when they were nearly empty: by 160,000 articles, a
    1,000,000-article load spent most of its time finding each issue's articles by slug
    and had slowed from 650 to 190 articles a second. Planned afresh, it held 500-700.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    threshold, driver.prepare_threshold = driver.prepare_threshold, None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def import_file(
    *, name: str, data: bytes, publication: str = "", dry_run: bool = False
) -> FileReport:
    """Import one file's bytes, all or nothing.

    ``name`` is how reports refer to the file; its last part becomes the articles'
    ``source``. ``publication`` names the publication for scraped pages with no masthead.
    """
    parsed = parse_file(name=name, data=data, publication=publication)
    return load_parsed(parsed=parsed, dry_run=dry_run)


def import_paths(
    *, paths: Sequence[Path], publication: str = "", dry_run: bool = False, jobs: int = 1
) -> Iterator[FileReport]:
    """Import files from disk, each all or nothing, yielding their reports in order.

    With ``jobs`` above one, that many worker processes import files side by side (on
    PostgreSQL: the issue lock and the conflict handling make that safe). Each file is
    read only when a worker takes it, so memory does not grow with the archive.
    """
    work = partial(_import_path, publication=publication, dry_run=dry_run)
    yield from _in_workers(work, paths, jobs)


def import_documents(
    *, make_document: Callable[[int], dict], count: int, dry_run: bool = False, jobs: int = 1
) -> Iterator[FileReport]:
    """Import ``count`` documents built by ``make_document(0)``… (the synthetic archive's),
    each all or nothing, yielding reports in order.

    Each worker builds the documents it imports, so building them runs in parallel too
    and none is held longer than its import.
    """
    work = partial(_import_document, make_document=make_document, dry_run=dry_run)
    yield from _in_workers(work, range(count), jobs)


def _in_workers(work: Callable, items: Iterable, jobs: int) -> Iterator[FileReport]:
    try:
        if jobs == 1:
            yield from map(work, items)
            return
        # Forked workers must each open their own connection, not share this one's socket.
        connections.close_all()
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        try:
            yield from pool.map(work, items)
        finally:
            pool.shutdown(cancel_futures=True)
    finally:
        search.merge_pending_entries()


def _import_path(path: Path, *, publication: str, dry_run: bool) -> FileReport:
    return load_parsed(parsed=parse_path(path=path, publication=publication), dry_run=dry_run)


def _import_document(index: int, *, make_document: Callable[[int], dict], dry_run: bool):
    document = make_document(index)
    name = f"{document['issue']['slug']}.json"
    try:
        parsed = ParsedFile(name, interchange.read_document(document, path=name))
    except ImportFileError as error:
        parsed = ParsedFile(name, error=error)
    return load_parsed(parsed=parsed, dry_run=dry_run)


def import_uploads(
    *, files: Sequence[tuple[str, bytes]], dry_run: bool = False, publication: str = ""
) -> ImportReport:
    """Import uploaded files (name, content), each on its own, into one report."""
    report = ImportReport(dry_run=dry_run)
    for name, data in files:
        report.add(import_file(name=name, data=data, publication=publication, dry_run=dry_run))
    return report


def _retryable(error: Exception) -> bool:
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.__cause__, "sqlstate", None) in _RETRY_SQLSTATES


def _load_issue(record: IssueRecord, report: FileReport) -> None:
    issue = _issue(record, report)
    author_records = [a for article in record.articles for a in article.authors]
    book_records = [
        book
        for article in record.articles
        for group in article.reading_groups
        for entry in group.entries
        for book in entry.books
    ]
    author_records += [a for book in book_records for a in book.authors]
    author_ids = _authors(author_records, report)
    book_ids = _books(book_records, author_ids, report)
    _articles(record.articles, issue, author_ids, book_ids, report)


def _issue(record: IssueRecord, report: FileReport) -> Issue:
    """The issue, created if new and locked until the file's transaction ends."""
    publication = (
        Publication.objects.filter(slug=record.publication_key).first()
        or Publication.objects.filter(name=record.publication_name).first()
        or Publication.objects.get_or_create(
            slug=record.publication_key, defaults={"name": record.publication_name}
        )[0]
    )
    # No join to the publication: locking its row would serialise every import of it.
    # get_or_create inserts in a savepoint, so losing a race to create the issue means
    # waiting for the winner to commit, then locking its row.
    issue, created = (
        Issue.objects.select_related(None)
        .select_for_update()
        .get_or_create(
            publication=publication,
            number=record.number,
            defaults={
                "slug": record.slug or f"{publication.slug}-{record.number}",
                "date": record.date,
            },
        )
    )
    if created:
        report.count("issues", "created")
    elif record.date is not None and issue.date != record.date:
        issue.date = record.date
        issue.save(update_fields=["date"])
        report.count("issues", "updated")
    else:
        report.count("issues", "unchanged")
    return issue


def _authors(records: list[AuthorRecord], report: FileReport) -> dict[str, int]:
    """Author ids by slug, creating the missing. An existing author keeps the name an
    editor may have corrected; a source's bio fills in or replaces theirs."""
    wanted: dict[str, AuthorRecord] = {}
    for record in records:
        if record.key not in wanted or (record.bio and not wanted[record.key].bio):
            wanted[record.key] = record
    if not wanted:
        return {}
    existing = Author.objects.order_by().in_bulk(list(wanted), field_name="slug")
    changed = []
    for slug, author in existing.items():
        bio = wanted[slug].bio
        if bio and author.bio != bio:
            author.bio = bio
            changed.append(author)
    Author.objects.bulk_update(changed, ["bio"])
    missing = sorted(slug for slug in wanted if slug not in existing)
    # Another import may be creating the same author right now: skipping the conflict
    # waits for it to commit, and the select after finds its row. Sorted, so concurrent
    # imports take the unique index's locks in the same order.
    Author.objects.bulk_create(
        [Author(name=wanted[s].name, slug=s, bio=wanted[s].bio or "") for s in missing],
        ignore_conflicts=True,
    )
    ids = {author.slug: author.id for author in existing.values()}
    ids.update(Author.objects.filter(slug__in=missing).values_list("slug", "id"))
    report.count("authors", "created", len(missing))
    report.count("authors", "updated", len(changed))
    report.count("authors", "unchanged", len(existing) - len(changed))
    return ids


def _books(
    records: list[BookRecord], author_ids: dict[str, int], report: FileReport
) -> dict[tuple, int]:
    """Book ids by (title, authors), creating the missing and filling in known details."""
    wanted: dict[tuple, BookRecord] = {}
    for record in records:
        wanted.setdefault(record.key, record)
    if not wanted:
        return {}
    details = ("publisher", "year", "isbn", "series", "volume")
    rows = (
        Book.objects.filter(title__in={title for title, _ in wanted})
        .order_by("id")
        .values_list("id", "title", *details, "credits__author__slug")
    )
    found = {}
    for book_id, title, *values, author_slug in rows:
        book = found.setdefault(book_id, (title, dict(zip(details, values, strict=True)), set()))
        if author_slug:
            book[2].add(author_slug)
    existing = {(title, frozenset(slugs)): (i, known) for i, (title, known, slugs) in found.items()}

    ids, changed, changed_fields = {}, [], set()
    for key, record in wanted.items():
        if key not in existing:
            continue
        ids[key], known = existing[key]
        updates = {
            name: value for name, value in record.known_fields().items() if known[name] != value
        }
        if updates:
            changed.append(Book(id=ids[key], **{**known, **updates}))
            changed_fields.update(updates)
    if changed:
        Book.objects.bulk_update(changed, sorted(changed_fields))

    missing = [record for key, record in wanted.items() if key not in existing]
    ids.update(_create_books(missing, author_ids))
    report.count("books", "created", len(missing))
    report.count("books", "updated", len(changed))
    report.count("books", "unchanged", len(existing.keys() & wanted.keys()) - len(changed))
    return ids


def _create_books(records: list[BookRecord], author_ids: dict[str, int]) -> dict[tuple, int]:
    """Create books and their credits; ids by (title, authors)."""
    slugs = _free_book_slugs(records)
    # As with authors, a concurrent import may create the same book first: its row is
    # used, unless it turns out to be another book that took the slug, when the file is
    # tried again and picks another slug.
    Book.objects.bulk_create(
        sorted(
            (Book(title=r.title, slug=slugs[r.key], **r.known_fields()) for r in records),
            key=lambda book: book.slug,
        ),
        ignore_conflicts=True,
    )
    found = {}
    for slug, book_id, author_slug in Book.objects.filter(slug__in=slugs.values()).values_list(
        "slug", "id", "credits__author__slug"
    ):
        credited = found.setdefault(slug, (book_id, set()))[1]
        if author_slug:
            credited.add(author_slug)
    ids, credits = {}, []
    for record in records:
        book_id, credited = found[slugs[record.key]]
        if credited and credited != record.key[1]:
            raise IntegrityError(f"book slug {slugs[record.key]!r} taken by another import")
        ids[record.key] = book_id
        if not credited:
            authors = dict.fromkeys(author.key for author in record.authors)
            credits += [
                BookAuthor(book_id=book_id, author_id=author_ids[slug], position=position)
                for position, slug in enumerate(authors)
            ]
    BookAuthor.objects.bulk_create(credits, ignore_conflicts=True)
    return ids


def _book_slug_options(record: BookRecord) -> list[str]:
    base = record.slug or slugify(record.title)[:300].strip("-") or "book"
    names = " ".join(author.name for author in record.authors)
    return [base, slugify(f"{base} {names}")[:300].strip("-")] if names else [base]


def _free_book_slugs(records: list[BookRecord]) -> dict[tuple, str]:
    """A slug for each new book: its title's, else qualified by its authors ("my-life" is
    taken by Trotsky's, so Clinton's is "my-life-bill-clinton"), else numbered."""
    options = {record.key: _book_slug_options(record) for record in records}
    taken = set(
        Book.objects.filter(slug__in={s for o in options.values() for s in o}).values_list(
            "slug", flat=True
        )
    )
    slugs = {}
    for key, choices in options.items():
        slug = next((choice for choice in choices if choice not in taken), None)
        number = 2
        while slug is None:
            numbered = f"{choices[0][:290]}-{number}"
            if numbered not in taken and not Book.objects.filter(slug=numbered).exists():
                slug = numbered
            number += 1
        taken.add(slug)
        slugs[key] = slug
    return slugs


@dataclass
class _Existing:
    """An article's current bylines, images and reading list, as comparable values."""

    bylines: dict[int, tuple] = field(default_factory=lambda: defaultdict(tuple))
    images: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    reading: dict[int, tuple] = field(default_factory=lambda: defaultdict(tuple))

    @classmethod
    def load(cls, article_ids: list[int]) -> "_Existing":
        existing = cls()
        if not article_ids:
            return existing
        for article_id, author_id in ArticleAuthor.objects.filter(
            article_id__in=article_ids
        ).values_list("article_id", "author_id"):
            existing.bylines[article_id] += (author_id,)
        for row in Image.objects.filter(article_id__in=article_ids).values_list(
            "article_id", "id", *IMAGE_COLUMNS
        ):
            existing.images[row[0]].append(row[1:])
        # One query for the three levels of every reading list, in print order.
        rows = (
            ReadingListGroup.objects.filter(article_id__in=article_ids)
            .order_by(
                "article_id",
                "position",
                "id",
                "entries__position",
                "entries__id",
                "entries__links__position",
                "entries__links__id",
            )
            .values_list(
                "article_id",
                "id",
                "heading",
                "entries__id",
                "entries__text",
                "entries__links__book_id",
            )
        )
        groups = {}
        for article_id, group_id, heading, entry_id, text, book_id in rows:
            entries = groups.setdefault(group_id, (article_id, heading, {}))[2]
            if entry_id is not None:
                books = entries.setdefault(entry_id, (text, []))[1]
                if book_id is not None:
                    books.append(book_id)
        for article_id, heading, entries in groups.values():
            entries = tuple((text, tuple(books)) for text, books in entries.values())
            existing.reading[article_id] += ((heading, entries),)
        return existing


_ARTICLE_FIELDS = (
    "issue_id",
    "headline",
    "standfirst",
    "body",
    "published_at",
    "status",
    "reading_list_note",
    "source",
)


def _articles(
    records: list[ArticleRecord],
    issue: Issue,
    author_ids: dict[str, int],
    book_ids: dict[tuple, int],
    report: FileReport,
) -> None:
    matches = _match_articles(records, issue)
    existing = _Existing.load([article.id for _, article, _ in matches if article])
    now = timezone.now()
    new, changed = [], []
    rewrite_bylines, rewrite_reading = [], []
    image_plan = _ImagePlan()
    for record, article, slug in matches:
        values = {
            "issue_id": issue.id,
            "headline": record.headline,
            "standfirst": record.standfirst,
            "body": record.body,
            "published_at": record.published_at,
            "status": record.status,
            "reading_list_note": record.reading_list_note,
            "source": record.source,
        }
        bylines = tuple(dict.fromkeys(author_ids[a.key] for a in record.authors))
        reading = tuple(
            (
                group.heading,
                tuple(
                    (entry.text, tuple(dict.fromkeys(book_ids[b.key] for b in entry.books)))
                    for entry in group.entries
                ),
            )
            for group in record.reading_groups
        )
        if article is None:
            article = Article(slug=slug, created_at=now, updated_at=now, **values)
            article.word_count = body_word_count(record.body)
            new.append((article, bylines, reading, record.images))
            action = "created"
        else:
            images_changed = image_plan.compare(article, existing.images[article.id], record.images)
            bylines_changed = existing.bylines[article.id] != bylines
            reading_changed = existing.reading[article.id] != reading
            fields_changed = any(getattr(article, name) != value for name, value in values.items())
            if fields_changed or images_changed or bylines_changed or reading_changed:
                for name, value in values.items():
                    setattr(article, name, value)
                article.word_count = body_word_count(record.body)
                article.updated_at = now
                changed.append(article)
                if bylines_changed:
                    rewrite_bylines.append((article, bylines))
                if reading_changed:
                    rewrite_reading.append((article, reading))
                action = "updated"
            else:
                action = "unchanged"
        report.count("articles", action)
        report.articles.append(
            {"slug": article.slug, "headline": article.headline, "action": action}
        )

    Article.objects.bulk_create([article for article, *_ in new], batch_size=500)
    Article.objects.bulk_update(
        changed, [*_ARTICLE_FIELDS, "word_count", "updated_at"], batch_size=100
    )
    for article, *_, images in new:
        image_plan.compare(article, [], images)
    image_plan.apply(report)

    ArticleAuthor.objects.filter(article__in=[a for a, _ in rewrite_bylines]).delete()
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author_id=author_id, position=position)
        for article, bylines in [*[(a, b) for a, b, *_ in new], *rewrite_bylines]
        for position, author_id in enumerate(bylines)
    )
    ReadingListGroup.objects.filter(article__in=[a for a, _ in rewrite_reading]).delete()
    _create_reading_lists([*[(a, r) for a, _, r, _ in new], *rewrite_reading])


def _match_articles(
    records: list[ArticleRecord], issue: Issue
) -> list[tuple[ArticleRecord, Article | None, str]]:
    """Each record with its article (None if new) and slug, by the records' slug keys."""
    options = [record.slug_candidates(issue.slug) for record in records]
    found = Article.objects.order_by().in_bulk({s for o in options for s in o}, field_name="slug")
    matches, claimed = [], set()
    for record, choices in zip(records, options, strict=True):
        if len(choices) == 1:
            article = found.get(choices[0])
        else:
            article = next(
                (found[s] for s in choices if s in found and found[s].issue_id == issue.id), None
            )
        slug = article.slug if article else next((s for s in choices if s not in found), None)
        if slug is None:
            raise RecordError(
                record.where,
                f"expected a headline whose slug {choices[0]!r} is free or this issue's, "
                "found it taken by another issue's article",
            )
        if slug in claimed:
            raise RecordError(record.where, f"expected each article once, found {slug!r} twice")
        claimed.add(slug)
        matches.append((record, article, slug))
    return matches


class _ImagePlan:
    """Images matched by position: captions corrected in place, so a file an editor
    uploaded for a caption-only image survives a re-import of the scraped page."""

    def __init__(self):
        self.create: list[Image] = []
        self.update: list[Image] = []
        self.delete: list[int] = []
        self.unchanged = 0

    def compare(self, article: Article, rows: list[tuple], records: list[ImageRecord]) -> bool:
        """Plan the changes; whether there are any."""
        before = (len(self.create), len(self.update), len(self.delete))
        for position, record in enumerate(records):
            if position >= len(rows):
                self.create.append(
                    Image(
                        article=article,
                        position=position,
                        caption=record.caption,
                        credit=record.credit or "",
                        alt_text=record.alt_text or "",
                        file=record.file or "",
                        width=record.width,
                        height=record.height,
                    )
                )
                continue
            image_id, *current = rows[position]
            _, _, credit, alt_text, file, width, height = current
            wanted = [position, record.caption, credit, alt_text, file, width, height]
            if record.file is not None:
                wanted[2:] = [
                    record.credit,
                    record.alt_text,
                    record.file,
                    record.width,
                    record.height,
                ]
            if wanted == current:
                self.unchanged += 1
                continue
            self.update.append(
                Image(
                    id=image_id,
                    article=article,
                    **dict(
                        zip(
                            IMAGE_COLUMNS,
                            wanted,
                            strict=True,
                        )
                    ),
                )
            )
        self.delete += [row[0] for row in rows[len(records) :]]
        return before != (len(self.create), len(self.update), len(self.delete))

    def apply(self, report: FileReport) -> None:
        Image.objects.bulk_create(self.create, batch_size=500)
        Image.objects.bulk_update(
            self.update, ["position", "caption", "credit", "alt_text", "file", "width", "height"]
        )
        Image.objects.filter(id__in=self.delete).delete()
        report.count("images", "created", len(self.create))
        report.count("images", "updated", len(self.update))
        report.count("images", "deleted", len(self.delete))
        report.count("images", "unchanged", self.unchanged)


def _create_reading_lists(lists: list[tuple[Article, tuple]]) -> None:
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


def export_queryset(
    *,
    publication: str = "",
    issues: Sequence[str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Issue]:
    """Issues to export, with everything their documents need prefetched.

    A date range picks issues whose cover date, or any article's publication date, is in it.
    """
    queryset = Issue.objects.all()
    if publication:
        queryset = queryset.filter(publication__slug=publication)
    if issues:
        queryset = queryset.filter(slug__in=issues)
    if date_from or date_to:
        cover, published = Q(), Q()
        if date_from:
            cover &= Q(date__gte=date_from)
            published &= Q(articles__published_at__date__gte=date_from)
        if date_to:
            cover &= Q(date__lte=date_to)
            published &= Q(articles__published_at__date__lte=date_to)
        queryset = queryset.filter(pk__in=Issue.objects.filter(cover | published).values("pk"))
    return queryset.order_by("publication__slug", "number").prefetch_related(
        "articles__images",
        Prefetch("articles__bylines", queryset=ArticleAuthor.objects.select_related("author")),
        "articles__reading_groups__entries",
        Prefetch(
            "articles__reading_groups__entries__links",
            queryset=ReadingListEntryBook.objects.select_related("book"),
        ),
        Prefetch(
            "articles__reading_groups__entries__links__book__credits",
            queryset=BookAuthor.objects.select_related("author"),
        ),
    )


def export_issue(*, issue: Issue) -> bytes:
    """One issue's interchange document, as the bytes ``export_archive`` writes."""
    return interchange.dumps(interchange.issue_document(issue))


def export_archive(
    *, output: Path, issues: QuerySet[Issue], dry_run: bool = False
) -> Iterator[tuple[Path, bool]]:
    """Write one document per issue as ``<issue slug>.json``; yield each path and whether
    it changed. An unchanged file is not rewritten, so its timestamp says when it last
    changed."""
    if not dry_run:
        output.mkdir(parents=True, exist_ok=True)
    for issue in issues.iterator(chunk_size=100):
        data = export_issue(issue=issue)
        path = output / f"{issue.slug}.json"
        changed = not path.is_file() or path.read_bytes() != data
        if changed and not dry_run:
            # Write beside it and rename, so a reader never sees half a document.
            handle, temporary = tempfile.mkstemp(dir=output, suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        yield path, changed
