"""Measure the API against the raw-SQL limit and the naive DRF baseline, in one run.

    DATABASE_URL=postgres://…/archive_bench python -m tests.benchmarks [--http] [--scaling]

Needs a PostgreSQL archive made by ``manage.py generate_archive`` (its word classes are
what the search cases look for). Every Django case goes through ``django.test.Client``
with the full middleware and a dummy cache, so it measures the cache-miss path; the raw
SQL for the same page runs on a separate psycopg connection, prepared. Medians and
p95s in milliseconds; every ratio is against a baseline measured in this same run.
"""

import argparse
import base64
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import synthetic  # noqa: E402
from articles.importing import export  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.synthetic import SyntheticArchive  # noqa: E402
from tests.benchmarks import http  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
IMPORT_TITLE = "Benchmark Import Weekly"
# Requests a second of the mixed reads during imports at 32 connections before issue 19
# (the issue's own run: gunicorn, Redis, 20,000 articles): its target is twice as many.
MIXED_READS_BEFORE = 125

_BYLINES_JSON = """(SELECT json_agg(json_build_object('slug', au.slug, 'name', au.name)
        ORDER BY aa.position, aa.id)
    FROM articles_articleauthor aa JOIN articles_author au ON au.id = aa.author_id
    WHERE aa.article_id = a.id)"""
_LEAD_IMAGE_JSON = """(SELECT json_build_object('id', im.id, 'caption', im.caption,
        'credit', im.credit, 'alt_text', im.alt_text, 'file', im.file)
    FROM articles_image im WHERE im.article_id = a.id ORDER BY im.position, im.id LIMIT 1)"""
_LIST_COLUMNS = f"""a.id, a.slug, a.headline, a.standfirst, a.published_at, a.word_count,
    i.slug, i.number, i.date, p.slug, p.name, {_BYLINES_JSON}, {_LEAD_IMAGE_JSON}"""
_FROM = """FROM articles_article a JOIN articles_issue i ON i.id = a.issue_id
    JOIN articles_publication p ON p.id = i.publication_id"""
_PUBLISHED = "a.status = 'published' AND a.published_at <= now()"

RAW_LIST = f"""SELECT {_LIST_COLUMNS} {_FROM}
WHERE {_PUBLISHED} AND a.published_at >= %s AND a.published_at < %s
  AND a.id IN (SELECT article_id FROM articles_articleauthor WHERE author_id = %s)
ORDER BY a.published_at DESC, a.id DESC LIMIT 20"""

# The same page with the filter's total, as the API answers it: what issue 19's list
# target (at most 2× this) is measured against.
RAW_LIST_WITH_TOTAL = f"""SELECT {_LIST_COLUMNS}, count(*) OVER () {_FROM}
WHERE {_PUBLISHED} AND a.published_at >= %s AND a.published_at < %s
  AND a.id IN (SELECT article_id FROM articles_articleauthor WHERE author_id = %s)
ORDER BY a.published_at DESC, a.id DESC LIMIT 20"""

RAW_ISSUE = f"""SELECT {_LIST_COLUMNS} {_FROM}
WHERE {_PUBLISHED} AND i.slug = %s ORDER BY a.published_at, a.id"""

RAW_DETAIL = f"""SELECT {_LIST_COLUMNS}, a.body, a.reading_list_note,
  (SELECT json_agg(json_build_object('id', im.id, 'caption', im.caption, 'credit', im.credit,
        'alt_text', im.alt_text, 'file', im.file, 'width', im.width, 'height', im.height)
        ORDER BY im.position, im.id)
    FROM articles_image im WHERE im.article_id = a.id),
  (SELECT json_agg(json_build_object('heading', g.heading, 'entries',
        (SELECT json_agg(json_build_object('text', e.text, 'books',
            (SELECT json_agg(json_build_object('slug', b.slug, 'title', b.title, 'authors',
                (SELECT json_agg(json_build_object('slug', ba_a.slug, 'name', ba_a.name)
                    ORDER BY ba.position, ba.id)
                 FROM articles_bookauthor ba JOIN articles_author ba_a ON ba_a.id = ba.author_id
                 WHERE ba.book_id = b.id)) ORDER BY l.position, l.id)
             FROM articles_readinglistentrybook l JOIN articles_book b ON b.id = l.book_id
             WHERE l.entry_id = e.id)) ORDER BY e.position, e.id)
         FROM articles_readinglistentry e WHERE e.group_id = g.id)) ORDER BY g.position, g.id)
    FROM articles_readinglistgroup g WHERE g.article_id = a.id)
{_FROM} WHERE {_PUBLISHED} AND a.slug = %s"""

