from django.apps import AppConfig
from django.db.models import signals


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Archive"

    def ready(self):
        from .caching import archive_changed

        # Every save and delete of archive content, whichever door it came through
        # (admin, API, loaddata), retires the API's cached responses. Bulk writes that
        # bypass signals (queryset updates, the importer) call archive_changed() themselves.
        for model in self.get_models():
            signals.post_save.connect(archive_changed, sender=model, weak=False)
            signals.post_delete.connect(archive_changed, sender=model, weak=False)
