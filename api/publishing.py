"""Article writes over the API that publish, unpublish or schedule: for holders of
``articles.publish_article`` only (``articles.publishing``)."""

from rest_framework.exceptions import PermissionDenied

from articles.models import Article
from articles.publishing import NEEDS_PUBLISH_PERMISSION, changes_publication, may_publish


class PublishPermissionMixin:
    """For the article viewset: a valid write that would change whether or when readers
    see an article, by someone without the publish permission, answers 403 with a
    ``detail`` saying why. Everything else about the write stays the editor's to make."""

    def perform_create(self, serializer):
        self.check_publication(None, serializer.validated_data)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        self.check_publication(serializer.instance, serializer.validated_data)
        super().perform_update(serializer)

    def check_publication(self, article: Article | None, data: dict) -> None:
        status = data.get("status", article.status if article else Article.Status.DRAFT)
        published_at = data.get("published_at", article.published_at if article else None)
        if may_publish(self.request.user):
            return
        if changes_publication(article, status=status, published_at=published_at):
            raise PermissionDenied(NEEDS_PUBLISH_PERMISSION)
