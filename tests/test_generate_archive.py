"""``manage.py generate_archive``: a reproducible synthetic archive, loaded by the importer."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from articles import synthetic
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Book,
    Image,
    Issue,
    ReadingListGroup,
    Topic,
)


def archive_snapshot() -> dict[str, list[tuple]]:
    """What the archive holds, by natural keys rather than database ids."""
    return {
        "issues": list(Issue.objects.order_by("slug").values_list("slug", "number", "date")),
        "articles": list(
            Article.objects.order_by("slug").values_list(
                "slug", "issue__slug", "headline", "standfirst", "body", "published_at", "status"
            )
        ),
        "bylines": list(
            ArticleAuthor.objects.order_by("article__slug", "position").values_list(
                "article__slug", "author__slug"
            )
        ),
        "images": list(
            Image.objects.order_by("article__slug", "position").values_list(
                "article__slug", "caption"
            )
        ),
        "reading": list(
            ReadingListGroup.objects.order_by("article__slug", "position", "entries__position")
            .values_list("article__slug", "heading", "entries__text")
            .distinct()
        ),
        "books": sorted(Book.objects.values_list("slug", "title")),
        "topics": sorted(
            Article.topics.through.objects.values_list("article__slug", "topic__slug")
        ),
    }


def wipe_archive():
    Article.objects.all().delete()
    Issue.objects.all().delete()
    Book.objects.all().delete()
    Author.objects.all().delete()


@pytest.mark.django_db
def test_the_same_seed_loads_the_same_archive():
    """Generating twice with one seed gives identical data; another seed gives other data."""
    options = {"articles": 120, "authors": 30, "per_issue": 25, "verbosity": 0}
    call_command("generate_archive", seed=4, **options)
    first = archive_snapshot()
    assert len(first["articles"]) == 120
    assert len(first["issues"]) == 5
    wipe_archive()
    call_command("generate_archive", seed=4, **options)
    assert archive_snapshot() == first
    wipe_archive()
    call_command("generate_archive", seed=5, **options)
    assert archive_snapshot()["articles"] != first["articles"]


@pytest.mark.django_db
def test_the_archive_has_bylines_images_reading_lists_and_weekly_issues():
    """1–3 authors per article, skewed; images and reading lists on a share; issues weekly."""
    call_command("generate_archive", articles=600, authors=100, seed=1, verbosity=0)
    bylines = [a.authors.count() for a in Article.objects.prefetch_related("authors")]
    assert set(bylines) == {1, 2, 3}
    per_author = sorted(
        (author.articles.count() for author in Author.objects.filter(articles__isnull=False)),
        reverse=True,
    )
    assert per_author[0] > 5 * per_author[len(per_author) // 2]
    assert 0.15 < Article.objects.filter(images__isnull=False).distinct().count() / 600 < 0.45
    with_reading = Article.objects.filter(reading_groups__isnull=False).distinct().count()
    assert with_reading > 0.03 * 600
    dates = list(Issue.objects.order_by("number").values_list("date", flat=True))
    assert dates[0] == synthetic.FIRST_ISSUE
    assert {(b - a).days for a, b in itertools.pairwise(dates)} == {7}


@pytest.mark.django_db
def test_search_finds_common_and_phrase_words_and_never_the_absent_one():
    """The word classes the benchmark relies on are where the generator documents them."""
    call_command("generate_archive", articles=500, authors=50, seed=2, verbosity=0)
    published = Article.objects.published()
    common = published.search(synthetic.COMMON_WORD).count()
    assert 50 < common < 160
    assert published.search(f'"{synthetic.PHRASE}"').exists()
    assert not published.search(synthetic.ABSENT_WORD).exists()


def test_documents_are_deterministic_and_issue_by_issue():
    """An issue's document depends only on the seed and size, not on what came before."""
    archive = synthetic.SyntheticArchive(articles=200, authors=20, seed=9)
    documents = list(archive.documents())
    again = synthetic.SyntheticArchive(articles=200, authors=20, seed=9)
    assert again.document(3) == documents[3]
    assert sum(len(document["articles"]) for document in documents) == 200


@pytest.mark.django_db
def test_jobs_need_postgresql():
    """--jobs runs worker processes, which SQLite's single writer cannot serve."""
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL takes --jobs")
    with pytest.raises(CommandError, match="--jobs needs PostgreSQL"):
        call_command("generate_archive", articles=10, jobs=2, verbosity=0)


@pytest.mark.django_db
def test_articles_are_filed_under_topics_made_before_the_import():
    """Imports never invent topics, so the command makes them first; most articles are
    filed under one to three, the first topic far more often than the last."""
    call_command("generate_archive", articles=600, authors=100, seed=1, verbosity=0)
    assert Topic.objects.count() == 40
    filed = [article.topics.count() for article in Article.objects.prefetch_related("topics")]
    assert set(filed) == {0, 1, 2, 3}
    assert 0.5 < sum(1 for count in filed if count) / len(filed) < 0.7
    pool = synthetic.SyntheticArchive(articles=600, seed=1, topics=40).topic_pool
    first, last = (Topic.objects.get(slug=pool[i]["slug"]).articles.count() for i in (0, -1))
    assert first > 10 * last


@pytest.mark.django_db
def test_no_topics_when_asked_for_none():
    call_command("generate_archive", articles=100, authors=20, topics=0, verbosity=0)
    assert not Topic.objects.exists()
    assert not Article.topics.through.objects.exists()
