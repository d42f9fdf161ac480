"""How parsed files reach the database: each all of it or none of it.

A file is its own transaction (``load_parsed``), or, with the runner's ``batch_size``
above one, a savepoint in a transaction shared by a batch of files (``load_batch``): a
scraped page is one article, and a transaction, its revisions' and change feed's queries
and the cache's retirement per page cost many times the page's own rows. A bad file
rolls back only its savepoint; the batch's revisions and events are written once, before
it commits. A file that lost a race to another import is tried again.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction

from articles.caching import records_changed, years_of
from history.recording import record_article_revisions

from .loader import load_issue, load_issue_files, mergeable
from .publishing import check_drafts_only
from .records import ImportFileError, RecordError
from .reports import FileReport

if TYPE_CHECKING:
    from .runner import KeptSource, ParsedFile

MAX_ATTEMPTS = 5
# PostgreSQL's "serialization failure" and "deadlock detected": try the file again.
_RETRY_SQLSTATES = {"40001", "40P01"}
_CONNECTION_LOST_SQLSTATES = ("08", "57P")


class _Overlap(Exception):
    """A file changed an article that an earlier file of its batch changed too."""


@dataclass
class _BatchRevisions:
    """The article changes of a batch's files so far, recorded together: each article's
    revision is one file's change, so a file that changes an article already pending has
    the pending ones recorded first."""

    user: object
    fields: dict[int, list[str]] = field(default_factory=dict)
    created: list[int] = field(default_factory=list)
    touched: dict[str, set[int]] = field(default_factory=dict)
    records: dict[tuple[str, int], str] = field(default_factory=dict)
    published_before: set[dt.datetime] = field(default_factory=set)
    changed: bool = False

    def add(self, changes) -> None:
        if self.fields.keys() & changes.fields.keys():
            raise _Overlap
        self.fields.update(changes.fields)
        self.created += changes.created
        for type_, ids in changes.touched.items():
            self.touched.setdefault(type_, set()).update(ids)
        # A record created by one file and changed by the next was created by the batch.
        self.records = {**changes.records, **self.records}
        self.published_before |= changes.published_before
        self.changed = True

    def record(self) -> None:
        if not self.changed:
            return
        record_article_revisions(
            self.fields,
            user=self.user,
            source="import",
            created=self.created,
            touched=self.touched,
            records=self.records,
        )
        # Bulk writes send no signals: retire the cached pages that show the batch here.
        records_changed(
            {"article": set(self.fields)},
            {
                **{
                    kind: self.touched.get(kind, set())
                    for kind in ("issue", "author", "book", "image")
                },
                "year": years_of(self.published_before),
            },
        )
        self.fields, self.created, self.touched, self.records = {}, [], {}, {}
        self.published_before = set()
        self.changed = False


def load_batch(
    files: list[ParsedFile], *, dry_run: bool = False, may_publish: bool = True, user=None
) -> list[FileReport]:
    """Write parsed files in one transaction, each in a savepoint, so that each is still
    all or nothing: a refused file rolls back its own savepoint and is reported with its
    line, and the others commit. Their revisions and change-feed events are recorded once
    for the batch (``_BatchRevisions``), and the API's cache retired once.

    Files are written in the order of their issues, so that concurrent batches take the
    issues' locks in one order and wait for each other rather than deadlock. The files
    of one issue (scraped pages, one article each) are written together, with one set of
    statements, when that leaves what writing them one by one would (``mergeable``);
    if the loader or the database refuses them together, each goes on its own. A file
    that the database refused (it lost a race, or met a deadlock) is tried again on its
    own once the batch has committed; if the batch itself fails (its connection lost,
    say), every file of it is, as ``load_parsed`` would import it. A dry run judges each
    file alone.
    """
    reports: dict[int, FileReport] = {}
    alone: list[int] = []
    order = sorted(range(len(files)), key=lambda index: _lock_order(files[index]))
    groups = [[index] for index in order] if dry_run else _issue_groups(files, order)
    drop_a_broken_connection()
    try:
        with _planned_afresh(), transaction.atomic():
            revisions = _BatchRevisions(user)
            while groups:
                group = groups.pop(0)
                try:
                    if len(group) > 1:
                        together = [files[index] for index in group]
                        written = _load_together(together, revisions, may_publish)
                        reports.update(zip(group, written, strict=True))
                    else:
                        reports[group[0]] = _load_in_savepoint(
                            files[group[0]], revisions, dry_run=dry_run, may_publish=may_publish
                        )
                except _Overlap:
                    revisions.record()
                    groups.insert(0, group)
                except RecordError:
                    # Only files written together raise it: each goes again on its own.
                    groups[:0] = [[index] for index in group]
                except DatabaseError as error:
                    if connection_lost(error):
                        raise
                    if len(group) > 1:
                        groups[:0] = [[index] for index in group]
                    else:
                        alone.append(group[0])
            revisions.record()
    except DatabaseError:
        alone = list(range(len(files)))
    for index in sorted(alone):
        reports[index] = load_parsed(
            files[index], dry_run=dry_run, may_publish=may_publish, user=user
        )
    return [reports[index] for index in range(len(files))]


def _lock_order(parsed: ParsedFile) -> tuple:
    if parsed.record is None:
        return ("",)
    return (parsed.record.publication_key, parsed.record.number)


def _issue_groups(files: list[ParsedFile], order: list[int]) -> list[list[int]]:
    """``order`` cut into runs of files of one issue that may be written together."""
    groups: list[list[int]] = []
    for key, run in itertools.groupby(order, key=lambda index: _lock_order(files[index])):
        run = list(run)
        records = [files[index].record for index in run]
        if len(run) > 1 and key != ("",) and mergeable(records):
            groups.append(run)
        else:
            groups += [[index] for index in run]
    return groups


def _load_together(
    files: list[ParsedFile], revisions: _BatchRevisions, may_publish: bool
) -> list[FileReport]:
    """Files of one issue, written together in one savepoint (``load_issue_files``)."""
    reports = [FileReport(path=file.name, warnings=list(file.record.warnings)) for file in files]
    with transaction.atomic():
        if not may_publish:
            for file in files:
                check_drafts_only(file.record)
        changes = load_issue_files(
            [(file.record, report) for file, report in zip(files, reports, strict=True)]
        )
        if any(report.changed for report in reports):
            revisions.add(changes)
    return reports


def _load_in_savepoint(
    parsed: ParsedFile, revisions: _BatchRevisions, *, dry_run: bool, may_publish: bool
) -> FileReport:
    """One file of a batch, in a savepoint; its article changes join ``revisions``."""
    if parsed.error:
        return FileReport(path=parsed.name, error=parsed.error)
    record = parsed.record
    report = FileReport(path=parsed.name, warnings=list(record.warnings))
    try:
        with transaction.atomic():
            if not may_publish:
                check_drafts_only(record)
            changes = load_issue(record, report)
            if dry_run:
                transaction.set_rollback(True)
            elif report.changed:
                revisions.add(changes)
    except RecordError as error:
        refused = ImportFileError(parsed.name, parsed.line_of(error.where), error.reason)
        return FileReport(path=parsed.name, warnings=report.warnings, error=refused)
    return report


def load_parsed(
    parsed: ParsedFile,
    *,
    dry_run: bool = False,
    may_publish: bool = True,
    user=None,
    kept: KeptSource | None = None,
) -> FileReport:
    """Write a parsed file in one transaction, with a revision (source ``import``) of each
    article it creates or changes; on a dry run roll it back, keeping the report. A
    ``kept`` source's outcome is recorded in the file's transaction when it is written."""
    report = _load_parsed(parsed, dry_run=dry_run, may_publish=may_publish, user=user, kept=kept)
    if kept and not report.recorded:
        kept.record(report)
    return report


def _load_parsed(
    parsed: ParsedFile, *, dry_run: bool, may_publish: bool, user, kept: KeptSource | None
) -> FileReport:
    if parsed.error:
        return FileReport(path=parsed.name, error=parsed.error)
    record = parsed.record
    for attempt in range(1, MAX_ATTEMPTS + 1):
        report = FileReport(path=parsed.name, warnings=list(record.warnings))
        drop_a_broken_connection()
        try:
            with _planned_afresh(), transaction.atomic():
                if kept and (earlier := kept.claim()):
                    return earlier
                if not may_publish:
                    check_drafts_only(record)
                changes = load_issue(record, report)
                if dry_run:
                    transaction.set_rollback(True)
                    return report
                if report.changed:
                    record_article_revisions(
                        changes.fields,
                        user=user,
                        source="import",
                        created=changes.created,
                        touched=changes.touched,
                        records=changes.records,
                    )
                    # Bulk writes send no signals: retire the API's cached pages here.
                    changes.retire_cached_pages()
                if kept:
                    kept.record(report)
                    report.recorded = True
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


def drop_a_broken_connection() -> None:
    """What Django does between requests: close the connection if it failed or the server
    dropped it, so that the next statement opens a new one. Inside a caller's transaction
    the connection is the caller's, and is left alone."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


@contextmanager
def _planned_afresh():
    """Have PostgreSQL plan each of the import's statements with its values.

    An import grows the tables under its own connection, and a prepared statement keeps
    the plan it was given when they were nearly empty: finding each issue's articles by
    slug would go on using a plan made for a table of a few rows, however large the
    archive had grown. Planned afresh, each statement is planned for the table it meets.
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


def _retryable(error: Exception) -> bool:
    """Whether the file may succeed when tried again: it lost a race to another import, or
    its connection was lost."""
    if isinstance(error, IntegrityError):
        return True
    return getattr(error.__cause__, "sqlstate", None) in _RETRY_SQLSTATES or connection_lost(error)


def connection_lost(error: Exception) -> bool:
    """The client found the connection closed (no SQLSTATE), or the server ended it: class
    08, or 57P for an administrator's or a crash's shutdown."""
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    return isinstance(error, OperationalError) and (
        sqlstate is None or sqlstate.startswith(_CONNECTION_LOST_SQLSTATES)
    )
