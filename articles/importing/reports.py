"""What an import did: per file, and over a run of many files."""

from collections import Counter
from collections.abc import Iterable
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
    # Whether the source's own record of this report (``runner.KeptSource``) holds it.
    recorded: bool = False

    def count(self, kind: str, action: str, n: int = 1) -> None:
        if n:
            self.counts[kind, action] += n

    @classmethod
    def from_dict(cls, result: dict, counts: Iterable[tuple[str, str, int]]) -> "FileReport":
        """A report as ``as_dict`` gave it, with its counts as (kind, action, n)."""
        error = result["error"]
        return cls(
            path=result["file"],
            counts=Counter({(kind, action): n for kind, action, n in counts}),
            articles=result["articles"],
            warnings=result["warnings"],
            error=ImportFileError(error["file"], error["line"], error["reason"]) if error else None,
            recorded=True,
        )

    def counts_list(self) -> list[tuple[str, str, int]]:
        return [(kind, action, n) for (kind, action), n in self.counts.items()]

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
    """The report of a run over many files: in total, and per file when ``keep_files``.

    The API and the admin show each file's result; a command importing a whole archive
    keeps only the totals and the failures, so that its memory does not grow with the
    archive (a result per article, however many the archive holds).
    """

    dry_run: bool = False
    keep_files: bool = True
    skipped: list[str] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)
    failed: list[FileReport] = field(default_factory=list)
    read: int = 0
    totals: Counter = field(default_factory=Counter)

    def add_all(self, reports: Iterable[FileReport]) -> "ImportReport":
        for report in reports:
            self.add(report)
        return self

    def add(self, report: FileReport) -> None:
        self.read += 1
        self.totals.update(report.counts)
        if report.error:
            self.failed.append(report)
        if self.keep_files:
            self.files.append(report)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "files": {
                "read": self.read,
                "imported": self.read - len(self.failed),
                "failed": len(self.failed),
                "skipped": len(self.skipped),
            },
            "totals": {
                kind: {action: self.totals[kind, action] for action in ACTIONS} for kind in KINDS
            },
            "errors": [report.error.as_dict() for report in self.failed],
            "warnings": [warning for report in self.files for warning in report.warnings],
            "results": [report.as_dict() for report in self.files],
        }

    def summary(self) -> list[str]:
        """The final report as lines of text: files, then a table of records."""
        verb = "would be " if self.dry_run else ""
        lines = [
            f"Files: {self.read} read, {self.read - len(self.failed)} "
            f"{verb}imported, {len(self.failed)} failed, {len(self.skipped)} skipped",
            f"{'':10}" + "".join(f"{action:>11}" for action in ACTIONS),
        ]
        for kind in KINDS:
            lines.append(f"{kind:10}" + "".join(f"{self.totals[kind, a]:>11}" for a in ACTIONS))
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        return lines
