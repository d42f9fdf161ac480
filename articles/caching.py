"""One generation token for everything the public API has cached.

Anonymous API responses, and every list's count (``api.pagination``), are cached under
the current generation (``generation_key``). Any change to the archive's content (a save
or delete in the admin or the API, a bulk publish, an import) replaces the token once
its transaction commits, so no response computed from the old data can be served again.
A random token rather than a counter: if the cache evicts it, the next one cannot
collide with a generation that still has responses stored.

Time retires cached answers too. A scheduled article (published, its time still to
come) appears to readers when its time comes, with no write to the archive: so a
reader's generation (``generation_for``) also names the next scheduled publication, looked
up once per generation, and its entries live no longer than until then. When that time
comes, the next request looks up the one after it: every key changes, and lists, counts
and pages computed before it are never served again, whichever cache holds them and
whatever its clock says.

Whole-archive invalidation is deliberately coarse: an article page embeds its issue,
authors and books, and lists embed articles, so working out exactly which cached pages
an edit touches would be a second, easily stale, copy of the serializers' knowledge.
Edits are rare next to reads; a miss costs one uncached request per page.
"""

import datetime as dt
import hashlib
import math
import threading
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .readers import reads_drafts

GENERATION_KEY = "archive:generation:timed"
SCHEDULE_KEY = "archive:next-publication"


@dataclass(frozen=True)
class Generation:
    """What one request's cached answers are keyed and timed by, taken once per request
    so that its answer and its list's count agree: the archive's ``token`` and, for readers
    of published content, ``until``, the next scheduled publication as a timestamp (None:
    nothing is scheduled, or the reader reads the whole archive, which time does not
    change). ``since`` is no earlier than the last change to what the reader sees: the
    answers' ``Last-Modified``."""

    token: str
    until: float | None = None
    since: float | None = None

    def key(self, namespace: str, identity: str) -> str:
        """A cache key that the next change to the archive, or the next scheduled
        publication, retires. ``identity`` is hashed: it can be a long query string
        holding any character, which a cache key should not."""
        digest = hashlib.sha256(identity.encode()).hexdigest()
        return f"{namespace}:{self.token}:{self.until}:{digest}"

    def timeout(self, seconds: int) -> int:
        """``seconds``, cut short at the next scheduled publication; 0: do not keep."""
        if self.until is None:
            return seconds
        return max(0, min(seconds, math.floor(self.until - time.time())))


def generation_for(user) -> Generation:
    """The generation a reader's answers are cached under (``articles.readers``)."""
    token = current_generation()
    if reads_drafts(user):
        return Generation(token, since=_made_at(token))
    until, since = _schedule(token)
    return Generation(token, until, since)


def _schedule(token: str) -> tuple[float | None, float]:
    """The next scheduled publication as a timestamp, and when it was looked up, kept in
    the cache for the generation until that publication comes.

    The lookup's time stands for when published content last changed: no change and no
    publication has come since it (either would have retired it), and it is no earlier
    than the generation's start.
    """
    key = f"{SCHEDULE_KEY}:{token}"
    known = cache.get(key)
    if known is not None and (known[0] is None or time.time() < known[0]):
        return known
    from .models import Article

    upcoming: dt.datetime | None = Article.objects.next_publication()
    schedule = (upcoming.timestamp() if upcoming else None, time.time())
    cache.set(key, schedule, settings.API_RESPONSE_CACHE_SECONDS)
    return schedule


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
        cache.add(GENERATION_KEY, _new_token(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    # An unreachable cache keeps nothing: a generation of this call's own means nothing
    # stored meanwhile can be found again under it.
    return generation or _new_token()


def _new_token() -> str:
    """A generation's token: when it was made, and a random part no other can share."""
    return f"{time.time():.6f}-{uuid.uuid4().hex}"


def _made_at(token: str) -> float:
    return float(token.partition("-")[0])


def generation_key(namespace: str, identity: str) -> str:
    """A cache key that the next change to the archive retires, for what the passing of
    time does not change."""
    return Generation(current_generation()).key(namespace, identity)


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
    generation = _new_token()
    cache.set(GENERATION_KEY, generation, timeout=None)
    # Read back, since a cache that absorbs its errors (settings.redis_cache) says nothing
    # when a write is lost. Another process's newer generation also reads back as
    # different: retiring once more then costs only a cache miss.
    if cache.get(GENERATION_KEY) == generation:
        _retirement_pending.clear()
    else:
        _retirement_pending.set()
