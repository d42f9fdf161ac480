"""The Celery application that runs import jobs (``celery -A archive worker``).

Configured from Django's settings, the ``CELERY_`` ones; tasks live in the apps'
``tasks.py``.
"""

import os

from celery import Celery
from django.conf import settings
from django.core.checks import Tags, Warning, register

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

app = Celery("archive")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@register(Tags.compatibility, deploy=True)
def check_import_jobs_have_workers(app_configs, **kwargs):
    """In production an import job runs in the web request that asked for it unless a
    broker is set: a large upload then holds a web worker, and one killed by its timeout
    leaves the job running for ever."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return [
            Warning(
                "CELERY_BROKER_URL is not set: import jobs run inside the web request that "
                "starts them.",
                hint="Set CELERY_BROKER_URL (e.g. redis://redis:6379/1) and start workers "
                "with `celery -A archive worker`, or silence archive.W001 for a small archive.",
                id="archive.W001",
            )
        ]
    return []
