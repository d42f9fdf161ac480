"""The DRF code most projects would write, kept here to measure the product against.

Not the product: ``naive`` is a ModelViewSet with nested ModelSerializers and no
``select_related``/``prefetch_related`` (an N+1 per article); ``tuned`` adds them and
page-number pagination with its COUNT, the performance baseline's "tuned DRF".
"""

from rest_framework import pagination, serializers, viewsets

from articles.models import Article, Author, Issue, Publication


class _Publication(serializers.ModelSerializer):
    class Meta:
        model = Publication
        fields = ("slug", "name")


class _Issue(serializers.ModelSerializer):
    publication = _Publication()

    class Meta:
        model = Issue
        fields = ("slug", "number", "date", "publication")


class _Author(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ("slug", "name")


class ArticleSerializer(serializers.ModelSerializer):
    issue = _Issue()
    authors = _Author(many=True)

    class Meta:
        model = Article
        fields = (
            "id",
            "slug",
            "headline",
            "standfirst",
            "published_at",
            "issue",
            "authors",
            "word_count",
        )


class _Pages(pagination.PageNumberPagination):
    page_size = 20


class NaiveArticleViewSet(viewsets.ModelViewSet):
    serializer_class = ArticleSerializer
    pagination_class = _Pages
    lookup_field = "slug"

    def get_queryset(self):
        articles = Article.objects.published()
        params = self.request.query_params
        if "author" in params:
            articles = articles.filter(authors__slug=params["author"])
        if "published_after" in params:
            articles = articles.filter(published_at__date__gte=params["published_after"])
        if "published_before" in params:
            articles = articles.filter(published_at__date__lte=params["published_before"])
        return articles.order_by("-published_at", "-id")


class TunedArticleViewSet(NaiveArticleViewSet):
    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("issue__publication")
            .prefetch_related("authors")
            .defer("body")
        )
