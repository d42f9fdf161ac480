"""Errors under ``/api/`` in JSON, whoever answers them.

DRF answers most of its views' errors in JSON, but a URL that matches no route is
answered by Django: with its HTML error page, and in development (``DEBUG``) with the
technical 404 page, which bypasses ``handler404``. The docs page and the schema render
their own errors as HTML and YAML, and a server error is Django's HTML page (the
traceback is in the log). A front end works against development as well as production,
so every one of them answers alike.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import JsonResponse
from rest_framework.renderers import BrowsableAPIRenderer

API_PREFIX = "/api/"
MESSAGES = {
    # Django's own refusals, e.g. of a host not in ALLOWED_HOSTS: DRF's 400s are JSON.
    400: "Bad request.",
    404: "Not found.",
    405: 'Method "{method}" not allowed.',
    500: "A server error occurred.",
}


class JsonApiErrorsMiddleware:
    """Turns a 400, 404, 405 or 500 under ``/api/`` that is not JSON into DRF's JSON shape,
    ``{"detail": …}``, keeping a 405's ``Allow`` header. The browsable API's HTML, which
    a client asks for (``?format=api`` or a browser's ``Accept``), passes untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in MESSAGES
            and request.path.startswith(API_PREFIX)
            and not response.get("Content-Type", "").startswith("application/json")
            and not isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer)
        ):
            detail = MESSAGES[response.status_code].format(method=request.method)
            json_response = JsonResponse({"detail": detail}, status=response.status_code)
            if "Allow" in response:
                json_response["Allow"] = response["Allow"]
            return json_response
        return response

    def process_exception(self, request, exception):
        """Django's refusals of an oversized request, which it would answer with its HTML
        400 page, in JSON naming the limit."""
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            detail, status = f"The request body is over {limit:,} bytes, the most it may be.", 413
        elif isinstance(exception, TooManyFieldsSent):
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
            detail, status = f"The request has more than {limit:,} parameters.", 400
        elif isinstance(exception, TooManyFilesSent):
            limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
            detail, status = f"The request has more than {limit:,} files.", 400
        else:
            return None
        return JsonResponse({"detail": detail}, status=status)
