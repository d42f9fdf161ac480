from django.apps import AppConfig
from django.db.models import signals


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Archive"

    def ready(self):
        from .caching import archive_changed
        from .models import Article

        # Every save and delete of archive content, whichever door it came through
        # (admin, API, loaddata), retires the API's cached responses. Bulk writes that
        # bypass signals (queryset updates, the importer) call archive_changed() themselves.
        for model in self.get_models():
            signals.post_save.connect(archive_changed, sender=model, weak=False)
            signals.post_delete.connect(archive_changed, sender=model, weak=False)
        # Filing an article under a topic, or taking it off one, saves no model: the
        # relation's own signal retires the responses that list the article's topics.
        signals.m2m_changed.connect(_topics_changed, sender=Article.topics.through, weak=False)


def _topics_changed(action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        from .caching import archive_changed

        archive_changed()
