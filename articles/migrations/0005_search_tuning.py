"""A GIN index on the headline and standfirst alone, for bounded relevance ranking.

When a search matches more articles than ``articles.search.DENSE_MATCHES``, relevance
ranks only the matches in the headline or standfirst. Finding them in the full
``search_vector`` would mean detoasting every match's body terms; this index answers from
the short columns. Its expression is the SQL Django writes for
``SearchVector("headline", "standfirst", config="english")``, which the planner must see
unchanged to use the index. PostgreSQL only: SQLite's search needs no such bound.
"""

from django.db import migrations

INDEX = "article_search_lead_idx"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON articles_article USING GIN "
            "(to_tsvector('english'::regconfig, "
            "COALESCE(headline, '') || ' ' || COALESCE(standfirst, '')))"
        )


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_performance"),
    ]

    operations = [
        migrations.RunPython(add_index, remove_index, elidable=False),
    ]
