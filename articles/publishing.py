"""Who may publish and who may import: the rules every door (admin, API, importer) asks.

Publishing is apart from editing. ``articles.change_article`` lets an editor write and
correct an article; only holders of ``articles.publish_article`` decide whether and when
readers see it: they publish, unpublish and schedule. ``articles.import_archive`` lets a
staff user load archive files, which creates and updates issues, articles, authors and
books in one go.
"""

from .models import Article

PUBLISH_PERMISSION = "articles.publish_article"
IMPORT_PERMISSION = "articles.import_archive"

NEEDS_PUBLISH_PERMISSION = (
    "Publishing, unpublishing and scheduling need the “Can publish, unpublish and schedule "
    "articles” permission: keep the article a draft, or ask an editor who has it."
)


def may_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def may_import(user) -> bool:
    return user.is_staff and user.has_perm(IMPORT_PERMISSION)


def changes_publication(article: Article | None, *, status: str, published_at) -> bool:
    """Whether giving ``article`` (None: a new one) this status and publication time
    publishes, unpublishes or reschedules it: whether the write needs ``publish_article``.

    Drafts stay the writers' own: a draft's planned time is theirs to change.
    """
    before = (article.status, article.published_at) if article else (Article.Status.DRAFT, None)
    if Article.Status.PUBLISHED not in (before[0], status):
        return False
    return before != (status, published_at)
