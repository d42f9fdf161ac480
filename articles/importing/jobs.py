"""Import jobs: uploads kept in the ``import_stash`` storage, imported by a task-queue
worker on any machine (``articles.tasks``), one file at a time.

The API and the admin's import page call ``job_create`` then ``job_enqueue``; the worker
calls ``job_run``. Each file is imported in one transaction that also records its result
and holds a lock on its row (``StashedFile.claim``): a worker killed mid-file leaves that
file not imported, the job delivered again imports only the files still pending, and two
workers on one job wait for each other's file instead of importing it twice.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from articles.models import ImportJob, ImportJobFile
from articles.publishing import may_import, may_publish

from .records import ImportFileError
from .reports import FileReport, ImportReport
from .runner import ParsedFile, import_files, parse_bytes

# The largest file an editor may upload to import, by the API or the admin's page.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NO_LONGER_MAY_IMPORT = "expected an importer with the import permission, found it withdrawn"


def validate_upload_size(upload) -> None:
    """Refuse an upload over ``MAX_UPLOAD_BYTES``, naming the file and the limit."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "%(name)s is larger than %(limit)d MB.",
            code="file_too_large",
            params={"name": upload.name, "limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
        )


# Where uploads wait in the stash: a folder per job.
JOBS_FOLDER = "jobs"


def stash():
    return storages["import_stash"]


@dataclass(frozen=True)
class StashedFile:
    """A job's file, read from the stash when a worker takes it (``runner.KeptSource``)."""

    pk: int
    name: str
    stored: str

    def parse(self, *, publication: str) -> ParsedFile:
        try:
            with stash().open(self.stored) as stream:
                data = stream.read()
        except FileNotFoundError:
            reason = "expected the uploaded file, found it deleted (its stash had expired)"
            return ParsedFile(self.name, error=ImportFileError(self.name, 1, reason))
        return parse_bytes(name=self.name, data=data, publication=publication)

    def claim(self) -> FileReport | None:
        file = ImportJobFile.objects.select_for_update().get(pk=self.pk)
        if file.result is None:
            return None
        return FileReport.from_dict(file.result, file.counts)

    def record(self, report: FileReport) -> None:
        ImportJobFile.objects.filter(pk=self.pk).update(
            result=report.as_dict(), counts=report.counts_list(), finished_at=timezone.now()
        )


def job_create(*, user, uploads: Iterable, dry_run: bool = False, publication: str = ""):
    """A queued job for ``uploads`` (Django's uploaded files), each copied to the stash in
    chunks as it is read, so no upload is ever whole in memory. If storing one, or the
    job, fails, the files stored are deleted and the error goes on."""
    stash_sweep()
    folder = f"{JOBS_FOLDER}/{uuid.uuid4().hex}"
    files = []
    try:
        for position, upload in enumerate(uploads):
            stored = stash().save(f"{folder}/{position}", upload)
            files.append(ImportJobFile(position=position, name=upload.name, stored=stored))
        with transaction.atomic():
            job = ImportJob.objects.create(user=user, dry_run=dry_run, publication=publication)
            for file in files:
                file.job = job
            ImportJobFile.objects.bulk_create(files)
    except Exception:
        _delete_stored(file.stored for file in files)
        raise
    return job


def job_confirm(*, job: ImportJob) -> ImportJob | None:
    """The import of a finished dry run's files that passed it, taking their stash over;
    None if the dry run was confirmed or cancelled already (or nothing passed)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        stashed = list(job.files.stashed().order_by("position"))
        passed = [file for file in stashed if file.result and file.result["ok"]]
        if not (job.dry_run and job.done) or not passed or hasattr(job, "confirmed_by"):
            return None
        confirmed = ImportJob.objects.create(
            user=job.user, publication=job.publication, checked_by=job
        )
        ImportJobFile.objects.bulk_create(
            ImportJobFile(job=confirmed, position=position, name=file.name, stored=file.stored)
            for position, file in enumerate(passed)
        )
        job.files.update(stored="")
    _delete_stored(file.stored for file in stashed if file not in passed)
    return confirmed


def job_discard(*, job: ImportJob) -> None:
    """Delete a job's stashed files (a dry run the editor cancelled)."""
    with transaction.atomic():
        files = list(ImportJobFile.objects.select_for_update().filter(job=job).stashed())
        ImportJobFile.objects.filter(pk__in=[file.pk for file in files]).update(stored="")
    _delete_stored(file.stored for file in files)


