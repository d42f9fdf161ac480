"""The Archive project. Its Celery application loads with Django, so that tasks enqueued
from a web process use the project's settings."""

from .celery import app as celery_app

__all__ = ["celery_app"]
