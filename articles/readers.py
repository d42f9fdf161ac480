"""What a reader may read: one rule for the querysets, the API and its caches.

Staff read the whole archive: drafts, and published articles scheduled for later. Every
other reader, signed in or not, reads what is published and nothing else, so all of
them get the same answers: the API serves them from its shared response cache, counts
their lists once, and may read for them from a replica.
"""

from django.conf import settings


def reads_drafts(user) -> bool:
    """Whether ``user`` reads the whole archive rather than only what is published."""
    return user.is_staff


def carries_credentials(request) -> bool:
    """Whether a request could be a reader of drafts, as far as can be told before the
    API authenticates it: only one carrying a session cookie or an ``Authorization``
    header can be. The replica router decides this early; a request with neither is an
    anonymous reader, who never reads drafts."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
