"""Who is trying to sign in: the address the admin's login throttling (django-axes) counts
failures against."""

from rest_framework.throttling import BaseThrottle


def client_address(request) -> str:
    """The client's address by the API throttle's rule: ``REMOTE_ADDR``, or behind
    ``NUM_PROXIES`` proxies the address they recorded in ``X-Forwarded-For``, so that a
    forged header buys no fresh attempts and one proxy's address does not lock out
    everyone behind it."""
    return BaseThrottle().get_ident(request)
