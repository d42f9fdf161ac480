import uuid
from contextlib import contextmanager

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import override_settings

from archive.settings import redis_cache
from articles.caching import generation_for

REDIS_URL = "redis://127.0.0.1:6379/15"
# A published article an editor posts in the seed's issue, with the seed's author.
NEW_ARTICLE = {
    "issue": "socialist-worker-2215",
    "headline": "A new piece",
    "slug": "a-new-piece",
    "body": "One paragraph.",
    "status": "published",
    "published_at": "2010-08-18T09:00:00+01:00",
    "authors": ["esme-choonara"],
}


def slugs(response):
    """The slugs of a list response's results, in order; a list that fits on one page
    must also count exactly its results."""
    assert response.status_code == 200, response.content
    body = response.json()
    if body["count"] is not None and body["next"] is None and body["previous"] is None:
        assert body["count"] == len(body["results"]), body
    return [item["slug"] for item in body["results"]]


def clear_cached_answers():
    """Empty the cache of answers and counts, then look up the next scheduled publication
    again: a reader's first request after any change does that once for every endpoint
    (``articles.caching``; ``test_scheduled.py`` pins it), so what a test then measures is
    one answer's own work behind a cache miss."""
    cache.clear()
    generation_for(AnonymousUser())


@contextmanager
def redis_at(location=REDIS_URL):
    """The cache as a deployment configures Redis (``archive.settings.redis_cache``), under
    a key prefix of this test's own; the test's keys in the real Redis are deleted after
    it."""
    prefix = f"test-{uuid.uuid4().hex}"
    with override_settings(CACHES={"default": {**redis_cache(location), "KEY_PREFIX": prefix}}):
        yield
        if location == REDIS_URL:
            cache.delete_pattern("*")
