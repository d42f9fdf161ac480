"""The change feed starts with every record the archive already holds, as created: a
mirror that reads the feed from its start then has the whole archive, and every record
deleted later has a ``created`` before its tombstone."""

from django.db import migrations


def record_existing(apps, schema_editor):
    # The feed's own code, not the historical models: the events must carry the digests
    # that every later write compares with.
    from history.feed import record_existing

    record_existing()


class Migration(migrations.Migration):
    dependencies = [
        ("history", "0002_change_feed_events"),
        ("articles", "0007_newsroom_roles"),
    ]

    operations = [migrations.RunPython(record_existing, migrations.RunPython.noop)]