RAW_PAGE = f"""SELECT {_LIST_COLUMNS} {_FROM}
WHERE {_PUBLISHED} AND (a.published_at, a.id) < (%s, %s)
ORDER BY a.published_at DESC, a.id DESC LIMIT 21"""

# The two plans for "newest 20 matching": walk the date index and test each row, or
# find every match through the GIN index and sort them (the fence blocks the index walk).
RAW_SEARCH_BY_DATE = """SELECT a.id, a.slug, a.headline, a.published_at FROM articles_article a
WHERE a.status = 'published' AND a.published_at <= now()
  AND a.search_vector @@ websearch_to_tsquery('english', %s)
ORDER BY a.published_at DESC, a.id DESC LIMIT 20"""
RAW_SEARCH_BY_MATCHES = RAW_SEARCH_BY_DATE.replace(
    "ORDER BY a.published_at DESC", "ORDER BY a.published_at + interval '0 s' DESC"
)

LOCAL_MEMORY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SEARCHES = {
    "common": synthetic.COMMON_WORD,
    "medium": synthetic.MEDIUM_WORD,
    "rare": synthetic.RARE_WORD,
    "absent": synthetic.ABSENT_WORD,
    "phrase": f'"{synthetic.PHRASE}"',
}


def timed(call, runs: int, warmup: int = 3) -> dict:
    for _ in range(warmup):
        call(0)
    times = []
    for n in range(runs):
        started = time.perf_counter()
        call(n)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        "runs": runs,
    }


