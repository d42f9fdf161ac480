"""The runner: archive files in, one report per file out.

Every front door (``manage.py import_archive``, ``POST /api/v1/imports/``, the admin's
import page, ``manage.py generate_archive``) calls ``import_files``. For each source it
parses the bytes (scraped page or interchange document), has the loader write the issue
all of it or none of it, tries the file again when it lost a race to another import,
and reports what happened, in order. With ``jobs`` above one the files are imported
side by side in worker processes.

``transactions`` writes each file, in its own transaction or in a savepoint of a
batch's.
"""

import itertools
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.db import OperationalError, connection, connections
from reversion.models import Revision, Version

from articles import search
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleDocument,
    Author,
    Book,
    BookAuthor,
    Image,
    Issue,
    ReadingListEntry,
    ReadingListEntryBook,
    ReadingListGroup,
)
from history.models import Change, Event

from . import interchange
from .records import ImportFileError, IssueRecord, Where
from .reports import FileReport
from .scraped import parse_scraped
from .transactions import connection_lost, drop_a_broken_connection, load_batch, load_parsed

IMPORTABLE_SUFFIXES = (".txt", ".json")
# The tables an import fills, analysed as it grows them (``_Statistics``): the archive's
# and those each article's write adds to (its stored document, its revision and the
# change feed's events).
LOADED_MODELS = (
    Issue,
    Author,
    Book,
    BookAuthor,
    Article,
    ArticleAuthor,
    Article.topics.through,
    Image,
    ReadingListGroup,
    ReadingListEntry,
    ReadingListEntryBook,
    ArticleDocument,
    Revision,
    Version,
    Change,
    Event,
)
_ARTICLES = Article._meta.db_table
ANALYZE_AFTER_ARTICLES = 1000
# Files that share a transaction (``load_batch``), and the most worker processes an
# import starts unless told: each holds a database connection.
BATCH_FILES = 50
MAX_DEFAULT_JOBS = 8


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


class Source(Protocol):
    """Something ``import_files`` can import: it knows how to read and parse itself.

    Sources travel to worker processes, so they are small and picklable; each is read
    only when a worker takes it, and memory does not grow with the archive.
    """

    def parse(self, *, publication: str) -> ParsedFile: ...


@runtime_checkable
class KeptSource(Source, Protocol):
    """A source that keeps its own outcome (an import job's file), so that a file imported
    once is never imported again, however often the import is run."""

    def claim(self) -> FileReport | None:
        """Inside the file's transaction, before anything is written: take the file (a
        lock held until the transaction ends), or its report if it was imported already."""

    def record(self, report: FileReport) -> None:
        """Keep the file's report: inside its transaction when the file is written, so
        the two commit together or not at all; after it otherwise."""


@dataclass(frozen=True)
class Upload:
    """A file's bytes, as an upload delivers them; ``name`` is how reports refer to it,
    and its last part becomes the articles' ``source``."""

    name: str
    data: bytes

    def parse(self, *, publication: str) -> ParsedFile:
        return parse_bytes(name=self.name, data=self.data, publication=publication)


@dataclass(frozen=True)
class DiskFile:
    """A file on disk, read when it is imported."""

    path: Path

    def parse(self, *, publication: str) -> ParsedFile:
        try:
            data = self.path.read_bytes()
        except OSError as error:
            reason = f"expected a readable file, found {error.strerror or error}"
            return ParsedFile(str(self.path), error=ImportFileError(str(self.path), 1, reason))
        return parse_bytes(name=str(self.path), data=data, publication=publication)


def import_plan(files: int, *, jobs: int | None, one_at_a_time: bool = False) -> tuple[int, int]:
    """(jobs, batch size) for importing ``files`` files: unless ``jobs`` is given, a
    worker per CPU core (up to ``MAX_DEFAULT_JOBS``) on PostgreSQL, and one on SQLite,
    which takes one writer at a time, or inside a caller's transaction, which workers
    would not see and whose connection they would close; never more workers than
    batches, nor batches so large that a worker waits idle for the last.
    ``one_at_a_time`` (stopping at the first bad file) commits every file on its own, in
    one process."""
    if one_at_a_time:
        return 1, 1
    if jobs is None:
        alone = connection.vendor != "postgresql" or connection.in_atomic_block
        jobs = 1 if alone else min(os.cpu_count() or 1, MAX_DEFAULT_JOBS)
    batch = max(1, min(BATCH_FILES, math.ceil(files / jobs)))
    return max(1, min(jobs, math.ceil(files / batch))), batch


def parse_bytes(*, name: str, data: bytes, publication: str = "") -> ParsedFile:
    """Parse a file's bytes: a ``.json`` name or a leading ``{`` means an interchange
    document, anything else a scraped page. ``publication`` names the publication of
    scraped pages with no masthead."""
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


def parse_document(*, name: str, document: dict) -> ParsedFile:
    """Parse an interchange document already in memory (a generated one)."""
    try:
        return ParsedFile(name, interchange.read_document(document, path=name))
    except ImportFileError as error:
        return ParsedFile(name, error=error)


