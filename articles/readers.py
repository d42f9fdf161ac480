"""What a reader may read: one rule for the querysets, the API and its caches.

Users who may view or change articles read the whole archive: drafts, and published
articles scheduled for later. That is a permission, not ``is_staff``: the API shows drafts
to exactly those the admin shows them to (``ModelAdmin.has_view_permission``), so staff
with no article permission read only what is published, and a writer who is not staff
sees the drafts they made. Both newsroom groups (migration ``0007_newsroom_roles``) hold
``view_article``. Every other reader, signed in or not, reads what is published and
nothing else, so all of them get the same answers: the API serves them from its shared
response cache, counts their lists once, and may read for them from a replica.

Asking costs a signed-in user who is not a superuser two queries (their own and their
groups' permissions), once per request: Django keeps the answer on the user object.
"""

from django.conf import settings

DRAFT_PERMISSIONS = ("articles.view_article", "articles.change_article")


def reads_drafts(user) -> bool:
    """Whether ``user`` reads the whole archive rather than only what is published."""
    return any(user.has_perm(permission) for permission in DRAFT_PERMISSIONS)


def carries_credentials(request) -> bool:
    """Whether a request could be a reader of drafts, as far as can be told before the
    API authenticates it: only one carrying a session cookie or an ``Authorization``
    header can be. The replica router decides this early; a request with neither is an
    anonymous reader, who never reads drafts."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META