def write_folder(files) -> Path:
    """``files`` ((name, bytes)) written to a new temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="archive-benchmark-"))
    for name, data in files:
        (folder / name).write_bytes(data)
    return folder


def imported(articles: int, jobs, figures: dict) -> dict:
    return {
        "articles": articles,
        "jobs": jobs,
        "seconds": figures["seconds"],
        "articles_per_s": articles / figures["seconds"],
        "peak_rss_mib": figures["peak_rss_mib"],
    }


class Benchmark:
    def __init__(self, options):
        self.options = options
        self.results: dict[str, dict] = {}
        self.client = Client()
        settings = connection.settings_dict
        self.raw = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        )
        # Literal values, as Django sends them, so that PostgreSQL plans with the real value.
        self.literal = psycopg.ClientCursor(self.raw)

    # Measuring

    def get(self, url: str) -> None:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    def django_case(self, name: str, urls: list[str], runs: int, **extra) -> dict:
        with CaptureQueriesContext(connection) as queries:
            self.get(urls[0])
        # Counted now: the captured list is read from the connection's log, which the
        # next request clears.
        count = len(queries)
        result = timed(lambda n: self.get(urls[n % len(urls)]), runs)
        result.update(queries=count, **extra)
        self.results[name] = result
        return result

    def raw_case(self, name: str, sql: str, params: list, runs: int, literal=False) -> dict:
        def run(n):
            if literal:
                rows = self.literal.execute(sql, params[n % len(params)]).fetchall()
            else:
                rows = self.raw.execute(sql, params[n % len(params)], prepare=True).fetchall()
            json.dumps(rows, default=str)

        self.results[name] = timed(run, runs)
        return self.results[name]

    def ratio(self, name: str, baseline: str, key: str = "vs_raw") -> None:
        self.results[name][key] = (
            self.results[name]["median_ms"] / self.results[baseline]["median_ms"]
        )

    # Samples: fixed, so that every run measures the same pages

    def sample(self, sql: str, params=()) -> list[tuple]:
        return self.raw.execute(sql, params).fetchall()

    def run(self) -> dict:
        runs = self.options.runs
        archive = self.sample(f"SELECT count(*) FROM articles_article a WHERE {_PUBLISHED}")[0][0]
        self.results["archive"] = {"published_articles": archive}
        if self.options.only_imports:
            self.measure_imports()
            return self.results

        # Filtered list: the middle fifth of the archive's years, and authors with at least
        # 40 articles in it (fewer in a small archive), spread over the skew.
        first, last = (
            timezone.localdate(moment)
            for moment in self.sample(
                f"SELECT min(a.published_at), max(a.published_at) FROM articles_article a "
                f"WHERE {_PUBLISHED}"
            )[0]
        )
        after = first + (last - first) * 2 // 5
        before = first + (last - first) * 3 // 5
        london = timezone.get_default_timezone()
        start = dt.datetime.combine(after, dt.time.min, london)
        end = dt.datetime.combine(before + dt.timedelta(days=1), dt.time.min, london)
        authors = self.sample(
            """SELECT au.id, au.slug FROM articles_author au
            JOIN articles_articleauthor aa ON aa.author_id = au.id
            JOIN articles_article a ON a.id = aa.article_id
            WHERE a.published_at >= %s AND a.published_at < %s
            GROUP BY au.id HAVING count(*) >= %s ORDER BY count(*), au.id""",
            (start, end, 40 if archive >= 50_000 else 5),
        )
        authors = authors[:: max(1, len(authors) // 10)][:10]
        bounds = f"published_after={after}&published_before={before}"
        list_params = [(start, end, i) for i, _ in authors]
        self.raw_case("list: raw SQL", RAW_LIST, list_params, runs)
        self.raw_case("list: raw SQL with total", RAW_LIST_WITH_TOTAL, list_params, runs)
        for name, prefix in [
            ("list: API", "/api/v1/articles/?"),
            ("list: naive DRF", "/baseline/naive/?"),
            ("list: tuned DRF", "/baseline/tuned/?"),
        ]:
            urls = [f"{prefix}author={slug}&{bounds}" for _, slug in authors]
            self.django_case(name, urls, runs if "naive" not in name else max(20, runs // 4))
            self.ratio(name, "list: raw SQL")
        self.ratio("list: API", "list: raw SQL with total", "vs_raw_with_total")
        self.ratio("list: API", "list: naive DRF", "faster_than_naive")
        self.results["list: API"]["faster_than_naive"] **= -1

        # An issue's page.
        issues = [s for (s,) in self.sample("SELECT slug FROM articles_issue ORDER BY id")]
        issues = issues[:: max(1, len(issues) // 50)]
        self.raw_case("issue: raw SQL", RAW_ISSUE, [(s,) for s in issues], runs)
        self.django_case("issue: API", [f"/api/v1/issues/{s}/" for s in issues], runs)
        self.ratio("issue: API", "issue: raw SQL")

        # Article detail, with images and a reading list.
        slugs = [
            s
            for (s,) in self.sample(
                """SELECT a.slug FROM articles_article a WHERE """
                + _PUBLISHED
                + """ AND EXISTS (SELECT FROM articles_image im WHERE im.article_id = a.id)
                AND EXISTS (SELECT FROM articles_readinglistgroup g WHERE g.article_id = a.id)
                ORDER BY md5(a.slug) LIMIT 200"""
            )
        ]
        self.raw_case("detail: raw SQL", RAW_DETAIL, [(s,) for s in slugs], runs)
        self.django_case("detail: API", [f"/api/v1/articles/{s}/" for s in slugs], runs)
        self.ratio("detail: API", "detail: raw SQL")
        # The same articles' related articles, against their detail.
        self.django_case("related: API", [f"/api/v1/articles/{s}/related/" for s in slugs], runs)
        self.ratio("related: API", "detail: API", "vs_detail")

        # Cursor pages: the first, and one at 99% depth.
        deep = self.sample(
            f"SELECT a.published_at, a.id FROM articles_article a WHERE {_PUBLISHED} "
            "ORDER BY a.published_at DESC, a.id DESC OFFSET %s LIMIT 1",
            (int(archive * 0.99),),
        )[0]
        token = {"after": [deep[0].isoformat(), deep[1]], "reverse": False}
        cursor = base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        far = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
        self.raw_case("first page: raw SQL", RAW_PAGE, [(far, 0)], runs)
        self.raw_case("deep page: raw SQL", RAW_PAGE, [deep], runs)
        self.django_case("first page: API", ["/api/v1/articles/?cursor="], runs)
        self.django_case("deep page: API", [f"/api/v1/articles/?cursor={cursor}"], runs)
        self.ratio("first page: API", "first page: raw SQL")
        self.ratio("deep page: API", "deep page: raw SQL")
        self.ratio("deep page: API", "first page: API", "vs_first_page")

        # The unfiltered list's numbered pages after the first, each counting every
        # published article, then with the count the first page left in a local-memory
        # cache. Distinct pages, so that no whole response is served from that cache.
        later_pages = [
            f"/api/v1/articles/?page={n}" for n in range(2, min(archive // 20, runs + 5))
        ]
        self.django_case("later pages: API, counted", later_pages, runs)
        with override_settings(CACHES=LOCAL_MEMORY_CACHE):
            self.get("/api/v1/articles/")
            self.django_case("later pages: API, count cached", later_pages, runs)
        self.ratio("later pages: API, count cached", "later pages: API, counted", "vs_counted")

        # Search, newest 20, for each word class: the API against both raw plans.
        search_runs = max(5, runs // 10)
        for word_class, query in SEARCHES.items():
            matches = self.literal.execute(
                "SELECT count(*) FROM articles_article "
                "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
                (query,),
            ).fetchone()[0]
            by_date = self.raw_case(
                f"search {word_class}: raw, date index walk",
                RAW_SEARCH_BY_DATE,
                [(query,)],
                search_runs,
                literal=True,
            )
            by_matches = self.raw_case(
                f"search {word_class}: raw, GIN matches sorted",
                RAW_SEARCH_BY_MATCHES,
                [(query,)],
                search_runs,
                literal=True,
            )
            better = min(by_date["median_ms"], by_matches["median_ms"])
            # The statements the API's search sends for the same rows and columns as the
            # raw plans (its probe included, highlights and bylines left out), replayed.
            plan = f"search {word_class}: API SQL, newest 20"
            with CaptureQueriesContext(connection) as statements:
                list(
                    Article.objects.published()
                    .search(query)
                    .order_by("-published_at", "-id")
                    .values_list("id", "slug", "headline", "published_at")[:20]
                )
            sqls = [statement["sql"] for statement in statements.captured_queries]
            self.results[plan] = timed(
                lambda n, sqls=sqls: [self.raw.execute(sql).fetchall() for sql in sqls],
                search_runs,
            )
            self.results[plan].update(
                queries=len(sqls), vs_better_plan=self.results[plan]["median_ms"] / better
            )
            name = f"search {word_class}: API newest 20"
            self.django_case(
                name,
                # The first page of a cursor walk: newest first, with no COUNT of every
                # match (page numbers add one: see "search common: API page 1 with count").
                [f"/api/v1/articles/?q={query}&ordering=-published_at&cursor="],
                search_runs,
                matches=matches,
            )
            self.results[name]["vs_better_plan"] = self.results[name]["median_ms"] / better
        self.django_case(
            "search common: API page 1 with count",
            [f"/api/v1/articles/?q={SEARCHES['common']}&ordering=-published_at"],
            search_runs,
        )
        self.ratio(
            "search common: API page 1 with count", "search common: API newest 20", "vs_cursor"
        )
        self.django_case(
            "search common: API by relevance",
            [f"/api/v1/articles/?q={SEARCHES['common']}"],
            search_runs,
        )
        self.ratio("search common: API by relevance", "search common: API newest 20", "vs_newest")

        # Counts by year (articles/counts/), each for the same filter as a list above and
        # against that list: the filtered list's, and the common word's search with count.
        self.django_case(
            "counts by year: API, list's filter",
            [f"/api/v1/articles/counts/?by=year&author={slug}&{bounds}" for _, slug in authors],
            runs,
        )
        self.ratio("counts by year: API, list's filter", "list: API", "vs_list")
        self.django_case(
            "counts by year: API, q common",
            [f"/api/v1/articles/counts/?by=year&q={SEARCHES['common']}"],
            search_runs,
        )
        self.ratio(
            "counts by year: API, q common", "search common: API page 1 with count", "vs_list"
        )

        self.measure_imports()
        if self.options.http:
            self.results.update(http.measure(self.options, authors, slugs, bounds))
        if self.options.mixed:
            self.results.update(http.measure_mixed(self.options))
            mixed = self.results["http mixed reads during imports"]
            if tuned := self.results.get("http tuned DRF list: cache off"):
                mixed.update(ratio=mixed["requests_per_s"] / tuned["requests_per_s"])
            mixed["vs_before"] = mixed["requests_per_s"] / MIXED_READS_BEFORE
        return self.results

    def measure_imports(self) -> None:
        if self.options.scraped_pages:
            self.measure_scraped(self.options.scraped_pages)
        if self.options.import_articles:
            self.measure_import(self.options.import_articles, "import", into_empty=True)
        if articles := self.options.import_memory_articles:
            # One process both times, so that the peak is the import's own, not a worker's.
            self.measure_import(articles // 10, "import (memory, a tenth)", jobs=1)
            self.measure_import(articles, "import (memory)", jobs=1)
            self.results["import (memory)"]["vs_tenth_peak"] = (
                self.results["import (memory)"]["peak_rss_mib"]
                / self.results["import (memory, a tenth)"]["peak_rss_mib"]
            )

    def measure_import(
        self, articles: int, name: str, jobs: int = 2, into_empty: bool = False
    ) -> None:
        """Import ``articles`` from interchange files in a child process, then remove them;
        ``into_empty``: then the same files into a new, empty archive too, for issue 19's
        bound on how much a large archive may slow an import.

        Authors and books come from the archive's own pools, as a new batch of a real
        archive's issues would meet many known authors and books.
        """
        batch = SyntheticArchive(
            articles=articles,
            authors=self.options.authors,
            seed=self.options.seed,
            title=IMPORT_TITLE,
        )
        files = (
            (f"{number:06}.json", export.dumps(document))
            for number, document in enumerate(batch.documents())
        )
        folder = write_folder(files)
        try:
            figures = self.import_folder(folder, jobs)
            self.results[name] = imported(articles, jobs, figures)
            if into_empty:
                with self.empty_archive() as database_url:
                    figures = self.import_folder(folder, jobs, database_url=database_url)
                self.results[f"{name} (empty archive)"] = imported(articles, jobs, figures)
                self.results[name]["vs_empty"] = (
                    self.results[name]["articles_per_s"]
                    / self.results[f"{name} (empty archive)"]["articles_per_s"]
                )
        finally:
            shutil.rmtree(folder)

    def measure_scraped(self, pages: int) -> None:
        """Import ``pages`` scraped one-article pages (the archivist's source) in a child
        process as ``import_archive`` runs by default (a worker per core), then remove them.

        The pages are the synthetic archive's next issues after those it holds, in issues
        of 50: new headlines, by the archive's own authors, citing its books.
        """
        issues = self.sample("SELECT count(*) FROM articles_issue")[0][0]
        per_issue = 50
        source = SyntheticArchive(
            articles=issues * per_issue + pages,
            authors=self.options.authors,
            seed=self.options.seed,
            per_issue=per_issue,
            title=IMPORT_TITLE,
        )
        folder = write_folder((name, text.encode()) for name, text in source.scraped_pages(issues))
        try:
            figures = self.import_folder(folder, "auto")
        finally:
            shutil.rmtree(folder)
        self.results["scraped pages import"] = {
            "pages": pages,
            "jobs": figures["jobs"],
            "batch": figures["batch"],
            "seconds": figures["seconds"],
            "pages_per_s": pages / figures["seconds"],
            # The process's start-up (Python, Django) included: as an archivist runs it.
            "process_seconds": figures["process_seconds"],
            "pages_per_s_with_startup": pages / figures["process_seconds"],
            "peak_rss_mib": figures["peak_rss_mib"],
        }

    def import_folder(self, folder: Path, jobs, database_url: str | None = None) -> dict:
        """Import ``folder`` in a child process (``import_run``) and remove what it imported
        (``database_url``: into that database instead, left as it is); the child's figures,
        and the child's whole run in ``process_seconds``."""
        environment = dict(os.environ, DATABASE_URL=database_url or os.environ["DATABASE_URL"])
        started = time.perf_counter()
        try:
            child = subprocess.run(
                [sys.executable, "-m", "tests.benchmarks.import_run", str(folder), str(jobs)],
                cwd=REPO,
                env=environment,
                check=True,
                capture_output=True,
                text=True,
            )
            process_seconds = time.perf_counter() - started
        finally:
            if database_url is None:
                self.remove_import()
        figures = json.loads(child.stdout.splitlines()[-1])
        return {**figures, "process_seconds": process_seconds}

    @contextmanager
    def empty_archive(self):
        """A new database beside the archive's, migrated and empty, dropped afterwards;
        yields its URL."""
        name = f"{connection.settings_dict['NAME']}_empty"
        url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
        self.raw.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.raw.execute(f'CREATE DATABASE "{name}"')
        try:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v", "0"],
                cwd=REPO,
                env=dict(os.environ, DATABASE_URL=url),
                check=True,
            )
            yield url
        finally:
            self.raw.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def remove_import(self) -> None:
        titles = "SELECT id FROM articles_publication WHERE name LIKE %s"
        issues = f"SELECT id FROM articles_issue WHERE publication_id IN ({titles})"
        articles = f"SELECT id FROM articles_article WHERE issue_id IN ({issues})"
        groups = f"SELECT id FROM articles_readinglistgroup WHERE article_id IN ({articles})"
        entries = f"SELECT id FROM articles_readinglistentry WHERE group_id IN ({groups})"
        revisions = f"SELECT revision_id FROM history_change WHERE article_id IN ({articles})"
        with self.raw.transaction():
            for sql in [
                # The revisions the import recorded: their versions, then the revisions
                # with their notes.
                f"DELETE FROM reversion_version WHERE revision_id IN ({revisions})",
                f"WITH gone AS (DELETE FROM history_change WHERE revision_id IN ({revisions}) "
                "RETURNING revision_id) "
                "DELETE FROM reversion_revision WHERE id IN (SELECT revision_id FROM gone)",
                f"DELETE FROM articles_readinglistentrybook WHERE entry_id IN ({entries})",
                f"DELETE FROM articles_readinglistentry WHERE id IN ({entries})",
                f"DELETE FROM articles_readinglistgroup WHERE id IN ({groups})",
                f"DELETE FROM articles_image WHERE article_id IN ({articles})",
                f"DELETE FROM articles_articleauthor WHERE article_id IN ({articles})",
                f"DELETE FROM articles_articledocument WHERE article_id IN ({articles})",
                f"DELETE FROM articles_article WHERE id IN ({articles})",
                f"DELETE FROM articles_issue WHERE id IN ({issues})",
                f"DELETE FROM articles_publication WHERE id IN ({titles})",
            ]:
                self.raw.execute(sql, (f"{IMPORT_TITLE}%",))
        # The statistics as they were: an import and its removal leave them counting rows
        # that are gone, and the planner then walked the date index for an author's list
        # (66 ms instead of 15 in the next run).
        for table in ("articles_article", "articles_articleauthor", "articles_image"):
            self.raw.execute(f"VACUUM ANALYZE {table}")


