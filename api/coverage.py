"""The shapes of ``publications/{slug}/coverage/``: which issues of a publication the
archive holds and lacks, within a window of issue numbers."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .filter_fields import INTEGER_MAX


class CoverageWindow(serializers.Serializer):
    """The window of issue numbers a publication's coverage reads: each bound an issue
    number, as the issue list's ``number_min`` and ``number_max`` take them, the pair in
    order. An empty value (``?number_min=``) is no bound, as for every filter."""

    number_min = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=INTEGER_MAX,
        help_text="The first issue number to account for. Without it: the first issue the "
        "archive holds (within `number_max`).",
    )
    number_max = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=INTEGER_MAX,
        help_text="The last issue number to account for, at least `number_min`. Without it: "
        "the last issue the archive holds (from `number_min` on).",
    )

    def validate(self, attrs):
        low, high = attrs.get("number_min"), attrs.get("number_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError(
                {"number_max": [f"Must be at least number_min ({low})."]}
            )
        return attrs


@extend_schema_serializer(
    description="Issues and articles of one year: the year by the issue's cover date, or "
    "when the cover date is lost, by the day its first article went online; an article's "
    "by the day it went online. `year` null counts the undated: issues with neither, and "
    "for editors articles with no publication time yet."
)
class CoverageYearSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True, help_text="The year; null: undated.")
    issues = serializers.IntegerField(help_text="Issues of that year the archive holds.")
    articles = serializers.IntegerField(help_text="Articles that went online that year.")


def number_runs(help_text):
    """A list of runs of issue numbers, each ``[first, last]``."""
    run = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    return serializers.ListField(child=run, help_text=help_text)


@extend_schema_serializer(
    description="Which issue numbers of a publication the archive holds and which it lacks, "
    "from `number_min` to `number_max` (by default its first to its last issue held), each "
    "as runs of consecutive numbers `[first, last]`, in order: `[[2210, 2214]]` is five "
    "issues, `[[2215, 2215]]` one. An issue that holds only unpublished articles counts as "
    "missing, except for editors."
)
class CoverageSerializer(serializers.Serializer):
    present = number_runs("The issue numbers held, as `[first, last]` runs.")
    missing = number_runs(
        "The issue numbers lacking between the window's ends, as `[first, last]` runs: the "
        "archive's to-do list."
    )
    issues = serializers.IntegerField(help_text="How many issues are held in the window.")
    missing_issues = serializers.IntegerField(help_text="How many issue numbers are missing.")
    first = serializers.IntegerField(
        allow_null=True, help_text="The first issue number held in the window; null: none."
    )
    last = serializers.IntegerField(
        allow_null=True, help_text="The last issue number held in the window; null: none."
    )
    years = CoverageYearSerializer(
        many=True,
        help_text="Issues and articles per year, in order, the undated (`year` null) last; "
        "only years with an issue or an article are listed.",
    )
