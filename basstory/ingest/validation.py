"""The validation report of one ingest: what was wrong with the extracts, and what was done about it.

A `Finding` is one problem: an *error* makes a file unusable (nothing is written, `IngestError` is raised), a
*warning* means some rows were left out or some values emptied while the rest of the file was used. Every message
says what is wrong and what to do about it, and names the file, the column and the first few line numbers
(the header is line 1; see `basstory.ingest.extracts` for how lines are counted).

The report also carries, per extract slot, what was read and kept, and the scope counts of the staged runs: how many
runs fall under each of `schema.SCOPE_REASONS`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from basstory.core.schema import SCOPE_REASON_LABELS, SCOPE_REASONS, SYSTEM_LABELS

Severity = Literal["error", "warning"]

#: How many line numbers a finding lists; the count says how many there were in all.
MAX_ROWS_LISTED = 5


@dataclass
class Finding:
    """One problem in one file (and column, when it is about a column)."""

    severity: Severity
    file: str
    column: str | None
    rows: list[int]
    count: int
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.column:
            where += f", column {self.column}"
        if self.rows:
            where += f", {_lines_phrase(self.rows, self.count)}"
        return f"{self.severity.upper()} {where}: {self.message}"


def _lines_phrase(rows: list[int], count: int) -> str:
    listed = ", ".join(str(r) for r in rows)
    word = "line" if len(rows) == 1 else "lines"
    more = f" and {count - len(rows):,} more" if count > len(rows) else ""
    return f"{word} {listed}{more}"


def empty_file_stats(file: str) -> dict[str, Any]:
    """The per-file stats of a file that has not been read (yet)."""
    return {
        "file": file, "columns_found": [], "columns_missing": [], "columns_extra": [],
        "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0, "first_run_utc": None, "last_run_utc": None,
    }


@dataclass
class ValidationReport:
    """Everything an ingest found out about its inputs.

    - `findings`: the problems, errors first once `sorted_findings` is used.
    - `files`: per slot, `{"file", "columns_found", "columns_missing", "columns_extra", "rows_read",
      "rows_accepted", "rows_rejected", "first_run_utc", "last_run_utc"}` (ISO strings, UTC; None for orgcard);
      `"reused_from"` names the version a slot was taken from when no file was given for it.
    - `scope`: staged runs per scope reason (every reason of `schema.SCOPE_REASONS`, zero when none);
      `scope_by_system`: the same per system ('full', 'simple').
    """

    findings: list[Finding] = field(default_factory=list)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    scope: dict[str, int] = field(default_factory=dict)
    scope_by_system: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def add(self, severity: Severity, file: str, message: str, *, column: str | None = None,
            rows: list[int] | None = None, count: int = 0) -> Finding:
        """Record a finding and return it."""
        finding = Finding(severity=severity, file=file, column=column, rows=list(rows or [])[:MAX_ROWS_LISTED],
                          count=count, message=message)
        self.findings.append(finding)
        return finding

    def summary_lines(self) -> list[str]:
        """Human-readable lines: one per file read, then the scope counts, then each finding (errors first)."""
        lines: list[str] = []
        for slot, stats in self.files.items():
            if stats.get("reused_from"):
                lines.append(f"{slot}: {stats['file']} reused from version {stats['reused_from']} "
                             f"({stats['rows_accepted']:,} rows)")
                continue
            line = (f"{slot}: {stats['file']}: {stats['rows_read']:,} rows read, "
                    f"{stats['rows_accepted']:,} kept, {stats['rows_rejected']:,} rejected")
            if stats.get("first_run_utc"):
                line += f"; runs from {stats['first_run_utc']} to {stats['last_run_utc']} UTC"
            if stats.get("columns_extra"):
                line += f"; extra columns ignored: {', '.join(stats['columns_extra'])}"
            lines.append(line)
        if self.scope:
            total = sum(self.scope.values())
            parts = [f"{SCOPE_REASON_LABELS[r]} {self.scope.get(r, 0):,}" for r in SCOPE_REASONS
                     if self.scope.get(r, 0) or r == "in_scope"]
            lines.append(f"runs: {total:,} staged; " + ", ".join(parts))
            for system, counts in self.scope_by_system.items():
                left_out = sum(n for r, n in counts.items() if r != "in_scope")
                lines.append(f"  {SYSTEM_LABELS.get(system, system)}: {counts.get('in_scope', 0):,} in scope, "
                             f"{left_out:,} left out")
        lines.extend(str(f) for f in self.sorted_findings())
        if not self.findings:
            lines.append("no problems found")
        return lines

    def sorted_findings(self) -> list[Finding]:
        """Errors before warnings, otherwise in the order found."""
        return sorted(self.findings, key=lambda f: f.severity != "error")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the content of a version's report.json)."""
        return {
            "ok": self.ok,
            "findings": [asdict(f) for f in self.findings],
            "files": self.files,
            "scope": self.scope,
            "scope_by_system": self.scope_by_system,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ValidationReport:
        """The inverse of `to_dict` (reads a stored report.json)."""
        return cls(
            findings=[Finding(**f) for f in data.get("findings", [])],
            files=dict(data.get("files", {})),
            scope=dict(data.get("scope", {})),
            scope_by_system={k: dict(v) for k, v in data.get("scope_by_system", {}).items()},
        )


class IngestError(Exception):
    """Raised when the extracts cannot be used; `report` holds every finding, its str() the errors."""

    def __init__(self, report: ValidationReport):
        self.report = report
        errors = report.errors or report.findings
        super().__init__("the extracts could not be ingested:\n" + "\n".join(f"  {e}" for e in errors))
