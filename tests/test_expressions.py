"""CompiledSubquery: the API's querysets compile their JSON subqueries and readers'
visibility rules once."""

import datetime as dt
from unittest import mock

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models.sql.query import Query

from api.filters import visible
from articles.expressions import KeptQuery, Placeholder
from articles.models import Article, Author, Book, Issue, Topic
from tests.factories import ArticleFactory, AuthorFactory


def compile_sql(queryset) -> str:
    return queryset.query.get_compiler(connection=connection).as_sql()[0]


def test_clones_of_a_built_queryset_share_the_compiled_subqueries(db):
    articles = Article.objects.for_api_detail()
    first = compile_sql(articles.filter(slug="a"))
    with mock.patch.object(Query, "as_sql", autospec=True, side_effect=Query.as_sql) as inner:
        again = compile_sql(articles.filter(slug="b"))
    # Only the reading list, images and bylines were compiled before: nothing now.
    assert inner.call_count == 0
    assert again == first


def test_a_relabeled_copy_compiles_with_its_own_aliases(db):
    """Used inside another query, the subquery's outer reference moves to a new alias."""
    compiler = Article.objects.all().query.get_compiler(connection=connection)
    bylines = Article.objects.for_api_list().query.annotations["byline_data"]
    original, _ = compiler.compile(bylines)
    relabeled, _ = compiler.compile(bylines.relabeled_clone({"articles_article": "T9"}))
    assert 'T9."id"' in relabeled
    assert "T9" not in original
    assert compiler.compile(bylines)[0] == original


def test_a_readers_visibility_rule_compiles_once_per_process(db, rf):
    """The public's filter choices are one queryset per process; each request's clone
    compiles only its own condition, not the rule's nested subqueries again."""
    request = rf.get("/")
    request.user = AnonymousUser()
    for model in (Author, Issue, Book, Topic):
        readable = visible(model)
        first = compile_sql(readable(request).filter(slug="a"))
        with mock.patch.object(Query, "as_sql", autospec=True, side_effect=Query.as_sql) as inner:
            again = compile_sql(readable(request).filter(slug="a"))
        assert inner.call_count == 0, model
        assert again == first


def test_a_kept_rule_nested_in_another_query_keeps_its_aliases_apart(db, rf):
    """The author rule's subqueries over articles, nested in a query over articles,
    refer to their own rows: twice, from the kept SQL."""
    request = rf.get("/")
    request.user = AnonymousUser()
    public, drafted_only = AuthorFactory(), AuthorFactory()
    published = ArticleFactory(authors=[public])
    ArticleFactory(authors=[drafted_only], status=Article.Status.DRAFT, published_at=None)
    ArticleFactory(authors=[public, drafted_only], status=Article.Status.DRAFT, published_at=None)
    for _ in range(2):
        by_public_authors = Article.objects.published().filter(authors__in=visible(Author)(request))
        assert list(by_public_authors) == [published]
        assert list(visible(Author)(request)) == [public]


def test_a_kept_rule_reads_the_time_each_time_it_is_compiled(db):
    """``CurrentTime`` inside kept SQL is a parameter filled in afresh, on each database."""
    rule = Author.objects.for_reader(AnonymousUser())
    with time_machine.travel(dt.datetime(2031, 1, 1, tzinfo=dt.UTC), tick=False):
        _, before = rule.query.get_compiler(connection=connection).as_sql()
    with time_machine.travel(dt.datetime(2032, 1, 1, tzinfo=dt.UTC), tick=False):
        _, after = rule.query.get_compiler(connection=connection).as_sql()
    times = [
        connection.ops.adapt_datetimefield_value(dt.datetime(y, 1, 1, tzinfo=dt.UTC))
        for y in (2031, 2032)
    ]
    assert times[0] in before and times[1] not in before
    assert times[1] in after and times[0] not in after


def test_a_kept_query_compiles_once_and_runs_with_each_value(db):
    """KeptQuery: the stored detail's read, compiled once, each run with its own slug."""
    first, second = ArticleFactory(), ArticleFactory()
    by_slug = KeptQuery(
        Article.objects.published()
        .filter(slug=Placeholder("slug"))
        .values_list("pk", "headline", "published_at")[:1]
    )
    assert by_slug.rows(slug=first.slug) == [(first.pk, first.headline, first.published_at)]
    with mock.patch.object(Query, "get_compiler", autospec=True) as compiling:
        assert by_slug.rows(slug=second.slug) == [(second.pk, second.headline, second.published_at)]
        assert by_slug.rows(slug="no-such-article") == []
    assert compiling.call_count == 0


def test_a_kept_query_reads_the_time_each_time_it_runs(db):
    """An article scheduled for later is in a kept query's rows from its time on, with
    the next publication read by the kept SQL of its ``CompiledSubquery``."""
    due = dt.datetime(2031, 6, 1, 12, tzinfo=dt.UTC)
    scheduled = ArticleFactory(published_at=due)
    later = ArticleFactory(published_at=due + dt.timedelta(days=7))
    readable = KeptQuery(
        Article.objects.published()
        .filter(slug=Placeholder("slug"))
        .with_next_publication()
        .values_list("pk", "next_publication")
    )
    with time_machine.travel(due - dt.timedelta(minutes=1), tick=False):
        assert readable.rows(slug=scheduled.slug) == []
    with time_machine.travel(due, tick=False):
        assert readable.rows(slug=scheduled.slug) == [(scheduled.pk, later.published_at)]
