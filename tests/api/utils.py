from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache

from articles.caching import generation_for


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
