"""Invariants the database itself enforces, and the model helpers the API builds on."""

import datetime as dt

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import (
    Article,
    ImportJob,
    ImportJobFile,
    Issue,
    PendingCacheRetirement,
    Topic,
    body_blocks,
    body_html,
    body_word_count,
)
from tests.factories import ArticleFactory, AuthorFactory, BookFactory, IssueFactory


def test_second_issue_with_the_same_number_is_rejected(seed):
    """Unique (publication, number): there is only one Socialist Worker No. 2215."""
    issue = Issue.objects.get(slug="socialist-worker-2215")
    with pytest.raises(IntegrityError), transaction.atomic():
        Issue.objects.create(publication=issue.publication, number=2215, slug="another-2215")


def test_same_number_in_another_publication_is_allowed(seed):
    """Issue numbers are unique per publication only."""
    other = IssueFactory(publication__name="Women’s Voice", number=2215)
    assert other.number == 2215


@pytest.mark.parametrize(
    "make_duplicate",
    [
        lambda: ArticleFactory(slug="trotskys-socialism"),
        lambda: AuthorFactory(slug="esme-choonara"),
        lambda: BookFactory(slug="my-life"),
        lambda: IssueFactory(number=9999, slug="socialist-worker-2215"),
    ],
    ids=["article", "author", "book", "issue"],
)
def test_duplicate_slugs_are_rejected(seed, make_duplicate):
    """Slugs are unique in the database, not only in forms."""
    with pytest.raises(IntegrityError), transaction.atomic():
        make_duplicate()


def test_issue_number_must_be_positive(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        IssueFactory(number=0)


def test_published_article_needs_a_publication_time(db):
    """A published article without ``published_at`` would vanish from every dated list."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)


def test_the_same_author_cannot_be_credited_twice(db):
    author = AuthorFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(authors=[author, author])


def test_bylines_keep_their_order(db):
    """Authors come back in the order the source names them, not alphabetically."""
    zoe, adam = AuthorFactory(name="Zoe Zed"), AuthorFactory(name="Adam Ant")
    article = ArticleFactory(authors=[zoe, adam])
    assert [b.author for b in article.bylines.all()] == [zoe, adam]


def test_published_queryset_hides_drafts_and_scheduled_articles(db):
    """``published()`` is what the public may read."""
    live = ArticleFactory()
    ArticleFactory(status=Article.Status.DRAFT)
    ArticleFactory(published_at=timezone.now() + dt.timedelta(days=1))
    assert list(Article.objects.published()) == [live]


def test_publish_and_unpublish(db):
    """Publishing a draft without a time stamps it now; unpublishing returns it to draft."""
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert Article.objects.filter(pk=draft.pk).publish() == 1
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED and draft.published_at is not None
    Article.objects.filter(pk=draft.pk).unpublish()
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_word_count_is_kept_current_on_save(db):
    article = ArticleFactory(body="One two three.\n\n## Four\n\nFive six")
    assert article.word_count == 6
    article.body = "Just two"
    article.save(update_fields=["body"])
    article.refresh_from_db()
    assert article.word_count == 2


def test_body_blocks_and_html():
    """Paragraphs and ``##`` subheadings become blocks; HTML escapes whatever the text holds."""
    body = "First <b>bold</b> & more.\n\n## A heading\n\nSecond\nline."
    assert body_blocks(body) == [
        {"type": "paragraph", "text": "First <b>bold</b> & more."},
        {"type": "heading", "text": "A heading"},
        {"type": "paragraph", "text": "Second\nline."},
    ]
    assert body_html(body) == (
        "<p>First &lt;b&gt;bold&lt;/b&gt; &amp; more.</p>\n<h2>A heading</h2>\n<p>Second\nline.</p>"
    )
    assert body_word_count(body) == 8


def test_every_model_has_a_readable_str(seed, editor):
    """``__str__`` says what the record is, never 'Object (1)'. The seed holds a record of
    every kind but an import job's, which is made here as an upload makes it, a topic,
    which only editors give (imports never invent one), and a cache retirement's note,
    which only a write during a cache outage leaves."""
    Topic.objects.create(name="Marxism", slug="marxism")
    PendingCacheRetirement.objects.create()
    job = ImportJob.objects.create(user=editor)
    ImportJobFile.objects.create(job=job, position=0, name="2215.json")
    for model in apps.get_app_config("articles").get_models():
        instance = model.objects.first()
        assert instance is not None, model
        assert "object (" not in str(instance), model
