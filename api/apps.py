from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        # Registers the system check of FRONTEND_URLS.
        from . import documents, frontend  # noqa: F401

        documents.connect()
