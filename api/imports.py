"""``POST /api/v1/imports/``: editors load archive files over HTTP, as a job.

The same importer as ``manage.py import_archive`` and the admin's import page: the
uploads are kept in the import stash and a task-queue worker imports them
(``articles.importing.jobs``), each file in its own transaction; a bad file is refused
with its name, line and reason while the database keeps what it had. The answer is 202
with the job, which ``GET /api/v1/imports/{id}/`` follows to its report.
"""

from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from articles.importing.jobs import (
    QueueUnavailable,
    job_create,
    job_enqueue,
    job_report,
    validate_upload_size,
)
from articles.importing.reports import ACTIONS, KINDS
from articles.models import ImportJob
from articles.publishing import may_import

MESSAGES = {"type": "array", "items": {"type": "string"}}
# Each bad field's messages; for the repeatable `file`, per upload: {"0": [...]}.
UPLOAD_ERRORS = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [MESSAGES, {"type": "object", "additionalProperties": MESSAGES}]
    },
}


class CanImportArchive(permissions.BasePermission):
    """Staff users with ``articles.import_archive``."""

    def has_permission(self, request, view):
        return may_import(request.user)


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}})
class UploadsField(serializers.ListField):
    """Uploaded files: documented as binary parts, which is what a client must send."""


class ImportRequestSerializer(serializers.Serializer):
    file = UploadsField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        help_text="One or more files: scraped article pages (.txt) or interchange "
        "documents (.json). Repeat the field to send several.",
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Parse, validate and report what would change; write nothing."
    )
    publication = serializers.CharField(
        default="",
        allow_blank=True,
        help_text="The publication (name or slug) of scraped pages that have no masthead.",
    )

    def validate_file(self, files):
        for upload in files:
            validate_upload_size(upload)
        return files


class ImportErrorSerializer(serializers.Serializer):
    file = serializers.CharField()
    line = serializers.IntegerField()
    reason = serializers.CharField(help_text="What was expected and what was found.")


# The report's totals: for each kind of record a count per action, built from the kinds
# and actions the report itself declares, so that a new kind or action is one edit there.
ImportCountsSerializer = type(
    "ImportCountsSerializer",
    (serializers.Serializer,),
    {action: serializers.IntegerField() for action in ACTIONS},
)
ImportTotalsSerializer = type(
    "ImportTotalsSerializer",
    (serializers.Serializer,),
    {kind: ImportCountsSerializer() for kind in KINDS},
)


class ImportFileCountsSerializer(serializers.Serializer):
    read = serializers.IntegerField()
    imported = serializers.IntegerField()
    failed = serializers.IntegerField()
    skipped = serializers.IntegerField()


class ImportedArticleSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    headline = serializers.CharField()
    action = serializers.ChoiceField(choices=ACTIONS)


class ImportFileResultSerializer(serializers.Serializer):
    file = serializers.CharField()
    ok = serializers.BooleanField()
    articles = ImportedArticleSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    error = ImportErrorSerializer(allow_null=True)


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    files = ImportFileCountsSerializer()
    totals = ImportTotalsSerializer()
    errors = ImportErrorSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())
    results = ImportFileResultSerializer(many=True)


class ImportProgressSerializer(serializers.Serializer):
    files = serializers.IntegerField(help_text="Files in the job.")
    done = serializers.IntegerField(help_text="Files imported or refused so far.")


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.SerializerMethodField(help_text="Where to follow the job: this resource.")
    status = serializers.ChoiceField(
        choices=ImportJob.Status.choices,
        help_text="`queued`: waiting for a worker; `running`: files are being imported "
        "(`progress` grows); `finished`: every file imported or refused, the report is "
        "complete; `failed`: the job could not run at all (`error` says why), the files "
        "not yet in the report were not imported. Poll until `finished` or `failed`.",
    )
    dry_run = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(
        allow_null=True, help_text="When a worker first took the job."
    )
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(
        allow_blank=True, help_text="Why the job failed; empty unless `status` is `failed`."
    )
    progress = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField(
        help_text="What the files done so far did, as a whole and file by file "
        "(`results`, in upload order). A refused file is in `errors` with its line and "
        "reason, and nothing of it was written."
    )

    def get_url(self, job) -> str:
        return reverse("api:import-job", args=[job.pk], request=self.context["request"])

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, job):
        files = job.files.all()
        return {"files": len(files), "done": sum(file.result is not None for file in files)}

    @extend_schema_field(ImportReportSerializer)
    def get_report(self, job):
        return job_report(job).as_dict()


class ImportView(APIView):
    permission_classes = [CanImportArchive]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_create",
        summary="Import archive files",
        description="Upload scraped article pages or interchange documents (multipart, "
        "field `file`, repeatable). The files are imported by a background job: the "
        "answer is 202 with the job, and its `url` (also in `Location`) reports progress "
        "and, once `status` is `finished`, the whole report. Each file imports "
        "all-or-nothing; importing a file again changes nothing. For staff with the import "
        "permission; without the publish permission a file may hold drafts only, and one "
        "with a published article (or a draft that would unpublish one) is refused, the "
        "job's `report.errors` saying so.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(
                UPLOAD_ERRORS,
                description="A malformed request (no file, a field that is not a file, a "
                "file too large): each field's errors. Nothing is imported.",
            ),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not staff with the import permission."),
        },
        tags=["imports"],
    )
    def post(self, request):
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job = job_create(
            user=request.user,
            uploads=form.validated_data["file"],
            dry_run=form.validated_data["dry_run"],
            publication=form.validated_data["publication"],
        )
        try:
            job_enqueue(job)
        except QueueUnavailable as error:
            return Response(
                {"detail": f"{error}; try again later."},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "60"},
            )
        job = ImportJob.objects.with_files().get(pk=job.pk)
        data = ImportJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


class ImportJobView(APIView):
    permission_classes = [CanImportArchive]

    @extend_schema(
        operation_id="imports_retrieve",
        summary="Follow an import job",
        description="The job a `POST /api/v1/imports/` started: its status, progress and "
        "the report of the files done so far. Only the editor who started it (or a "
        "superuser) sees it; anyone else gets 404.",
        responses={
            200: ImportJobSerializer,
            403: OpenApiResponse(description="Not staff with the import permission."),
        },
        tags=["imports"],
    )
    def get(self, request, pk):
        jobs = ImportJob.objects.for_requester(request.user).with_files()
        job = jobs.filter(pk=pk).first()
        if job is None:
            raise NotFound("No import job of yours has that id.")
        response = Response(ImportJobSerializer(job, context={"request": request}).data)
        # Polled while it changes: never answered from a cache.
        patch_cache_control(response, private=True, no_store=True)
        return response
