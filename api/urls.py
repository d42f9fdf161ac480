from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .imports import ImportView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("imports/", ImportView.as_view(), name="imports"),
]
