"""Full-text search for articles, kept current by the database itself.

PostgreSQL: a weighted ``tsvector`` column (headline A, standfirst B, body C) filled by a
trigger and indexed with GIN. A trigger rather than a generated column, so that later
migrations may still alter the text columns' types (PostgreSQL refuses to alter a column
that a generated column depends on).

SQLite: an external-content FTS5 table over the same three columns, kept current by
triggers.

Either way the database maintains the index, so imports that bypass ``save()``
(``bulk_create``, ``update()``, raw SQL, COPY) stay searchable. The model does not
declare the column: other databases have none.
"""

from django.db import migrations

POSTGRESQL_FORWARD = [
    "ALTER TABLE articles_article ADD COLUMN search_vector tsvector",
    """
    CREATE FUNCTION articles_article_search_vector() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.headline, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.standfirst, '')), 'B')
            || setweight(to_tsvector('english', coalesce(NEW.body, '')), 'C');
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER articles_article_search_vector
    BEFORE INSERT OR UPDATE OF headline, standfirst, body ON articles_article
    FOR EACH ROW EXECUTE FUNCTION articles_article_search_vector()
    """,
    # Fires the trigger for the rows already there.
    "UPDATE articles_article SET headline = headline",
    "CREATE INDEX article_search_vector_idx ON articles_article USING GIN (search_vector)",
]

POSTGRESQL_REVERSE = [
    "DROP INDEX article_search_vector_idx",
    "DROP TRIGGER articles_article_search_vector ON articles_article",
    "DROP FUNCTION articles_article_search_vector()",
    "ALTER TABLE articles_article DROP COLUMN search_vector",
]

SQLITE_FORWARD = [
    """
    CREATE VIRTUAL TABLE articles_article_fts USING fts5(
        headline, standfirst, body,
        content='articles_article', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER articles_article_fts_insert AFTER INSERT ON articles_article BEGIN
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
        VALUES (new.id, new.headline, new.standfirst, new.body);
    END
    """,
    """
    CREATE TRIGGER articles_article_fts_delete AFTER DELETE ON articles_article BEGIN
        INSERT INTO articles_article_fts (articles_article_fts, rowid, headline, standfirst, body)
        VALUES ('delete', old.id, old.headline, old.standfirst, old.body);
    END
    """,
    """
    CREATE TRIGGER articles_article_fts_update
    AFTER UPDATE OF headline, standfirst, body ON articles_article BEGIN
        INSERT INTO articles_article_fts (articles_article_fts, rowid, headline, standfirst, body)
        VALUES ('delete', old.id, old.headline, old.standfirst, old.body);
        INSERT INTO articles_article_fts (rowid, headline, standfirst, body)
        VALUES (new.id, new.headline, new.standfirst, new.body);
    END
    """,
    "INSERT INTO articles_article_fts (articles_article_fts) VALUES ('rebuild')",
]

SQLITE_REVERSE = [
    "DROP TRIGGER articles_article_fts_update",
    "DROP TRIGGER articles_article_fts_delete",
    "DROP TRIGGER articles_article_fts_insert",
    "DROP TABLE articles_article_fts",
]

STATEMENTS = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def _run(schema_editor, direction):
    forward, reverse = STATEMENTS.get(schema_editor.connection.vendor, ((), ()))
    for statement in forward if direction == "forward" else reverse:
        schema_editor.execute(statement, params=None)


def add_search(apps, schema_editor):
    _run(schema_editor, "forward")


def remove_search(apps, schema_editor):
    _run(schema_editor, "reverse")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(add_search, remove_search, elidable=False),
    ]
