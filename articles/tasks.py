"""The task queue's tasks (Celery, ``archive.celery``): import jobs."""

from celery import Task, shared_task
from django.db import DatabaseError

from .importing.jobs import job_fail, job_run

GAVE_UP = "expected the database to take the job's files, found it failing after retries"


class ImportJobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Out of retries: the job says it failed, so nobody waits for it."""
        job_fail(job_id=args[0], error=f"{GAVE_UP} ({exc})")


@shared_task(
    base=ImportJobTask,
    # A database outage ends this attempt; the job goes on later from the files pending.
    autoretry_for=(DatabaseError,),
    retry_backoff=True,
    max_retries=5,
)
def run_import_job(job_id: int) -> None:
    """Run an import job (``articles.importing.jobs.job_run``); safe to deliver twice."""
    job_run(job_id=job_id)