def import_files(
    sources: Iterable[Source],
    *,
    publication: str = "",
    dry_run: bool = False,
    jobs: int = 1,
    may_publish: bool = True,
    user=None,
    batch_size: int = 1,
) -> Iterator[FileReport]:
    """Import each source all or nothing, yielding their reports in order. ``user`` is
    who imports, for the revisions of the articles the import creates or changes.

    Without ``may_publish`` (an importer without ``articles.publish_article``) a file
    may hold drafts only (``publishing.check_drafts_only``).

    With ``jobs`` above one, that many worker processes import files side by side (on
    PostgreSQL: the issue lock and the loader's conflict handling make that safe).

    With ``batch_size`` above one, up to that many files share a transaction, each in
    its own savepoint (``load_batch``); their reports then come a batch at a time. A
    source that keeps its own outcome (``KeptSource``: an import job's file, whose
    result is recorded as it is done) is always imported on its own.
    """
    reports = _reports(
        sources,
        publication=publication,
        dry_run=dry_run,
        jobs=jobs,
        may_publish=may_publish,
        user=user,
        batch_size=batch_size,
    )
    if dry_run or connection.vendor != "postgresql":
        yield from reports
        return
    statistics = _Statistics()
    for report in reports:
        yield report
        statistics.loaded(len(report.articles))


def _reports(
    sources, *, publication, dry_run, jobs, may_publish, user, batch_size
) -> Iterator[FileReport]:
    work = partial(
        _import_batch,
        publication=publication,
        dry_run=dry_run,
        may_publish=may_publish,
        user=user,
    )
    # With workers, the first file is a batch of its own. Another worker's batch that
    # names a record the first batch created (a new publication, the authors of its
    # first issue) waits for that batch to commit, so a first batch as large as the rest
    # kept the second worker idle through all of it.
    batches = _batches(iter(sources), batch_size, first=1 if jobs > 1 else batch_size)
    try:
        if jobs == 1:
            for batch in batches:
                yield from work(batch)
            return
        # Forked workers must each open their own connection, not share this one's socket.
        connections.close_all()
        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        try:
            for reports in pool.map(work, batches):
                yield from reports
        finally:
            pool.shutdown(cancel_futures=True)
    finally:
        drop_a_broken_connection()
        search.merge_pending_entries()


class _Statistics:
    """Keeps PostgreSQL's statistics abreast of a long import.

    The planner chooses each statement's plan from the tables' sizes as last analysed. An
    import into a young archive can grow them many times over before autovacuum (if the
    server runs it) analyses them again, and the loader's statements, planned for tables
    a tenth of their size, then read the whole archive for every file: the load slows as
    it grows. So the import analyses the tables it fills each time it has loaded as many
    articles as the planner last knew of, from ``ANALYZE_AFTER_ARTICLES`` on: a handful of
    analyses however long the load, each reading a sample, not the table.
    """

    def __init__(self):
        self.since = 0
        # Read once the import has loaded enough to matter: most imports are a few files.
        self.known: int | None = None

    def loaded(self, articles: int) -> None:
        self.since += articles
        if self.since < ANALYZE_AFTER_ARTICLES:
            return
        drop_a_broken_connection()
        try:
            if self.known is None:
                self.known = max(ANALYZE_AFTER_ARTICLES, _planned_articles())
            if self.since < self.known:
                return
            analyze_loaded_tables()
            self.known, self.since = max(self.known, _planned_articles()), 0
        except OperationalError as error:
            if not connection_lost(error):
                raise
            # The next file reconnects, as it would have without the analysis, and the
            # analysis is tried again after it.
            connection.close()


def _planned_articles() -> int:
    """How many articles the planner believes the archive holds."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [_ARTICLES])
        return max(0, int(cursor.fetchone()[0]))


def analyze_loaded_tables() -> None:
    """Have PostgreSQL analyse the tables an import fills."""
    with connection.cursor() as cursor:
        for model in LOADED_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    # Worker processes may yet be forked from this process: none must share its socket.
    if not connection.in_atomic_block:
        connection.close()


def _batches(sources: Iterator[Source], size: int, *, first: int) -> Iterator[list[Source]]:
    """The sources in batches of ``size``, but for the first ``size``: a batch of
    ``first`` and one of the rest. Later batches begin where they would have, so that
    pages of one issue that would have shared a batch still do: split between two
    workers, the second would wait on the issue until the first commits."""
    lead = [first, size - first] if first < size else [size]
    for length in itertools.chain(lead, itertools.repeat(size)):
        batch = list(itertools.islice(sources, length))
        if not batch:
            return
        yield batch


def _import_batch(
    sources: list[Source], *, publication: str, dry_run: bool, may_publish: bool, user
) -> list[FileReport]:
    parsed = [source.parse(publication=publication) for source in sources]
    if len(parsed) > 1 and not any(isinstance(source, KeptSource) for source in sources):
        return load_batch(parsed, dry_run=dry_run, may_publish=may_publish, user=user)
    return [
        load_parsed(
            one,
            dry_run=dry_run,
            may_publish=may_publish,
            user=user,
            kept=source if isinstance(source, KeptSource) else None,
        )
        for one, source in zip(parsed, sources, strict=True)
    ]
