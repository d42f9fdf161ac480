"""Proves the read routing against a real PostgreSQL streaming replica.

Run by ``.ci/replica`` (through ``manage.py shell``), which starts the replica. It needs
``DATABASE_URL`` (the primary) and ``DATABASE_REPLICA_URLS`` (one streaming replica of
it), both naming the same database, and a cache that cannot answer for the replica (``CACHE_URL=dummycache://``).
It pauses WAL replay on the replica, corrects an article on the primary, and checks who
sees what: the anonymous public the replica's (old) copy; an editor's token request and
the admin the primary's; then, once replay resumes, everyone the correction.
"""

import sys
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from rest_framework.authtoken.models import Token

from articles.models import Article

ARTICLE_URL = "/api/v1/articles/trotskys-socialism/"
ORIGINAL = "Trotsky’s socialism"
CORRECTED = "Trotsky’s socialism (corrected)"


def wait_for(condition, what, seconds=15.0):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            sys.exit(f"FAIL: timed out waiting for {what}")
        time.sleep(0.1)


def headline(client):
    response = client.get(ARTICLE_URL)
    return response.json()["headline"] if response.status_code == 200 else None


def check(condition, message):
    if not condition:
        sys.exit(f"FAIL: {message}")
    print(f"ok: {message}")


def main():
    setup_test_environment()
    (replica_alias,) = [alias for alias in connections if alias != "default"]
    replica = connections[replica_alias]
    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check(cursor.fetchone()[0], f"{replica_alias} is a streaming replica in recovery")

    call_command("migrate", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)
    Article.objects.filter(slug="trotskys-socialism").update(headline=ORIGINAL)
    editor, _ = get_user_model().objects.get_or_create(username="replica-check-editor")
    editor.is_staff = True
    editor.save()
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label="articles"))
    token, _ = Token.objects.get_or_create(user=editor)

    anonymous = Client()
    with_token = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    admin = Client()
    admin.force_login(editor)
    wait_for(lambda: headline(anonymous) == ORIGINAL, "the seed to reach the replica")

    with replica.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        article = Article.objects.get(slug="trotskys-socialism")
        article.headline = CORRECTED
        article.save()

        with CaptureQueriesContext(replica) as replica_queries:
            anonymous_sees = headline(anonymous)
        check(anonymous_sees == ORIGINAL, "anonymous API reads are served by the replica")
        check(len(replica_queries) > 0, "the replica answered the anonymous read")

        with CaptureQueriesContext(replica) as replica_queries:
            editor_sees = headline(with_token)
            page = admin.get(f"/admin/articles/article/{article.pk}/change/")
        check(editor_sees == CORRECTED, "an editor's token request sees their change at once")
        check(CORRECTED in page.content.decode(), "the admin shows the change at once")
        check(len(replica_queries) == 0, "neither the editor nor the admin read the replica")
    finally:
        with replica.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")

    wait_for(lambda: headline(anonymous) == CORRECTED, "the correction to replicate")
    print("ok: once replayed, the anonymous public sees the correction")
