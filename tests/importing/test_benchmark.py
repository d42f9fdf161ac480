"""How fast ``import_archive`` loads interchange documents; ARCHIVE_IMPORT_BENCHMARK sets the size.

ARCHIVE_IMPORT_BENCHMARK=10000 DATABASE_URL=postgres://… pytest tests/importing/test_benchmark.py -s
"""

import os
import time

import pytest
from django.core.management import call_command
from django.db import connection

from articles.importing import export
from articles.models import Article
from articles.synthetic import synthetic_documents

ARTICLES = int(os.environ.get("ARCHIVE_IMPORT_BENCHMARK", "200"))
# Issues of 50 articles, as in the performance baseline's archive (150,000 in 3,000 issues).
PER_ISSUE = 50


def timed_import(folder, jobs):
    started = time.perf_counter()
    call_command("import_archive", str(folder), quiet=True, jobs=jobs)
    return time.perf_counter() - started


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("jobs", [1, 2])
def test_import_rate_from_interchange_documents(tmp_path, capsys, jobs):
    """Imports the synthetic archive, then again (all unchanged), and prints articles/s."""
    if jobs > 1 and connection.vendor != "postgresql":
        pytest.skip("--jobs needs PostgreSQL")
    documents = synthetic_documents(articles=ARTICLES, per_issue=PER_ISSUE)
    for number, document in enumerate(documents, 1):
        (tmp_path / f"{number:06}.json").write_bytes(export.dumps(document))
    first = timed_import(tmp_path, jobs)
    assert Article.objects.count() == ARTICLES
    updated_at = Article.objects.order_by("-updated_at").values_list("updated_at", flat=True)[0]
    second = timed_import(tmp_path, jobs)
    assert (
        Article.objects.order_by("-updated_at").values_list("updated_at", flat=True)[0]
        == updated_at
    )
    with capsys.disabled():
        print(
            f"\n{ARTICLES} articles in issues of {PER_ISSUE}, --jobs {jobs}: "
            f"import {first:.2f} s ({ARTICLES / first:,.0f} articles/s), "
            f"again {second:.2f} s ({ARTICLES / second:,.0f} articles/s, all unchanged)"
        )
