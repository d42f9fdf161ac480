from django.urls import include, path
from rest_framework.routers import SimpleRouter

from archive.urls import urlpatterns as archive_urls

from . import baselines

router = SimpleRouter()
router.register("naive", baselines.NaiveArticleViewSet, basename="naive")
router.register("tuned", baselines.TunedArticleViewSet, basename="tuned")

urlpatterns = [path("baseline/", include(router.urls)), *archive_urls]
