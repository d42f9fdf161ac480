"""The Redis cache as the archive uses it: one that degrades instead of failing.

django-redis can ignore a refused connection, but not every failure a cache can have: a
reply it cannot parse (something other than Redis on the port) is raised, and a Redis
that hangs costs every call its socket timeout. Here every error of the cache is logged
and counted (``errors()``, which ``/readyz`` reports), and rests the cache for
``REST_SECONDS``: meanwhile each call answers as a cache that holds nothing, without
waiting on Redis, so readers are served from the database at its own speed. The first
call after the rest tries Redis again.

The count also tells ``articles.caching`` that writes may have been made while their
retirement could not be stored: it retires the archive's token once Redis is back.
"""

import functools
import logging
import threading
import time

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REST_SECONDS = 5.0

# Per process: Django makes a cache object per thread, and an outage is every thread's.
# Rests are per server.
_state_lock = threading.Lock()
_errors = 0
_resting_until: dict[str, float] = {}


def errors() -> int:
    """How many cache calls have failed in this process."""
    return _errors


def _failed(server: str, error: Exception) -> None:
    global _errors
    with _state_lock:
        _errors += 1
        _resting_until[server] = time.monotonic() + REST_SECONDS
    logger.error(
        "Cache unavailable (%s: %s); answering without it for %s s.",
        type(error).__name__,
        error,
        REST_SECONDS,
    )


def _degrading(method, answer_without_cache):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if time.monotonic() < _resting_until.get(self._server, 0.0):
            return answer_without_cache(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except (RedisError, ConnectionInterrupted, OSError) as error:
            _failed(self._server, error)
            return answer_without_cache(*args, **kwargs)

    return call


def _default(key, default=None, *args, **kwargs):
    return default


class DegradingRedisCache(RedisCache):
    """django-redis's cache, whose calls answer as an empty cache when Redis fails them.

    Configured with ``IGNORE_EXCEPTIONS`` off, so that every error reaches this class."""

    get = _degrading(RedisCache.get, _default)
    get_many = _degrading(RedisCache.get_many, lambda *args, **kwargs: {})
    set = _degrading(RedisCache.set, lambda *args, **kwargs: False)
    add = _degrading(RedisCache.add, lambda *args, **kwargs: False)
    set_many = _degrading(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    delete = _degrading(RedisCache.delete, lambda *args, **kwargs: False)
    delete_many = _degrading(RedisCache.delete_many, lambda *args, **kwargs: None)
    has_key = _degrading(RedisCache.has_key, lambda *args, **kwargs: False)
    touch = _degrading(RedisCache.touch, lambda *args, **kwargs: False)
