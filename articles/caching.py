"""One generation token for everything the public API has cached.

Anonymous API responses, and every list's count (``api.pagination``), are cached under
the current generation (``generation_key``). Any change to the archive's content (a save
or delete in the admin or the API, a bulk publish, an import) replaces the token once
its transaction commits, so no response computed from the old data can be served again.
A random token rather than a counter: if the cache evicts it, the next one cannot
collide with a generation that still has responses stored.

Whole-archive invalidation is deliberately coarse: an article page embeds its issue,
authors and books, and lists embed articles, so working out exactly which cached pages
an edit touches would be a second, easily stale, copy of the serializers' knowledge.
Edits are rare next to reads; a miss costs one uncached request per page.
"""

import hashlib
import threading
import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

GENERATION_KEY = "archive:generation"

# Set when this process changed the archive but could not store the new generation (the
# cache was unreachable): the next use of the cache retires the generation first, so the
# responses cached before the change are not served once the cache is back.
_retirement_pending = threading.Event()
_discarded_writes = ContextVar("discarded_writes", default=False)


def current_generation() -> str:
    if _retirement_pending.is_set():
        _new_generation()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        generation = cache.get(GENERATION_KEY)
    # An unreachable cache keeps nothing: a generation of this call's own means nothing
    # stored meanwhile can be found again under it.
    return generation or uuid.uuid4().hex


def generation_key(namespace: str, identity: str) -> str:
    """A cache key that the next change to the archive retires. ``identity`` is hashed:
    it can be a long query string holding any character, which a cache key should not."""
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return f"{namespace}:{current_generation()}:{digest}"


def archive_changed(**_signal_kwargs) -> None:
    """Retire every cached API response, now and again when the transaction commits.

    Now, so that the writer's own later reads in this transaction are fresh; again at
    commit, because a reader between the change and the commit still sees the old rows
    and may have cached them under the interim generation. Writes made inside
    ``writes_rolled_back()`` retire nothing.
    """
    if _discarded_writes.get():
        return
    _new_generation()
    transaction.on_commit(_new_generation)


@contextmanager
def writes_rolled_back():
    """For writes that the caller rolls back before anything can read them (a preview
    of unsaved edits): nothing they change is ever committed, so no cached response
    goes stale and none is retired."""
    token = _discarded_writes.set(True)
    try:
        yield
    finally:
        _discarded_writes.reset(token)


def _new_generation() -> None:
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, timeout=None)
    # Read back, since a cache that absorbs its errors (settings.redis_cache) says nothing
    # when a write is lost. Another process's newer generation also reads back as
    # different: retiring once more then costs only a cache miss.
    if cache.get(GENERATION_KEY) == generation:
        _retirement_pending.clear()
    else:
        _retirement_pending.set()
