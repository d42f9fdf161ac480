"""What editors send to create, replace or correct articles, publications, issues,
authors, books and images: the record's own fields, with related records given by slug.

Each is validated as the admin validates it, by the model's own ``full_clean()`` (field
rules, uniqueness, constraints and ``clean()``), after DRF has read the types: the same
rules and the same messages, and every one of them before anything is written. The
answer is the record's detail, exactly what a GET of it would answer.

Docstrings are for readers of the code; front ends read the ``description`` and
``help_text`` in the schema.
"""

import copy

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, validate_slug
from django.db import models, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.text import slugify
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from articles.forms import with_lf_line_ends
from articles.importing.records import IMAGE_EDITED_COLUMNS
from articles.models import Article, Author, Book, Image, Issue, Publication, Topic
from articles.validators import validate_image_file

from . import serializers as shapes
from .fields import ArchiveSlugRelatedField

SLUG_HELP = "Left out on create, made from the {source} with Django's `slugify`."


class TextBoxField(serializers.CharField):
    """A multi-line text with LF line ends, as the admin's text boxes store it
    (``articles.forms.EditorTextField``): the body's blocks and HTML are made from lines."""

    def to_internal_value(self, data):
        return with_lf_line_ends(super().to_internal_value(data))


def each_author_once(authors: list[Author]) -> list[Author]:
    """A byline or a book's credits, refused when it names an author twice."""
    repeated = sorted({author.slug for author in authors if authors.count(author) > 1})
    if repeated:
        raise serializers.ValidationError(f"Name each author once: {', '.join(repeated)}.")
    return authors


def checked_as_the_admin_checks(field: serializers.Field) -> serializers.Field:
    """``field`` with the admin form's rules and messages where DRF's own differ, for what
    DRF checks before ``full_clean()`` runs: blank text is "required", lengths and slugs
    are checked by Django's own validators, and a number or date that does not parse gets
    the form's message, as does a choice not offered; null, where an empty value is
    refused, is "required" too."""
    required = forms.Field.default_error_messages["required"]
    if not getattr(field, "allow_blank", False):
        # Where the admin would take an empty box, null is not "required" but refused.
        field.error_messages["null"] = required
    if isinstance(field, serializers.CharField):
        field.error_messages["blank"] = required
        field.validators = [the_admins_validator(field, check) for check in field.validators]
    if isinstance(field, serializers.ChoiceField):
        # DRF fills in ``{input}`` where Django's message has ``%(value)s``.
        refused = forms.ChoiceField.default_error_messages["invalid_choice"]
        field.error_messages["invalid_choice"] = refused % {"value": "{input}"}
    if isinstance(field, serializers.IntegerField):
        field.error_messages["invalid"] = forms.IntegerField.default_error_messages["invalid"]
    if isinstance(field, serializers.DateField):
        field.error_messages["invalid"] = forms.DateField.default_error_messages["invalid"]
    if isinstance(field, serializers.DateTimeField):
        field.error_messages["invalid"] = forms.DateTimeField.default_error_messages["invalid"]
    return field


def the_admins_validator(field: serializers.CharField, check):
    """Django's validator in place of DRF's for the same rule."""
    if isinstance(check, MaxLengthValidator):
        return MaxLengthValidator(check.limit_value)
    if isinstance(field, serializers.SlugField) and isinstance(check, RegexValidator):
        # DRF's pattern also lets a slug end in a newline; Django's does not.
        return validate_slug
    return check


