"""A publication's coverage page: issues and articles per year as a chart and a table,
and the issue numbers the archive lacks, each gap with links to fill it — the
archivists' to-do list. The figures are ``Publication.coverage``'s, as the API's
``coverage`` route answers them for the same reader.

The chart is SVG written by the template from geometry worked out here: no script and
no inline style, so the Content-Security-Policy holds; colours come from classes in
``coverage.css`` and from presentation attributes.
"""

import math
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ..readers import reads_drafts

# The chart's drawing, in SVG user units: it scales to the page's width.
WIDTH, LEFT, RIGHT = 760, 56, 8
PANEL_HEIGHT, PANEL_GAP, TOP, BOTTOM = 110, 44, 24, 28
# At most this many year labels under the bars, so that they never overlap.
YEAR_LABELS = 16


@dataclass(frozen=True)
class Bar:
    year: int
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Panel:
    """One measure's bars (issues, or articles), over the same years as the other's."""

    label: str
    top: float
    baseline: float
    peak: int
    bars: list[Bar]


def chart(years, measures) -> dict | None:
    """The chart's geometry: a panel per ``(label, attribute)`` of ``measures``, one bar
    per year of ``years`` (``Coverage.dated_years``), and the years labelled below."""
    if not years:
        return None
    band = (WIDTH - LEFT - RIGHT) / len(years)
    step = math.ceil(len(years) / YEAR_LABELS)
    panels = []
    for index, (label, attribute) in enumerate(measures):
        top = TOP + index * (PANEL_HEIGHT + PANEL_GAP)
        baseline = top + PANEL_HEIGHT
        peak = max(getattr(year, attribute) for year in years)
        bars = []
        for position, year in enumerate(years):
            value = getattr(year, attribute)
            height = round(PANEL_HEIGHT * value / peak, 1) if peak else 0
            x = round(LEFT + position * band + band * 0.1, 1)
            bars.append(Bar(year.year, value, x, baseline - height, round(band * 0.8, 1), height))
        panels.append(Panel(label, top, baseline, peak, bars))
    height = panels[-1].baseline + BOTTOM
    labels = [
        (round(LEFT + position * band + band / 2, 1), year.year)
        for position, year in enumerate(years)
        if position % step == 0
    ]
    return {
        "width": WIDTH,
        "height": height,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "panels": panels,
        "year_labels": labels,
        "year_label_y": height - 8,
    }


class PublicationCoverageAdminMixin:
    """The coverage page of a publication, for whoever may view it, linked from its change
    page's tools and from a column of the publication list."""

    coverage_template = "admin/articles/publication/coverage.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.coverage_view)
        return [
            path("<path:object_id>/coverage/", view, name="articles_publication_coverage"),
            *super().get_urls(),
        ]

    @admin.display(description="coverage")
    def coverage_column(self, obj):
        url = reverse("admin:articles_publication_coverage", args=[obj.pk])
        return format_html('<a href="{}">Issues held and missing</a>', url)

    def render_change_form(self, request, context, *args, **kwargs):
        obj = kwargs.get("obj")
        if obj is not None:
            context["coverage_url"] = reverse("admin:articles_publication_coverage", args=[obj.pk])
        return super().render_change_form(request, context, *args, **kwargs)

    def coverage_view(self, request, object_id):
        publication = self.get_object(request, unquote(object_id))
        if publication is None:
            raise Http404("No such publication.")
        if not self.has_view_permission(request, publication):
            raise PermissionDenied
        coverage = publication.coverage(request.user)
        issues = reverse("admin:articles_issue_changelist")
        add_issue = reverse("admin:articles_issue_add")
        gaps = [
            {
                "first": first,
                "last": last,
                "count": last - first + 1,
                # The held issues on either side of the gap, and the gap's first issue to add.
                "neighbours": f"{issues}?publication__id__exact={publication.pk}"
                f"&number__gte={first - 1}&number__lte={last + 1}",
                "add": f"{add_issue}?publication={publication.pk}&number={first}",
            }
            for first, last in coverage.missing
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": publication,
            "title": f"Coverage: {publication}",
            "coverage": coverage,
            "years": coverage.dated_years,
            "gaps": gaps,
            "chart": chart(coverage.dated_years, [("Issues", "issues"), ("Articles", "articles")]),
            "counts_drafts": reads_drafts(request.user),
        }
        return TemplateResponse(request, self.coverage_template, context)
