from django.db import migrations

# 0004 gave the search index a 64 MB pending list, merged once when an import ends. That
# merge runs on one core while the other waits: 10,000 articles imported with two jobs
# spent 2.7 s of 11.6 in it. At 16 MB the importing workers merge as they go, each
# while the other keeps inserting, and the same import took 9.8 s (benchmark, 150,000
# articles); 8 MB merged too often (10.8 s).
PENDING_LIST_LIMIT_KB = 16384


def set_pending_list(limit_kb):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER INDEX article_search_vector_idx SET (gin_pending_list_limit = {limit_kb})"
            )

    return operation


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_search_tuning"),
    ]

    operations = [
        migrations.RunPython(
            set_pending_list(PENDING_LIST_LIMIT_KB), set_pending_list(65536), elidable=False
        ),
    ]
