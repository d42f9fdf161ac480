"""Conditional GET for every page, by Django's own middleware."""

from django.middleware.http import ConditionalGetMiddleware


class SuccessfulConditionalGetMiddleware(ConditionalGetMiddleware):
    """Django's conditional GET (an ``ETag`` from the body, 304 when ``If-None-Match``
    or ``If-Modified-Since`` still holds), for successful answers only: an error carries
    no ``ETag``, so no client or cache revalidates an error as if it were the resource.
    """

    def needs_etag(self, response):
        return response.status_code == 200 and super().needs_etag(response)
