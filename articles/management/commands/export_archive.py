"""Write the archive as interchange documents, one JSON file per issue.

The documents are what ``import_archive`` reads, so an export moves an archive between
databases with nothing lost; and they are deterministic (no timestamps, no database
ids, stable order), so exports can be diffed and kept in version control.
"""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importing.export import export_archive, export_queryset


class Command(BaseCommand):
    help = "Export issues as interchange JSON documents (<issue slug>.json) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, type=Path, help="The folder to write.")
        parser.add_argument("--publication", default="", help="Only this publication (slug).")
        parser.add_argument(
            "--issue",
            action="append",
            default=[],
            dest="issues",
            metavar="SLUG",
            help="Only this issue, e.g. socialist-worker-2215 (repeatable).",
        )
        parser.add_argument(
            "--date-from",
            type=dt.date.fromisoformat,
            help="Only issues with a cover date or an article on or after this day (YYYY-MM-DD).",
        )
        parser.add_argument(
            "--date-to",
            type=dt.date.fromisoformat,
            help="Only issues with a cover date or an article on or before this day (YYYY-MM-DD).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be written; write nothing."
        )

    def handle(self, *args, output, publication, issues, date_from, date_to, dry_run, **options):
        if output.exists() and not output.is_dir():
            raise CommandError(f"{output} is not a folder.")
        queryset = export_queryset(
            publication=publication, issues=issues, date_from=date_from, date_to=date_to
        )
        written = unchanged = 0
        for path, changed in export_archive(output=output, issues=queryset, dry_run=dry_run):
            if changed:
                written += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"wrote {path}")
            else:
                unchanged += 1
        verb = "would write" if dry_run else "wrote"
        self.stdout.write(
            self.style.SUCCESS(
                f"{written + unchanged} issue(s): {verb} {written}, {unchanged} unchanged, "
                f"in {output}"
            )
        )
