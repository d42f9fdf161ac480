"""The archive's long texts compressed with LZ4 rather than PostgreSQL's default pglz.

PostgreSQL compresses a text longer than about 2 kB when it stores it, and pglz is
several times slower than LZ4 at compressing and at decompressing. An import writes each
article's body, its rendered documents (the detail holds the body three times) and the
serialized versions of its revisions, so it paid pglz three times an article. Values
already stored keep their compression until they are written again (``render_documents``
rewrites the documents). A server built without LZ4 keeps pglz.
"""

from django.db import migrations

COLUMNS = [
    ("articles_article", "body"),
    ("articles_articledocument", "item"),
    ("articles_articledocument", "detail"),
    ("reversion_version", "serialized_data"),
]


def compress(method, schema_editor):
    for table, column in COLUMNS:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def compress_with_lz4(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        (available,) = cursor.fetchone()
    if available:
        compress("lz4", schema_editor)


def compress_by_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        compress("default", schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_pending_cache_retirement"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RunPython(compress_with_lz4, compress_by_default, elidable=False),
    ]
