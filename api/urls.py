from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import article_views, feeds, views
from .changes import ChangeFeedView
from .imports import ImportJobView, ImportView
from .previews import ArticlePreviewView
from .revisions import ArticleRevisionViewSet

app_name = "api"

router = DefaultRouter()
router.APIRootView = views.ArchiveRootView
router.register("publications", views.PublicationViewSet, basename="publication")
router.register("issues", views.IssueViewSet, basename="issue")
router.register("articles", article_views.ArticleViewSet, basename="article")
router.register(
    r"articles/(?P<article_slug>[^/.]+)/revisions",
    ArticleRevisionViewSet,
    basename="article-revision",
)
router.register("authors", views.AuthorViewSet, basename="author")
router.register("books", views.BookViewSet, basename="book")
router.register("topics", views.TopicViewSet, basename="topic")
router.register("images", views.ImageViewSet, basename="image")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's settings come as a script of their own (``?script``), not inline, and
    # its page styles from a file: the Content-Security-Policy allows neither inline.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"),
        name="docs",
    ),
    path("feeds/articles.rss", feeds.LatestArticlesFeed(), name="feed-rss"),
    path("feeds/articles.atom", feeds.atom(feeds.LatestArticlesFeed)(), name="feed-atom"),
    path("feeds/authors/<slug:slug>.rss", feeds.AuthorArticlesFeed(), name="author-feed-rss"),
    path(
        "feeds/authors/<slug:slug>.atom",
        feeds.atom(feeds.AuthorArticlesFeed)(),
        name="author-feed-atom",
    ),
    path("feeds/issues/<slug:slug>.rss", feeds.IssueArticlesFeed(), name="issue-feed-rss"),
    path(
        "feeds/issues/<slug:slug>.atom",
        feeds.atom(feeds.IssueArticlesFeed)(),
        name="issue-feed-atom",
    ),
    path("changes/", ChangeFeedView.as_view(), name="changes"),
    path("imports/", ImportView.as_view(), name="imports"),
    path("imports/<int:pk>/", ImportJobView.as_view(), name="import-job"),
    path("previews/<str:token>/", ArticlePreviewView.as_view(), name="preview"),
    path("", include(router.urls)),
]
