"""``POST /api/v1/imports/``: editors load archive files over HTTP.

The same importer as ``manage.py import_archive`` and the admin's import page: each
uploaded file imports in its own transaction, and a bad file is refused with its name,
line and reason while the database keeps what it had.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from articles.importing.reports import ACTIONS, KINDS, ImportReport
from articles.importing.runner import Upload, import_files
from articles.publishing import may_import, may_publish

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

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
            if upload.size > MAX_UPLOAD_BYTES:
                raise serializers.ValidationError(
                    f"{upload.name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
                )
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


class ImportView(APIView):
    permission_classes = [CanImportArchive]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="imports_create",
        summary="Import archive files",
        description="Upload scraped article pages or interchange documents (multipart, "
        "field `file`, repeatable). Each file imports all-or-nothing; importing a file "
        "again changes nothing. For staff with the import permission; without the publish "
        "permission a file may hold drafts only, and one with a published article (or a "
        "draft that would unpublish one) is refused, its `errors` saying so.",
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                {"oneOf": [{"$ref": "#/components/schemas/ImportReport"}, UPLOAD_ERRORS]},
                description="A file was refused: `errors` names its file, line and reason; "
                "nothing of that file was written. A malformed request (no file, a field "
                "that is not a file) answers with each field's errors instead.",
            ),
            401: OpenApiResponse(description="Not authenticated."),
            403: OpenApiResponse(description="Not staff with the import permission."),
        },
        tags=["imports"],
    )
    def post(self, request):
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        dry_run = form.validated_data["dry_run"]
        reports = import_files(
            [Upload(upload.name, upload.read()) for upload in form.validated_data["file"]],
            dry_run=dry_run,
            publication=form.validated_data["publication"],
            may_publish=may_publish(request.user),
            user=request.user,
        )
        report = ImportReport(dry_run=dry_run).add_all(reports)
        return Response(
            report.as_dict(),
            status=status.HTTP_400_BAD_REQUEST if report.failed else status.HTTP_200_OK,
        )
