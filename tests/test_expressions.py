"""CompiledSubquery: the API's querysets compile their JSON subqueries once."""

from unittest import mock

from django.db import connection
from django.db.models.sql.query import Query

from articles.models import Article


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
