"""A filtered list's page and its counts are planned for the filters' values.

psycopg prepares a statement the fifth time a connection sends it, and PostgreSQL may then
keep one generic plan for any values. For a page of one author's articles in a date window
that plan is made for any author and dates: at 1,000,000 articles it counted an author's
articles by reading every article of the window, where a plan made for the author starts
from the author's bylines (README, *Plans for the filters' values*). The page and the
counts are sent unprepared instead; the lookups that validate the filters keep their
prepared plans.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from articles.models import Author

from .utils import clear_cached_answers

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan cache"),
    pytest.mark.django_db,
]

REPEATS = 12


def generic_plans(pattern: str) -> list[str]:
    """The prepared statements ``LIKE pattern`` that run on a generic plan."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements "
            "WHERE generic_plans > 0 AND statement LIKE %s",
            [pattern],
        )
        return [statement for (statement,) in cursor.fetchall()]


def test_a_filtered_page_and_its_counts_are_planned_for_their_values(api, unthrottled):
    call_command("generate_archive", articles=200, authors=10, seed=1, verbosity=0)
    slugs = list(
        Author.objects.filter(articles__isnull=False).distinct().values_list("slug", flat=True)
    )
    for number in range(REPEATS):
        clear_cached_answers()
        author = {"author": slugs[number % len(slugs)], "published_after": "1968-01-01"}
        for path, params in [
            ("/api/v1/articles/", author),
            ("/api/v1/articles/", {**author, "cursor": ""}),
            ("/api/v1/articles/counts/", {**author, "by": "year"}),
        ]:
            assert api.get(path, params).status_code == 200, (path, params)
    # The pages (numbered and cursor) and the counts, each filtered by the author.
    assert generic_plans('SELECT "articles_article".%"articles_articleauthor"%') == []
    assert generic_plans('SELECT EXTRACT%"articles_articleauthor"%') == []
    # The author's lookup, the same statement for every slug, keeps its generic plan.
    assert generic_plans('SELECT "articles_author".%')
