"""The trailing-slash redirect, for writes too."""

from django.http.response import HttpResponseRedirectBase
from django.middleware.common import CommonMiddleware
from django.utils.http import escape_leading_slashes


class HttpResponsePermanentRedirectKeepingMethod(HttpResponseRedirectBase):
    """308: clients repeat the request at the new URL with its method and body."""

    status_code = 308


class SlashRedirectMiddleware(CommonMiddleware):
    """Django's common middleware, redirecting a URL without its trailing slash with a 308
    rather than a 301: a ``POST`` or ``PATCH`` to ``/api/v1/articles`` then reaches
    ``/api/v1/articles/`` with its body, where a 301 has clients retry it as a ``GET``
    and Django's development mode answers it with an error page."""

    response_redirect_class = HttpResponsePermanentRedirectKeepingMethod

    def get_full_path_with_slash(self, request):
        return escape_leading_slashes(request.get_full_path(force_append_slash=True))
