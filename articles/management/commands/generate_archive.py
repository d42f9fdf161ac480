"""Load a reproducible synthetic archive, for benchmarks and for trying the API at scale.

A real archive of a weekly since 1968 holds hundreds of thousands of articles; the
benchmark (``python -m tests.benchmarks``) needs one of that size whose search words,
bylines and reading lists are known in advance (``articles.synthetic``
says which words are common, rare and absent). The documents go through the importer's
own write path, issue by issue, so the archive is built the way real imports build it,
and the same seed always gives the same archive.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from articles.importing.reports import ImportReport
from articles.importing.runner import analyze_loaded_tables, import_files
from articles.models import Topic
from articles.synthetic import SyntheticArchive


class Command(BaseCommand):
    help = "Generate a synthetic archive (weekly issues from 1968) and import it."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, required=True)
        parser.add_argument(
            "--authors", type=int, default=5000, help="The pool of bylines (default 5,000)."
        )
        parser.add_argument(
            "--seed", type=int, default=0, help="The same seed gives the same archive."
        )
        parser.add_argument(
            "--per-issue", type=int, default=50, help="Articles per issue (default 50)."
        )
        parser.add_argument(
            "--topics",
            type=int,
            default=40,
            help="Topics to file articles under (default 40), made before the import; "
            "--dry-run makes none, so pass --topics 0 there on an archive without them.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help="Generate and import this many issues at once, in worker processes "
            "(PostgreSQL only).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Generate and validate; write nothing."
        )

    def handle(self, *args, articles, authors, seed, per_issue, topics, jobs, dry_run, **options):
        if min(articles, authors, per_issue, jobs) < 1:
            raise CommandError("--articles, --authors, --per-issue and --jobs must be 1 or more.")
        if topics < 0:
            raise CommandError("--topics must be 0 or more.")
        if jobs > 1 and connection.vendor != "postgresql":
            raise CommandError("--jobs needs PostgreSQL: SQLite takes one writer at a time.")
        archive = SyntheticArchive(
            articles=articles, authors=authors, seed=seed, per_issue=per_issue, topics=topics
        )
        if not dry_run:
            Topic.objects.bulk_create(
                [Topic(**fields) for fields in archive.topic_pool], ignore_conflicts=True
            )
        report = ImportReport(dry_run=dry_run, keep_files=False)
        started = time.perf_counter()
        reports = import_files(archive.sources(), dry_run=dry_run, jobs=jobs)
        with tqdm(
            total=articles,
            unit="article",
            file=self.stderr._out,
            disable=options["verbosity"] == 0,
            mininterval=1,
        ) as bar:
            for file_report in reports:
                if file_report.error:
                    raise CommandError(str(file_report.error))
                report.add(file_report)
                bar.update(len(file_report.articles))
        loaded = time.perf_counter() - started
        if connection.vendor == "postgresql" and not dry_run:
            analyze_loaded_tables()
        if options["verbosity"]:
            for line in report.summary():
                self.stdout.write(line)
            self.stdout.write(
                self.style.SUCCESS(
                    f"{articles:,} articles in {archive.issues:,} issues: loaded in {loaded:.1f} s "
                    f"({articles / loaded:,.0f} articles/s), "
                    f"{time.perf_counter() - started:.1f} s in all."
                )
            )