QUEUE_UNREACHABLE = "expected the task queue to take the job, found its broker unreachable"


class QueueUnavailable(Exception):
    """The task queue's broker could not be reached: the job failed, its files deleted."""


def job_enqueue(job: ImportJob) -> None:
    """Hand the job to the task queue: a worker, or this process when none is configured
    (``CELERY_TASK_ALWAYS_EAGER``). If the broker cannot be reached, the job fails at once
    rather than wait for a worker that will never hear of it."""
    from articles.tasks import run_import_job

    try:
        run_import_job.delay(job.pk)
    except OperationalError as error:
        job_fail(job_id=job.pk, error=QUEUE_UNREACHABLE)
        job_discard(job=job)
        raise QueueUnavailable(QUEUE_UNREACHABLE) from error


def job_run(*, job_id: int) -> None:
    """Import the job's pending files with its requester's permissions, then finish it."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("user").get(pk=job_id)
        if job.done:
            return
        job.status = ImportJob.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    user = job.user
    if not may_import(user):
        job_fail(job_id=job.pk, error=NO_LONGER_MAY_IMPORT)
        return
    pending = [
        StashedFile(file.pk, file.name, file.stored)
        for file in job.files.pending().order_by("position")
    ]
    reports = import_files(
        pending,
        publication=job.publication,
        dry_run=job.dry_run,
        may_publish=may_publish(user),
        user=user,
    )
    for _ in reports:
        pass
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.done:
            return
        job.status = ImportJob.Status.FINISHED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "finished_at"])
    if not job.dry_run:
        job_discard(job=job)
    # Workers sweep too, so old stashes go though nobody uploads again.
    stash_sweep()


def job_fail(*, job_id: int, error: str) -> None:
    """End a job that could not run (its files stay pending), saying why."""
    ImportJob.objects.filter(pk=job_id).exclude(
        status__in=[ImportJob.Status.FINISHED, ImportJob.Status.FAILED]
    ).update(status=ImportJob.Status.FAILED, error=error, finished_at=timezone.now())


def job_report(job: ImportJob) -> ImportReport:
    """The job's report so far: its imported or refused files, in order (``with_files``)."""
    report = ImportReport(dry_run=job.dry_run)
    for file in job.files.all():
        if file.result is not None:
            report.add(FileReport.from_dict(file.result, file.counts))
    return report


def stash_sweep() -> None:
    """Delete the stashed files of jobs finished ``IMPORT_STASH_MAX_AGE`` ago: dry runs
    nobody confirmed, and files a worker died before deleting; and the folders of uploads
    that no job holds, as old, which a process died between storing and recording."""
    files = list(ImportJobFile.objects.filter(job__in=ImportJob.objects.stash_expired()).stashed())
    ImportJobFile.objects.filter(pk__in=[file.pk for file in files]).update(stored="")
    _delete_stored(file.stored for file in files)
    _sweep_orphans()


def _sweep_orphans() -> None:
    try:
        folders, _ = stash().listdir(JOBS_FOLDER)
    except FileNotFoundError:
        # A local stash that has held no upload yet (object storage lists none instead).
        return
    held = {
        stored.rpartition("/")[0]
        for stored in ImportJobFile.objects.stashed().values_list("stored", flat=True)
    }
    expired = timezone.now() - settings.IMPORT_STASH_MAX_AGE
    for name in folders:
        folder = f"{JOBS_FOLDER}/{name}"
        if folder in held:
            continue
        _, names = stash().listdir(folder)
        paths = [f"{folder}/{file}" for file in names]
        if all(stash().get_modified_time(path) < expired for path in paths):
            _delete_stored(paths, folders=[folder])


def _delete_stored(paths: Iterable[str], folders: Iterable[str] = ()) -> None:
    """Delete the stashed uploads at ``paths``, and each job's folder (theirs and
    ``folders``) once it is empty (a local stash has folders; object storage has none to
    delete)."""
    folders = set(folders)
    for path in paths:
        stash().delete(path)
        folders.add(path.rpartition("/")[0])
    for folder in folders:
        if not any(stash().listdir(folder)):
            stash().delete(folder)
