"""The Celery application that runs import jobs (``celery -A archive worker``).

Configured from Django's settings, the ``CELERY_`` ones; tasks live in the apps'
``tasks.py``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

app = Celery("archive")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
