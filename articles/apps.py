from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models import signals


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Archive"

    def ready(self):
        from archive.postgres import use_quoted_lists

        from . import caching

        connection_created.connect(use_quoted_lists, weak=False)

        # Every save and delete of archive content, whichever door it came through
        # (admin, API, loaddata), retires the API's cached responses that show it
        # (articles.caching). Bulk writes that bypass signals (queryset updates, the
        # importer) call records_changed() or archive_changed() themselves.
        for model in self.get_models():
            signals.pre_save.connect(caching.retire_before_save, sender=model, weak=False)
            signals.post_save.connect(caching.retire_after_write, sender=model, weak=False)
            signals.post_delete.connect(caching.retire_after_write, sender=model, weak=False)
            for field in model._meta.local_many_to_many:
                signals.m2m_changed.connect(
                    caching.retire_after_relation_change,
                    sender=field.remote_field.through,
                    weak=False,
                )