def report(results: dict, stream) -> None:
    archive = results.get("archive", {}).get("published_articles")
    stream.write(
        f"Archive: {archive:,} published articles. Response cache bypassed (dummy cache): "
        "every API figure is the cache-miss path, but for the count cached in 'later "
        "pages'.\n\n"
    )
    stream.write(f"{'case':<44} {'median':>9} {'p95':>9} {'q':>3}  ratios\n")
    for name, result in results.items():
        if "median_ms" not in result:
            continue
        ratios = ", ".join(
            f"{key} {value:.2f}×"
            for key, value in result.items()
            if key.startswith(("vs_", "faster_"))
        )
        matches = f", {result['matches']:,} matches" if "matches" in result else ""
        stream.write(
            f"{name:<44} {result['median_ms']:>7.2f}ms {result['p95_ms']:>7.2f}ms "
            f"{result.get('queries', ''):>3}  {ratios}{matches}\n"
        )
    for name, result in results.items():
        if "pages_per_s" in result:
            stream.write(
                f"{name}: {result['pages']:,} one-article pages, --jobs {result['jobs']} "
                f"(default), batches of {result['batch']}: {result['seconds']:.1f} s = "
                f"{result['pages_per_s']:,.0f} pages/s; with the process's start-up "
                f"{result['process_seconds']:.1f} s = "
                f"{result['pages_per_s_with_startup']:,.0f} pages/s; "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB\n"
            )
        if "articles_per_s" in result:
            stream.write(
                f"{name}: {result['articles']:,} articles, --jobs {result['jobs']}, "
                f"{result['seconds']:.1f} s = {result['articles_per_s']:,.0f} articles/s, "
                f"peak RSS {result['peak_rss_mib']:.0f} MiB"
                + (
                    f" ({result['vs_tenth_peak']:.2f}× a tenth as many's)"
                    if "vs_tenth_peak" in result
                    else ""
                )
                + (
                    f"; {result['vs_empty']:.2f}× the rate into an empty archive"
                    if "vs_empty" in result
                    else ""
                )
                + "\n"
            )
        if "hit_ratio" in result:
            hit_ratio = "-" if result["hit_ratio"] is None else f"{100 * result['hit_ratio']:.1f}%"
            stream.write(
                f"{name}: {result['connections']} connections, {result['seconds']} s, "
                f"{result['articles']:,} articles: {result['requests_per_s']:,.0f} req/s "
                f"({result['vs_before']:.2f}× before"
                + (f", {result['ratio']:.2f}× tuned DRF's list" if "ratio" in result else "")
                + f"), p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
                f"response cache hit ratio {hit_ratio}\n"
            )
        elif "requests_per_s" in result:
            stream.write(
                f"{name:<44} {result['requests_per_s']:>8,.0f} req/s  p95 {result['p95_ms']:.1f} ms"
                + (f"  {result['ratio']:.2f}× {result['ratio_to']}" if "ratio" in result else "")
                + "\n"
            )


