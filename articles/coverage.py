"""Which issues of a publication the archive holds and which it lacks: the API's coverage
answer and the admin's coverage page, the archivists' to-do list.

Issue numbers are read as runs: the held numbers, sorted, become runs of consecutive
numbers, and the missing numbers are the spaces between those runs within the window
asked about. Both are built by one walk over the held numbers, so the work and the
answer grow with the issues held, never with the width of the window (a window of two
billion numbers around a dozen issues is a dozen steps).
"""

from collections.abc import Iterable
from dataclasses import dataclass

Run = tuple[int, int]


def runs(numbers: Iterable[int]) -> list[Run]:
    """Sorted, distinct numbers as runs of consecutive ones, each ``(first, last)``:
    1, 2, 3, 5 → (1, 3), (5, 5)."""
    found: list[list[int]] = []
    for number in numbers:
        if found and number == found[-1][1] + 1:
            found[-1][1] = number
        else:
            found.append([number, number])
    return [(first, last) for first, last in found]


def gaps(held: list[Run], low: int, high: int) -> list[Run]:
    """The numbers from ``low`` to ``high`` (inclusive) that no run of ``held`` covers,
    as runs; ``held`` lies within the window, in order."""
    missing, expected = [], low
    for first, last in held:
        if first > expected:
            missing.append((expected, first - 1))
        expected = last + 1
    if expected <= high:
        missing.append((expected, high))
    return missing


@dataclass(frozen=True)
class YearCount:
    """Issues and articles of one year; ``year`` None is the undated: issues with neither
    a cover date nor a published article, articles with no publication time (drafts)."""

    year: int | None
    issues: int
    articles: int


@dataclass(frozen=True)
class Coverage:
    """A publication's issues within a window of numbers, as one reader may see them."""

    present: list[Run]
    missing: list[Run]
    years: list[YearCount]

    @property
    def issues(self) -> int:
        return sum(last - first + 1 for first, last in self.present)

    @property
    def missing_issues(self) -> int:
        return sum(last - first + 1 for first, last in self.missing)

    @property
    def first(self) -> int | None:
        return self.present[0][0] if self.present else None

    @property
    def last(self) -> int | None:
        return self.present[-1][1] if self.present else None

    @property
    def dated_years(self) -> list[YearCount]:
        """Every year from the first dated one to the last, those with nothing included,
        so that a year the archive lacks shows as a gap; the undated are left out."""
        dated = {count.year: count for count in self.years if count.year is not None}
        if not dated:
            return []
        return [
            dated.get(year, YearCount(year, 0, 0)) for year in range(min(dated), max(dated) + 1)
        ]

    @property
    def undated(self) -> YearCount | None:
        return next((count for count in self.years if count.year is None), None)


def tally(issue_years: Iterable[int | None], article_years: dict[int | None, int]) -> list:
    """Per-year counts from each held issue's year and the articles counted by year, in
    year order, the undated last."""
    issues: dict[int | None, int] = {}
    for year in issue_years:
        issues[year] = issues.get(year, 0) + 1
    years = set(issues) | set(article_years)
    return [
        YearCount(year, issues.get(year, 0), article_years.get(year, 0))
        for year in sorted(years, key=lambda year: (year is None, year or 0))
    ]
