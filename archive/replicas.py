"""Read replicas: anonymous API reads go to a replica, everything else to the primary.

An editor must see their own change at once, so any request that could be a reader of
drafts (``articles.readers.carries_credentials``) stays on the primary, as do the admin,
the importer and every write. Replication lag is acceptable only for the anonymous
public, who cannot tell a change was made a moment ago.
"""

import random
from contextvars import ContextVar

from django.conf import settings

from articles.readers import carries_credentials

_reading_from_replica = ContextVar("reading_from_replica", default=False)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if settings.REPLICA_DATABASES and _reading_from_replica.get():
            return random.choice(settings.REPLICA_DATABASES)
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the primary's data, so rows from either may be related.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaReadMiddleware:
    """Marks anonymous, read-only API requests as safe to answer from a replica."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        anonymous_read = (
            request.method in SAFE_METHODS
            and request.path.startswith("/api/")
            and not carries_credentials(request)
        )
        token = _reading_from_replica.set(anonymous_read)
        try:
            return self.get_response(request)
        finally:
            _reading_from_replica.reset(token)