def targets(results: dict) -> list[tuple[str, str, str, bool | None]]:
    """Issues 18's and 19's targets as this run measured them: (target, figure, bound,
    met), met None where this run has no figure for it."""

    def figure(name, key):
        return results.get(name, {}).get(key)

    rows = []

    def at_most(target, value, bound, unit="×"):
        met = None if value is None else value <= bound
        shown = "not measured" if value is None else f"{value:.2f}{unit}"
        rows.append((target, shown, f"≤ {bound:g}{unit}", met))

    def at_least(target, value, bound, unit):
        met = None if value is None else value >= bound
        space = "" if unit == "×" else " "
        shown = "not measured" if value is None else f"{value:,.2f}{space}{unit}"
        rows.append((target, shown, f"≥ {bound:g}{space}{unit}", met))

    at_most(
        "counts by year vs the list of its filter",
        figure("counts by year: API, list's filter", "vs_list"),
        3,
    )
    at_most(
        "counts by year vs the search of its q",
        figure("counts by year: API, q common", "vs_list"),
        3,
    )
    at_most("list vs raw SQL with its total", figure("list: API", "vs_raw_with_total"), 2)
    at_most("detail vs its one-statement raw SQL", figure("detail: API", "vs_raw"), 2.5)
    list_ms = figure("list: API", "median_ms")
    for word_class in SEARCHES:
        search_ms = figure(f"search {word_class}: API newest 20", "median_ms")
        ratio = search_ms / list_ms if search_ms and list_ms else None
        at_most(f"search {word_class}, newest first, vs the list", ratio, 3)
    at_most(
        "relevance vs newest first (common word)",
        figure("search common: API by relevance", "vs_newest"),
        10,
    )
    at_least(
        "scraped pages imported", figure("scraped pages import", "pages_per_s"), 500, "pages/s"
    )
    at_least("interchange imported", figure("import", "articles_per_s"), 1000, "articles/s")
    at_least(
        "interchange into the archive vs into empty",
        figure("import", "vs_empty"),
        0.8,
        "×",
    )
    at_most(
        "import memory, N vs a tenth of N (--jobs 1)",
        figure("import (memory)", "vs_tenth_peak"),
        1.2,
    )
    at_least(
        "HTTP list vs tuned DRF (2 workers, cache off)",
        figure("http list: cache off", "ratio"),
        3,
        "×",
    )
    mixed = results.get("http mixed reads during imports", {})
    at_least(
        f"mixed reads during imports vs before ({MIXED_READS_BEFORE} req/s)",
        mixed.get("vs_before"),
        2,
        "×",
    )
    at_most("mixed reads' p99 during imports", mixed.get("p99_ms"), 500, " ms")
    hit_ratio = mixed.get("hit_ratio")
    at_least(
        "response cache hit ratio during imports",
        None if hit_ratio is None else 100 * hit_ratio,
        80,
        "%",
    )
    return rows


