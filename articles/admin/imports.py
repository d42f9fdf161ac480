"""The "Import archive files" page, reached from the article list."""

import time
import uuid

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from ..importing.reports import ACTIONS, KINDS, ImportReport
from ..importing.runner import Upload, import_files
from ..publishing import may_import, may_publish


def storage():
    return storages["import_stash"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        clean_one = super().clean
        uploads = data if isinstance(data, list | tuple) else [data]
        return [clean_one(upload, initial) for upload in uploads]


class ImportFilesForm(forms.Form):
    files = MultipleFileField(help_text="Scraped article pages (.txt) or interchange documents.")
    publication = forms.CharField(
        required=False, help_text="The publication of scraped pages that have no masthead."
    )


class ArchiveImportAdminMixin:
    """The "Import archive files" page: upload, see the dry run's report, then confirm.

    Files that pass the dry run wait in the ``import_stash`` storage (never served) under
    a signed token until the editor confirms, so a large upload is not posted twice. They
    are stored by position, not by the uploader's name, and a stash older than the token
    is deleted by the next dry run.
    """

    import_token_salt = "articles.admin.import"
    import_token_max_age = 24 * 60 * 60

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="articles_article_import"), *super().get_urls()]

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
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Import archive files",
            "form": ImportFilesForm(),
        }
        report = None
        if request.method == "POST" and "cancel" in request.POST:
            self._discard_stashed(request)
            self.message_user(request, "Import cancelled: nothing was imported.", messages.INFO)
            return redirect("admin:articles_article_import")
        if request.method == "POST" and "token" in request.POST:
            report = self._import_stashed(request)
            if report is None:
                self.message_user(
                    request, "That upload has expired; upload it again.", messages.ERROR
                )
                return redirect("admin:articles_article_import")
            level = messages.ERROR if report.failed else messages.SUCCESS
            self.message_user(request, report.summary()[0], level)
        elif request.method == "POST":
            context["form"] = form = ImportFilesForm(request.POST, request.FILES)
            if form.is_valid():
                report, context["token"] = self._dry_run(request, form)
        if report:
            totals = report.totals
            context.update(
                report=report,
                passed=sum(1 for file in report.files if not file.error),
                actions=ACTIONS,
                totals=[(kind, [totals[kind, action] for action in ACTIONS]) for kind in KINDS],
            )
        return TemplateResponse(request, "admin/articles/article/import.html", context)

    def _dry_run(self, request, form):
        """The dry run's report, and a token for the files that passed it (or None)."""
        files = [Upload(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
        publication = form.cleaned_data["publication"]
        reports = import_files(
            files, publication=publication, dry_run=True, may_publish=may_publish(request.user)
        )
        report = ImportReport(dry_run=True).add_all(reports)
        self._discard_expired()
        # The folder's name says when it was made, which any storage can list.
        folder = f"{int(time.time())}-{uuid.uuid4().hex}"
        passed = [
            (file.name, storage().save(f"{folder}/{position}", ContentFile(file.data)))
            for position, (file, result) in enumerate(zip(files, report.files, strict=True))
            if not result.error
        ]
        if not passed:
            return report, None
        stash = {"user": request.user.pk, "publication": publication, "files": passed}
        return report, signing.dumps(stash, salt=self.import_token_salt)

    def _stash(self, request):
        """What the posted token names, if it is good and this editor's; else None."""
        try:
            stash = signing.loads(
                request.POST.get("token", ""),
                salt=self.import_token_salt,
                max_age=self.import_token_max_age,
            )
        except signing.BadSignature:
            return None
        return stash if stash["user"] == request.user.pk else None

    def _discard_stashed(self, request):
        """Delete the uploads a cancelled confirmation names."""
        stash = self._stash(request)
        for _, stored in stash["files"] if stash else ():
            storage().delete(stored)

    def _discard_expired(self):
        """Delete the stashes whose token has expired: confirmed or cancelled by nobody."""
        stale_before = time.time() - self.import_token_max_age
        try:
            folders = storage().listdir("")[0]
        except FileNotFoundError:
            return  # no stash yet
        for folder in folders:
            made = folder.partition("-")[0]
            if made.isdigit() and int(made) < stale_before:
                for name in storage().listdir(folder)[1]:
                    storage().delete(f"{folder}/{name}")
                storage().delete(folder)

    def _import_stashed(self, request):
        """Import the files a confirmed token names; None if the token is not good."""
        stash = self._stash(request)
        if stash is None:
            return None
        files = []
        try:
            for name, stored in stash["files"]:
                with storage().open(stored) as stream:
                    files.append(Upload(name, stream.read()))
        except FileNotFoundError:
            return None  # confirmed twice: the first confirmation imported them
        for _, stored in stash["files"]:
            storage().delete(stored)
        reports = import_files(
            files,
            publication=stash["publication"],
            may_publish=may_publish(request.user),
            user=request.user,
        )
        return ImportReport().add_all(reports)
