"""When the database is unreachable, say so: 503 with a JSON body, never a stack trace."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

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