class RecordWriteSerializer(serializers.ModelSerializer):
    """A record as an editor sends it, validated by the model's ``full_clean()``.

    DRF's own uniqueness validators are left out, so that a taken slug or issue number is
    refused with the admin's message. ``slug_source`` names the field a missing slug is
    made from on create; ``detail_serializer_class`` is the shape the answer takes.
    """

    detail_serializer_class = None
    slug_source = None

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, models.TextField):
            field_class = TextBoxField
        if isinstance(model_field, models.IntegerField):
            # The column's range on every database (SQLite would allow any 64-bit value
            # where PostgreSQL refuses it), so the schema is the same on both.
            low, high = BaseDatabaseOperations.integer_field_ranges[model_field.get_internal_type()]
            kwargs["min_value"] = max(kwargs.get("min_value", low), low)
            kwargs["max_value"] = min(kwargs.get("max_value", high), high)
        validators = [
            validator
            for validator in kwargs.get("validators", [])
            if not isinstance(validator, UniqueValidator)
        ]
        if validators:
            kwargs["validators"] = validators
        else:
            kwargs.pop("validators", None)
        return field_class, kwargs

    def get_fields(self):
        return {
            name: checked_as_the_admin_checks(field) for name, field in super().get_fields().items()
        }

    def get_validators(self):
        # Uniqueness across fields (an issue's number within its publication) is
        # full_clean()'s too.
        return []

    def validate(self, attrs):
        if self.instance is None and self.slug_source and not attrs.get("slug"):
            attrs["slug"] = self.default_slug(attrs)
        record = copy.copy(self.instance) if self.instance else self.Meta.model()
        model_fields = {field.name for field in record._meta.concrete_fields}
        for name, value in attrs.items():
            if name in model_fields:
                setattr(record, name, value)
        written = {name for name, field in self.fields.items() if not field.read_only}
        # A file the write leaves as it is was checked when it was uploaded; cleaning it
        # again would read it from storage to measure it, and fail if it is not there.
        kept_files = {
            field.name
            for field in record._meta.concrete_fields
            if isinstance(field, models.FileField) and field.name not in attrs
        }
        try:
            record.full_clean(exclude=sorted((model_fields - written) | kept_files))
        except DjangoValidationError as error:
            raise serializers.ValidationError(
                {
                    api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: errors
                    for name, errors in error.message_dict.items()
                }
            ) from None
        return attrs

    def default_slug(self, attrs) -> str:
        return slugify(attrs.get(self.slug_source, ""))

    def recorded_state(self, record) -> dict:
        """The written fields' values, to tell which fields a write changed."""
        return {
            name: getattr(record, field.source)
            for name, field in self.fields.items()
            if not field.read_only and field.source != "*"
        }

    def to_representation(self, instance):
        record = type(instance).objects.for_api_detail().get(pk=instance.pk)
        return self.detail_serializer_class(record, context=self.context).data


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct "
    "(PATCH) a publication. The answer is the publication's detail."
)
class PublicationWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.PublicationDetailSerializer
    slug_source = "name"

    class Meta:
        model = Publication
        fields = ("name", "slug")
        extra_kwargs = {"slug": {"required": False, "help_text": SLUG_HELP.format(source="name")}}


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct "
    "(PATCH) an issue; its publication is given by slug. The answer is the issue's detail."
)
class IssueWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.IssueDetailSerializer
    slug_source = "number"

    publication = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Publication.objects.all(),
        help_text="The publication's slug, e.g. `socialist-worker`.",
    )

    class Meta:
        model = Issue
        fields = ("publication", "number", "date", "slug")
        extra_kwargs = {
            "slug": {
                "required": False,
                "help_text": "Left out on create, made from the publication and number, as "
                "the importer makes it: `socialist-worker-2215`.",
            },
        }

    def default_slug(self, attrs) -> str:
        return Issue.default_slug(attrs.get("publication"), attrs.get("number"))


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct "
    "(PATCH) an author. The answer is the author's detail."
)
class AuthorWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.AuthorDetailSerializer
    slug_source = "name"

    class Meta:
        model = Author
        fields = ("name", "slug", "bio")
        extra_kwargs = {"slug": {"required": False, "help_text": SLUG_HELP.format(source="name")}}


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct "
    "(PATCH) a topic. The answer is the topic's detail."
)
class TopicWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.TopicDetailSerializer
    slug_source = "name"

    class Meta:
        model = Topic
        fields = ("name", "slug", "description")
        extra_kwargs = {"slug": {"required": False, "help_text": SLUG_HELP.format(source="name")}}

    def to_representation(self, instance):
        record = Topic.objects.with_article_count(self.context["request"].user).get(pk=instance.pk)
        return self.detail_serializer_class(record, context=self.context).data


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct "
    "(PATCH) a book; its authors are given by slug, in credit order. The answer is the "
    "book's detail."
)
class BookWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.BookDetailSerializer
    slug_source = "title"

    authors = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Author.objects.all(),
        many=True,
        required=False,
        help_text="Author slugs in credit order; left out, the credits stay as they are.",
    )

    class Meta:
        model = Book
        fields = ("title", "slug", "authors", "publisher", "year", "isbn", "series", "volume")
        extra_kwargs = {"slug": {"required": False, "help_text": SLUG_HELP.format(source="title")}}

    def validate_authors(self, authors):
        return each_author_once(authors)

    def recorded_state(self, record) -> dict:
        state = super().recorded_state(record)
        state["authors"] = list(record.credits.values_list("author__slug", flat=True))
        return state

    @transaction.atomic
    def create(self, validated_data):
        authors = validated_data.pop("authors", [])
        book = super().create(validated_data)
        book.set_authors(authors)
        return book

    @transaction.atomic
    def update(self, instance, validated_data):
        authors = validated_data.pop("authors", None)
        book = super().update(instance, validated_data)
        if authors is not None:
            book.set_authors(authors)
        return book


@extend_schema_field({"type": "string", "format": "binary", "nullable": True})
class ImageUploadField(serializers.ImageField):
    """An uploaded picture, checked as the admin checks it (``validate_image_file``: size,
    format, pixels) before Pillow decodes anything, so a refusal says why."""

    def to_internal_value(self, data):
        if hasattr(data, "size") and hasattr(data, "seek"):
            validate_image_file(data)
        return super().to_internal_value(data)


@extend_schema_serializer(
    description="What an editor sends to add a picture to an article (POST), replace (PUT) or "
    "correct (PATCH) one: as multipart form data with the picture's `file`, or as JSON "
    "without one (the archive often has only the caption). The answer is the image's detail."
)
class ImageWriteSerializer(RecordWriteSerializer):
    detail_serializer_class = shapes.ImageDetailSerializer

    article = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Article.objects.all(),
        help_text="The article's slug. An image stays with the article it was added to.",
    )
    file = ImageUploadField(
        required=False,
        allow_null=True,
        help_text=Image._meta.get_field("file").help_text + " Null removes the file.",
    )

    class Meta:
        model = Image
        fields = ("article", "position", *IMAGE_EDITED_COLUMNS)

    def validate_article(self, article):
        if self.instance is not None and article.pk != self.instance.article_id:
            raise serializers.ValidationError(
                "An image stays with its article: add it to the other article instead."
            )
        return article

    def validate_file(self, file):
        # No file is stored as an empty name, as the admin's "Clear" stores it.
        return file or ""


@extend_schema_serializer(
    description="A reading-list entry as an editor sends it: its text exactly as printed, and "
    "the books it names by slug."
)
class ReadingListEntryWriteSerializer(serializers.Serializer):
    text = TextBoxField(
        trim_whitespace=False, help_text="The entry exactly as the reading list prints it."
    )
    books = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Book.objects.all(),
        many=True,
        required=False,
        help_text="Slugs of the books the entry names, in order (a three-volume biography "
        "names three).",
    )

    def validate_books(self, books):
        repeated = sorted({book.slug for book in books if books.count(book) > 1})
        if repeated:
            raise serializers.ValidationError(f"Name each book once: {', '.join(repeated)}.")
        return books