def report_targets(results: dict, stream) -> None:
    """Each target with its figure from this run (``-`` where the run's options left it
    out)."""
    stream.write("\nIssues 18's and 19's targets, from this run:\n")
    for target, shown, bound, met in targets(results):
        verdict = {True: "met", False: "NOT met", None: "-"}[met]
        stream.write(f"  {target:<48} {shown:>16}  {bound:<16} {verdict}\n")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=200, help="Timed requests per case.")
    parser.add_argument("--seed", type=int, default=0, help="The archive's generate seed.")
    parser.add_argument("--authors", type=int, default=5000, help="The archive's --authors.")
    parser.add_argument("--import-articles", type=int, default=10_000)
    parser.add_argument(
        "--scraped-pages",
        type=int,
        default=1000,
        help="Import this many one-article scraped pages (0: skip the case).",
    )
    parser.add_argument(
        "--only-imports",
        action="store_true",
        help="Measure the imports only (any archive, an empty one too): no read cases.",
    )
    parser.add_argument(
        "--import-memory-articles",
        type=int,
        default=0,
        help="Also import this many (e.g. 100000), and a tenth as many, with --jobs 1, "
        "and compare their peak memory.",
    )
    parser.add_argument("--http", action="store_true", help="Also measure under gunicorn + wrk.")
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="With --http: also the Redis response cache and the replica (port 5433).",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="Also mixed reads from 32 connections while imports run (tests/load/run.sh, "
        "on its own database, archive_load).",
    )
    parser.add_argument("--mixed-seconds", type=int, default=40)
    parser.add_argument(
        "--mixed-articles",
        type=int,
        default=20_000,
        help="The mixed run's archive (whole issues: a multiple of 20); about a tenth as "
        "many are imported during the load.",
    )
    parser.add_argument("--json", type=Path, default=Path("benchmark-results.json"))
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        parser.error("the benchmark needs DATABASE_URL=postgres://… with a generated archive")
    results = Benchmark(options).run()
    report(results, sys.stdout)
    report_targets(results, sys.stdout)
    options.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    sys.stdout.write(f"\nResults written to {options.json}\n")
    missing = [name for name in expected_cases(options) if name not in results]
    if missing:
        sys.exit(f"Figures missing: {', '.join(missing)}")


