"""When the database or media storage fails, say so in plain words, never a stack trace:
503 when the database is unreachable, 507 when media storage is full or read-only."""

import errno
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Answers 503 for requests whose view lost the database.

    The connection itself recovers without help: Django discards an unusable
    connection at the end of the request (``CONN_HEALTH_CHECKS`` checks persistent ones
    before reuse), so the first request after PostgreSQL is back connects afresh.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "Database unavailable during %s %s: %s",
            request.method,
            request.path,
            exception.__class__.__name__,
        )
        return JsonResponse(
            {"detail": "The archive's database is unavailable. Try again shortly."},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


# Full, over quota, read-only, or not ours to write: the storage, not the request, is at fault.
STORAGE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES}
STORAGE_FAILURE_MESSAGE = (
    "The file could not be stored: media storage is full or read-only. Nothing was saved; "
    "try again once an operator has made room."
)


class MediaStorageUnavailableMiddleware:
    """Answers 507 for requests whose file could not be written to media storage.

    Admin saves and API writes run in a transaction, so the records the file belonged to
    are rolled back with it; ``archive.storage.MediaStorage`` removes the partial file.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OSError) or exception.errno not in STORAGE_FAILURES:
            return None
        logger.error(
            "Media storage failed during %s %s: %s", request.method, request.path, exception
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": STORAGE_FAILURE_MESSAGE}, status=507)
        return HttpResponse(STORAGE_FAILURE_MESSAGE, status=507, content_type="text/plain")
