"""What an import did: per file, and over a run of many files."""

from collections import Counter
from dataclasses import dataclass, field

from .records import ImportFileError

KINDS = ("issues", "articles", "authors", "books", "images")
ACTIONS = ("created", "updated", "unchanged", "deleted")


@dataclass
class FileReport:
    """What importing one file did, or would do on a dry run, or why it was refused."""

    path: str
    counts: Counter = field(default_factory=Counter)
    articles: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: ImportFileError | None = None

    def count(self, kind: str, action: str, n: int = 1) -> None:
        if n:
            self.counts[kind, action] += n

    @property
    def changed(self) -> bool:
        return any(action != "unchanged" for _kind, action in self.counts)

    def as_dict(self) -> dict:
        return {
            "file": self.path,
            "ok": self.error is None,
            "articles": self.articles,
            "warnings": self.warnings,
            "error": self.error.as_dict() if self.error else None,
        }


@dataclass
class ImportReport:
    """The report of a run over many files: per file, and in total."""

    dry_run: bool = False
    files: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[FileReport]:
        return [report for report in self.files if report.error]

    def totals(self) -> Counter:
        totals = Counter()
        for report in self.files:
            totals.update(report.counts)
        return totals

    def as_dict(self) -> dict:
        totals = self.totals()
        return {
            "dry_run": self.dry_run,
            "files": {
                "read": len(self.files),
                "imported": len(self.files) - len(self.failed),
                "failed": len(self.failed),
                "skipped": len(self.skipped),
            },
            "totals": {
                kind: {action: totals[kind, action] for action in ACTIONS} for kind in KINDS
            },
            "errors": [report.error.as_dict() for report in self.failed],
            "warnings": [warning for report in self.files for warning in report.warnings],
            "results": [report.as_dict() for report in self.files],
        }

    def summary(self) -> list[str]:
        """The final report as lines of text: files, then a table of records."""
        totals = self.totals()
        verb = "would be " if self.dry_run else ""
        lines = [
            f"Files: {len(self.files)} read, {len(self.files) - len(self.failed)} "
            f"{verb}imported, {len(self.failed)} failed, {len(self.skipped)} skipped",
            f"{'':10}" + "".join(f"{action:>11}" for action in ACTIONS),
        ]
        for kind in KINDS:
            lines.append(f"{kind:10}" + "".join(f"{totals[kind, a]:>11}" for a in ACTIONS))
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines
