"""An article's parts follow the article's own permissions.

Bylines, images and the reading list (groups, entries and the books they name) are
parts of the article, stored in tables of their own. On the article page an editor who
may view the article sees them, and one who may change it (or add it, on the add page)
edits them: no permission on the internal tables is needed.
"""

from ..models import Article


class ArticlePartInlineMixin:
    """For the article page's inlines, nested ones included: defer to the article's
    ``ModelAdmin``. ``obj`` is the article when the admin passes it; otherwise (a new
    article, a nested form's parent row) the model permission decides."""

    def _article_admin(self):
        return self.admin_site.get_model_admin(Article)

    def has_view_permission(self, request, obj=None):
        return self._article_admin().has_view_permission(request, _article(obj))

    def has_add_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_write(request, obj)

    def _may_write(self, request, obj):
        article_admin = self._article_admin()
        article = _article(obj)
        if article is None and article_admin.has_add_permission(request):
            return True
        return article_admin.has_change_permission(request, article)


def _article(obj):
    return obj if isinstance(obj, Article) else None