@extend_schema_serializer(description="A group of reading-list entries under its heading.")
class ReadingListGroupWriteSerializer(serializers.Serializer):
    heading = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text="E.g. “On Trotsky’s life try:”; may be empty.",
    )
    entries = ReadingListEntryWriteSerializer(many=True, required=False)


@extend_schema_serializer(
    description="The further reading printed after the article, as an editor sends it: it "
    "replaces the whole list. `note` is the same as the article's `reading_list_note`."
)
class ReadingListWriteSerializer(serializers.Serializer):
    groups = ReadingListGroupWriteSerializer(many=True, help_text="In order; [] empties the list.")
    note = TextBoxField(
        allow_blank=True,
        required=False,
        trim_whitespace=False,
        help_text="The note closing the list; left out, it stays as it is.",
    )


@extend_schema_serializer(
    description="What an editor sends, as JSON, to create (POST), replace (PUT) or correct (PATCH) "
    "an article with its byline, topics and reading list; the issue, the authors, the topics "
    "and the books are given by slug. A published article needs `published_at`. Its images "
    "are written through `/api/v1/images/` (with their files). The answer is the article's "
    "detail."
)
class ArticleWriteSerializer(RecordWriteSerializer):
    """An editor's article, validated and saved with its byline (``set_authors()``), topics
    and reading list (``set_reading_list()``) in one transaction: together or not at all.

    The answer is read back with ``for_api_detail()`` and given in the detail shape, so a
    write answers exactly what a GET of the article would.
    """

    detail_serializer_class = shapes.ArticleDetailSerializer

    issue = ArchiveSlugRelatedField(slug_field="slug", queryset=Issue.objects.all())
    authors = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Author.objects.all(),
        many=True,
        required=False,
        help_text="Author slugs in byline order.",
    )
    topics = ArchiveSlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.all(),
        many=True,
        required=False,
        help_text="Topic slugs, each once; left out, the topics stay as they are. Only "
        "existing topics: `/api/v1/topics/` makes new ones.",
    )
    reading_list = ReadingListWriteSerializer(
        required=False,
        help_text="The whole reading list, replacing the one the article has; left out, it "
        "stays as it is.",
    )

    class Meta:
        model = Article
        fields = (
            "issue",
            "headline",
            "slug",
            "standfirst",
            "body",
            "published_at",
            "status",
            "authors",
            "topics",
            "reading_list",
            "reading_list_note",
            "source",
        )

    def validate(self, attrs):
        note = attrs.get("reading_list", {}).get("note")
        if note is not None:
            if attrs.get("reading_list_note", note) != note:
                raise serializers.ValidationError(
                    {"reading_list_note": ["Send the note once: as this or as reading_list.note."]}
                )
            attrs["reading_list_note"] = note
        return super().validate(attrs)

    def validate_authors(self, authors):
        return each_author_once(authors)

    def validate_topics(self, topics):
        repeated = sorted({topic.slug for topic in topics if topics.count(topic) > 1})
        if repeated:
            raise serializers.ValidationError(f"Name each topic once: {', '.join(repeated)}.")
        return topics

    @transaction.atomic
    def create(self, validated_data):
        authors = validated_data.pop("authors", [])
        topics = validated_data.pop("topics", [])
        reading_list = validated_data.pop("reading_list", {"groups": []})
        article = super().create(validated_data)
        article.set_authors(authors)
        article.topics.set(topics)
        article.set_reading_list(reading_list["groups"])
        return article

    @transaction.atomic
    def update(self, instance, validated_data):
        authors = validated_data.pop("authors", None)
        topics = validated_data.pop("topics", None)
        reading_list = validated_data.pop("reading_list", None)
        article = super().update(instance, validated_data)
        if authors is not None:
            article.set_authors(authors)
        if topics is not None:
            article.topics.set(topics)
        if reading_list is not None:
            article.set_reading_list(reading_list["groups"])
        return article
