"""The database drops an editor's connection in the middle of a save: the editor is told
(503), nothing of the save is kept, and the same save goes through once the database is
back.

"In the middle" is made exact, not hoped for: a trigger holds the save's transaction
at the point where the article and its bylines are written and its revision is being
recorded, and the test ends that session there, as a failover or a restarted pooler
would.
"""

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections
from rest_framework.authtoken.models import Token
from reversion.models import Version

from articles.models import Article
from tests.admin_forms import change_form

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no session to end and no trigger that can wait",
    ),
]

SEED = "trotskys-socialism"
HELD = "archive_test_hold_revision"


@contextmanager
def revisions_held():
    """Every revision insert waits in the database until its session is ended."""
    table = Version._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE FUNCTION {HELD}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER {HELD} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {HELD}()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {HELD} ON {table}")
        cursor.execute(f"DROP FUNCTION {HELD}()")


def end_the_held_session(ended: list):
    """From another connection: wait until a session sleeps in the trigger, end it."""
    watcher = connections.create_connection("default")
    try:
        with watcher.cursor() as cursor:
            for _ in range(200):
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event = 'PgSleep'"
                )
                if cursor.fetchone()[0]:
                    ended.append(True)
                    return
                cursor.execute("SELECT pg_sleep(0.05)")
    finally:
        watcher.close()


def save_while_the_session_is_ended(send):
    """Send a save and end its database session while its revision is being written."""
    ended = []
    watcher = threading.Thread(target=end_the_held_session, args=(ended,))
    watcher.start()
    try:
        response = send()
    finally:
        watcher.join()
        # The test client keeps its connection across requests, where a server would
        # close a broken one when the request finishes.
        connection.close()
    assert ended, "the save never reached the revision it was to be stopped in"
    return response


def test_an_api_write_cut_off_mid_save_keeps_nothing(client, seed, editor):
    token = Token.objects.create(user=editor).key
    url = f"/api/v1/articles/{SEED}/"
    before = Article.objects.get(slug=SEED)
    bylines = list(before.authors.values_list("slug", flat=True))
    change = {"headline": "Cut off mid-save", "authors": ["isaac-deutscher"]}

    def patch():
        return client.patch(
            url, change, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )

    with revisions_held():
        response = save_while_the_session_is_ended(patch)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    article = Article.objects.get(slug=SEED)
    assert article.headline == before.headline
    assert list(article.authors.values_list("slug", flat=True)) == bylines
    assert not Version.objects.exists()

    response = patch()
    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert article.headline == "Cut off mid-save"
    assert list(article.authors.values_list("slug", flat=True)) == ["isaac-deutscher"]


def test_an_admin_save_cut_off_mid_save_keeps_nothing(admin_client, seed):
    article = Article.objects.get(slug=SEED)
    url = f"/admin/articles/article/{article.pk}/change/"
    data = {**change_form(admin_client, url), "headline": "Cut off mid-save", "_continue": "Save"}

    with revisions_held():
        response = save_while_the_session_is_ended(lambda: admin_client.post(url, data))

    assert response.status_code == 503
    assert Article.objects.get(pk=article.pk).headline == article.headline
    assert not Version.objects.exists()

    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).headline == "Cut off mid-save"
    assert Version.objects.exists()
