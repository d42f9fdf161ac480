"""Load archive issues from scraped pages and interchange documents, files or folders.

Archivists load the archive in bulk with this: thousands of issues at a time, from cron
or by hand. Each file imports all or nothing (files share a transaction in batches, each
in its own savepoint), so a bad file is reported with its line and leaves nothing
half-written while the others go in; re-running over the same folder changes nothing.
Worker processes import batches side by side, one per core unless ``--jobs`` says. The
command exits non-zero if any file was refused.
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from articles.importing.reports import ImportReport
from articles.importing.runner import (
    MAX_DEFAULT_JOBS,
    DiskFile,
    find_files,
    import_files,
    import_plan,
)

# Without a terminal, a progress line this often (and after the last file).
PROGRESS_EVERY_SECONDS = 10


class Command(BaseCommand):
    help = (
        "Import scraped article pages (.txt) and interchange documents (.json). "
        "Folders are searched recursively."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse, validate and report what would change; write nothing.",
        )
        parser.add_argument(
            "--publication",
            default="",
            help="The publication (name or slug) of scraped pages that have no masthead.",
        )
        parser.add_argument(
            "--stop-on-error",
            action="store_true",
            help="Stop at the first bad file instead of reporting every one.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Import this many files at once, in worker processes (PostgreSQL only; "
            f"default: one per CPU core, up to {MAX_DEFAULT_JOBS}, and 1 on SQLite).",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Print only errors: no progress, warnings or summary (for cron).",
        )

    def handle(self, *args, paths, dry_run, publication, stop_on_error, quiet, jobs, **options):
        if jobs is not None and jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        if jobs is not None and jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs needs PostgreSQL: SQLite takes one writer at a time.")
        if jobs is not None and jobs > 1 and stop_on_error:
            raise CommandError("--stop-on-error imports one file at a time; drop --jobs.")
        verbosity = 0 if quiet else options["verbosity"]
        files, skipped = find_files(paths=paths)
        jobs, batch_size = import_plan(len(files), jobs=jobs, one_at_a_time=stop_on_error)
        report = ImportReport(
            dry_run=dry_run, keep_files=False, skipped=[str(path) for path in skipped]
        )
        bar = tqdm(
            total=len(files),
            unit="file",
            file=self.stderr._out,
            disable=verbosity == 0 or not self.stderr.isatty(),
        )
        last_line_at = time.monotonic()
        with bar:
            reports = import_files(
                map(DiskFile, files),
                publication=publication,
                dry_run=dry_run,
                jobs=jobs,
                batch_size=batch_size,
            )
            for done, file_report in enumerate(reports, 1):
                report.add(file_report)
                bar.update()
                if file_report.error:
                    self._write(bar, self.stderr, self.style.ERROR(str(file_report.error)))
                    if stop_on_error:
                        break
                if verbosity:
                    for warning in file_report.warnings:
                        self._write(bar, self.stdout, self.style.WARNING(f"warning: {warning}"))
                if verbosity >= 2 and not file_report.error:
                    for article in file_report.articles:
                        self._write(
                            bar,
                            self.stdout,
                            f"{file_report.path}: {article['action']} {article['slug']}",
                        )
                if (
                    verbosity
                    and bar.disable
                    and (
                        done == len(files)
                        or time.monotonic() - last_line_at >= PROGRESS_EVERY_SECONDS
                    )
                ):
                    self.stdout.write(f"{done}/{len(files)} files")
                    last_line_at = time.monotonic()

        if verbosity:
            for line in report.summary():
                self.stdout.write(line)
        if report.failed:
            raise CommandError(
                f"{len(report.failed)} file(s) could not be imported: "
                + ", ".join(failed.path for failed in report.failed)
            )

    def _write(self, bar, stream, message):
        # Printed through tqdm while its bar is drawn, so the bar is not torn.
        if bar.disable:
            stream.write(message)
        else:
            bar.write(message, file=stream._out)