def expected_cases(options) -> list[str]:
    """Every figure a run with these options must produce (CI checks it has them all)."""
    imports = ["scraped pages import"] if options.scraped_pages else []
    if options.import_articles:
        imports += ["import", "import (empty archive)"]
    if options.import_memory_articles:
        imports += ["import (memory, a tenth)", "import (memory)"]
    if options.only_imports:
        return imports
    names = [
        f"{case}: {variant}"
        for case, variants in [
            ("list", ("raw SQL", "raw SQL with total", "API", "naive DRF", "tuned DRF")),
            ("issue", ("raw SQL", "API")),
            ("detail", ("raw SQL", "API")),
            ("related", ("API",)),
            ("first page", ("raw SQL", "API")),
            ("deep page", ("raw SQL", "API")),
            ("later pages", ("API, counted", "API, count cached")),
        ]
        for variant in variants
    ]
    for word_class in SEARCHES:
        names += [
            f"search {word_class}: raw, date index walk",
            f"search {word_class}: raw, GIN matches sorted",
            f"search {word_class}: API SQL, newest 20",
            f"search {word_class}: API newest 20",
        ]
    names += ["search common: API page 1 with count", "search common: API by relevance"]
    names += ["counts by year: API, list's filter", "counts by year: API, q common"]
    names += imports
    if options.http:
        names += [
            "http list: cache off",
            "http tuned DRF list: cache off",
            "http detail: cache off",
        ]
        if options.scaling:
            for configuration in ("Redis cache on", "replica reads, cache off"):
                names += [f"http list: {configuration}", f"http detail: {configuration}"]
    if options.mixed:
        names.append("http mixed reads during imports")
    return names


if __name__ == "__main__":
    main()
