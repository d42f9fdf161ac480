"""The "Import archive files" page, reached from the article list, and each import job's
page."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from ..importing.jobs import (
    QueueUnavailable,
    job_confirm,
    job_create,
    job_discard,
    job_enqueue,
    job_report,
    validate_upload_size,
)
from ..importing.reports import ACTIONS, KINDS
from ..models import ImportJob
from ..publishing import may_import


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        clean_one = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        return [clean_one(upload, initial) for upload in uploads]


class ImportFilesForm(forms.Form):
    files = MultipleFileField(
        help_text="Scraped article pages (.txt) or interchange documents.",
        validators=[validate_upload_size],
    )
    publication = forms.CharField(
        required=False, help_text="The publication of scraped pages that have no masthead."
    )


class ArchiveImportAdminMixin:
    """The "Import archive files" page: upload, see the dry run's report, then confirm.

    An upload is kept in the ``import_stash`` storage (never served) and checked by a dry
    run job on the task queue; the job's page shows its report as it grows, and once it
    is done offers to import the files that passed. Confirming hands those files to an
    import job, so a large upload is not posted twice; files nobody confirmed are deleted
    ``IMPORT_STASH_MAX_AGE`` after their dry run (``importing.jobs.stash_sweep``).
    """

    def get_urls(self):
        upload = self.admin_site.admin_view(self.import_view)
        job = self.admin_site.admin_view(self.import_job_view)
        return [
            path("import/", upload, name="articles_article_import"),
            path("import/<int:pk>/", job, name="articles_article_import_job"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request):
        return may_import(request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "has_import_permission": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = ImportFilesForm()
        if request.method == "POST":
            form = ImportFilesForm(request.POST, request.FILES)
            if form.is_valid():
                job = job_create(
                    user=request.user,
                    uploads=form.cleaned_data["files"],
                    dry_run=True,
                    publication=form.cleaned_data["publication"],
                )
                try:
                    job_enqueue(job)
                except QueueUnavailable as error:
                    self.message_user(request, f"{error}; try again later.", messages.ERROR)
                    return redirect("admin:articles_article_import")
                return redirect("admin:articles_article_import_job", pk=job.pk)
        context = {**self._import_context(request), "form": form}
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def import_job_view(self, request, pk):
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = ImportJob.objects.for_requester(request.user).with_files().filter(pk=pk).first()
        if job is None:
            raise Http404("No import job of yours has that id.")
        if request.method == "POST" and "cancel" in request.POST:
            job_discard(job=job)
            self.message_user(request, "Import cancelled: nothing was imported.", messages.INFO)
            return redirect("admin:articles_article_import")
        if request.method == "POST" and "confirm" in request.POST:
            confirmed = job_confirm(job=job)
            if confirmed is None:
                self.message_user(
                    request,
                    "Those files were imported or cancelled already, or have expired; "
                    "upload them again.",
                    messages.ERROR,
                )
                return redirect("admin:articles_article_import")
            try:
                job_enqueue(confirmed)
            except QueueUnavailable as error:
                message = f"{error}; upload the files again later."
                self.message_user(request, message, messages.ERROR)
            return redirect("admin:articles_article_import_job", pk=confirmed.pk)
        report = job_report(job)
        files = job.files.all()
        context = {
            **self._import_context(request),
            "job": job,
            "report": report,
            "progress": (sum(file.result is not None for file in files), len(files)),
            "passed": sum(1 for file in files if file.stored and file.result and file.result["ok"]),
            "actions": ACTIONS,
            "totals": [(kind, [report.totals[kind, a] for a in ACTIONS]) for kind in KINDS],
        }
        return TemplateResponse(request, "admin/articles/article/import_job.html", context)

    def _import_context(self, request):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import archive files",
        }
