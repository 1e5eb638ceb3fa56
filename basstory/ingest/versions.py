"""Dataset versions as the Data page and the `datasets` command show and manage them.

- Which version is the bundled sample: the one whose manifest says `"bundled": true` or, as every version ingested
  so far records only a name, whose name is `BUNDLED_NAME` ("Bundled sample", the name `ui.ensure_dataset` and
  `make sample` give it). It is never deleted, so the story always has a dataset to fall back on; an upload may not
  take that name.
- Finding a version by its id or a unique prefix of it (ids are 16 hex digits; 6 usually suffice).
- Switching and deleting under the rules the page and the CLI share (`VersionRefused` says why not).
- Rows for the page's tables: the versions, one version's source files, runs left out of scope per reason, and how a
  new version differs from the current one.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import duckdb

from basstory.core.schema import EXTRACTS, SCOPE_REASON_LABELS, SCOPE_REASONS, SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int
from basstory.ingest.store import DatasetStore, Version

BUNDLED_NAME = "Bundled sample"
#: The shortest id prefix accepted for a version.
MIN_PREFIX = 4

class VersionRefused(ValueError):
    """A switch or delete that the rules do not allow; the message says why and what to do instead."""


def is_bundled(version: Version) -> bool:
    """True for the bundled sample (see the module docstring)."""
    flag = version.manifest.get("bundled")
    return flag is True or (flag is None and version.manifest.get("name") == BUNDLED_NAME)


def find_version(store: DatasetStore, text: str) -> Version:
    """The version whose id is `text` or starts with it (at least MIN_PREFIX characters); KeyError otherwise, with
    a message naming what is there."""
    text = (text or "").strip().lower()
    if text and store.has(text):
        return store.get(text)
    versions = store.versions()
    matches = [v for v in versions if len(text) >= MIN_PREFIX and v.id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise KeyError(f"{text!r} matches several dataset versions ({', '.join(v.id for v in matches)}); give more "
                       f"of the id")
    known = ", ".join(f"{v.id} ({v.name})" for v in versions) or "none"
    raise KeyError(f"there is no dataset version {text!r}. Versions: {known}")


def delete_refusal(version: Version, current_id: str | None) -> str | None:
    """Why `version` may not be deleted, or None when it may."""
    if version.id == current_id:
        return (f"{version.id} ({version.name}) is the current dataset and cannot be deleted; switch to another "
                f"version first")
    if is_bundled(version):
        return f"{version.id} ({version.name}) is the bundled sample, which is always kept"
    return None


def switch_to(store: DatasetStore, version_id: str) -> Version:
    """Make a version current for every session (atomic; see DatasetStore.activate) and return it."""
    store.activate(version_id)
    return store.get(version_id)


def delete_version(store: DatasetStore, version_id: str) -> Version:
    """Delete a version that is neither current nor the bundled sample; return what was deleted."""
    version = store.get(version_id)
    current = store.current()
    reason = delete_refusal(version, current.id if current else None)
    if reason:
        raise VersionRefused(reason)
    try:
        store.delete(version_id)
    except ValueError as error:  # it became current after the check above: the store refuses under its lock
        raise VersionRefused(str(error)) from None
    return version


def name_skeleton(name: str) -> str:
    """What a name looks like, for telling look-alikes apart: Unicode compatibility forms folded (NFKC: a no-break
    or ideographic space is a space, a full-width letter a letter), invisible characters (zero-width spaces and
    joiners, soft hyphens, direction marks) dropped, runs of white space made one space, case ignored."""
    folded = " ".join(unicodedata.normalize("NFKC", name).split())      # a tab or no-break space is a space
    visible = "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co", "Cn"))
    return " ".join(visible.split()).casefold()


def check_upload_name(name: str) -> str | None:
    """Why an upload may not be called `name` (None when it may): the bundled sample's name, or anything that looks
    like it (`name_skeleton`: 'Bundled\u00a0sample' shows exactly as 'Bundled sample')."""
    if name_skeleton(name) == name_skeleton(BUNDLED_NAME):
        return f"{BUNDLED_NAME!r} is reserved for the sample the app ships with; choose another name"
    return None


# --- What the tables show -------------------------------------------------------------------------------------------

def short_time(iso: str | None) -> str:
    """'2026-11-22T12:22:13.783Z' -> '2026-11-22 12:22' (UTC); '' when missing."""
    return (iso or "")[:16].replace("T", " ")


def period_text(period: dict[str, Any] | None) -> str:
    """First to last run date, UTC: '2016-08-24 to 2019-02-28'; 'no runs' when there are none."""
    first, last = (period or {}).get("first_run_utc"), (period or {}).get("last_run_utc")
    if not first or not last:
        return "no runs"
    return f"{str(first)[:10]} to {str(last)[:10]}"


def source_files_text(version: Version) -> str:
    """The source file names in slot order, e.g. 'fullbas.csv, simplebas.csv, orgcard.csv'."""
    sources = version.manifest.get("sources", {})
    return ", ".join(str(sources.get(e.slot, {}).get("file", "?")) for e in EXTRACTS)


def version_rows(versions: list[Version], current_id: str | None) -> list[dict[str, Any]]:
    """One row per version for the versions table, in the order given."""
    rows = []
    for version in versions:
        m = version.manifest
        counts = m.get("rows", {})
        status = ["current"] if version.id == current_id else []
        if is_bundled(version):
            status.append("bundled")
        rows.append({
            "Status": ", ".join(status),
            "Name": version.name,
            "Version (content hash)": version.id,
            "Uploaded (UTC)": short_time(version.created_at),
            "Source files": source_files_text(version),
            "Full BAS runs": int(counts.get("full", 0)),
            "Simple BAS runs": int(counts.get("simple", 0)),
            "Orgs": int(counts.get("orgs", 0)),
            "Period (UTC)": period_text(m.get("period")),
        })
    return rows


def source_rows(version: Version) -> list[dict[str, Any]]:
    """One row per extract slot: the file it came from, its size, rows read/kept/rejected, its hash."""
    from basstory.core.text import fmt_bytes

    rows = []
    for extract in EXTRACTS:
        source = version.manifest.get("sources", {}).get(extract.slot, {})
        reused = source.get("reused_from")
        rows.append({
            "Extract": extract.slot,
            "File": source.get("file", ""),
            "Size": fmt_bytes(int(source.get("bytes") or 0)),
            "Rows read": int(source.get("rows_read") or 0),
            "Kept": int(source.get("rows_accepted") or 0),
            "Rejected": int(source.get("rows_rejected") or 0),
            "sha256": str(source.get("sha256", ""))[:16],
            "Origin": f"kept from version {reused}" if reused else "loaded with this version",
        })
    return rows


def scope_rows(report) -> list[dict[str, Any]]:
    """Runs per scope reason and system (a ValidationReport's scope_by_system), reasons with no runs left out
    except 'in scope'."""
    rows = []
    for reason in SCOPE_REASONS:
        counts = {SYSTEM_LABELS[s]: int(report.scope_by_system.get(s, {}).get(reason, 0)) for s in SYSTEMS}
        total = sum(counts.values())
        if total or reason == "in_scope":
            rows.append({"Runs": SCOPE_REASON_LABELS[reason], **counts, "Total": total})
    return rows


def _signed(n: int) -> str:
    return "no change" if n == 0 else f"{'+' if n > 0 else '−'}{fmt_int(abs(n))}"


def org_changes(new: Version, base: Version) -> dict[str, int]:
    """Organisations of `new` not in `base` ('added') and of `base` not in `new` ('gone'), by org key; and
    in-scope organisations of each."""
    con = duckdb.connect()
    try:
        added, gone, scope_new, scope_base = con.execute(
            """
            SELECT count(*) FILTER (WHERE b.org_key IS NULL),
                   count(*) FILTER (WHERE n.org_key IS NULL),
                   count(*) FILTER (WHERE n.in_scope),
                   count(*) FILTER (WHERE b.in_scope)
            FROM read_parquet(?) n FULL OUTER JOIN read_parquet(?) b ON n.org_key = b.org_key
            """, [str(new.orgs_path), str(base.orgs_path)]).fetchone()
    finally:
        con.close()
    return {"added": int(added), "gone": int(gone), "in_scope_new": int(scope_new), "in_scope_base": int(scope_base)}


def _in_scope_runs(version: Version) -> dict[str, int]:
    report_path = Path(version.report_path)
    if not report_path.is_file():
        return {}
    by_system = version.report().scope_by_system
    return {s: int(by_system.get(s, {}).get("in_scope", 0)) for s in SYSTEMS}


def compare_versions(new: Version, base: Version) -> list[dict[str, str]]:
    """How `new` differs from `base` (the current version): rows per system, runs in scope, organisations, period.

    One row per measure: {"Measure", "Current", "New", "Change"}, all text (the table mixes counts and dates).
    """
    rows: list[dict[str, str]] = []

    def count_row(measure: str, current: int, new_value: int) -> None:
        rows.append({"Measure": measure, "Current": fmt_int(current), "New": fmt_int(new_value),
                     "Change": _signed(new_value - current)})

    new_rows, base_rows = new.manifest.get("rows", {}), base.manifest.get("rows", {})
    new_scope, base_scope = _in_scope_runs(new), _in_scope_runs(base)
    for system in SYSTEMS:
        count_row(f"{SYSTEM_LABELS[system]} runs", int(base_rows.get(system, 0)), int(new_rows.get(system, 0)))
        if system in new_scope and system in base_scope:
            count_row(f"{SYSTEM_LABELS[system]} runs in scope", base_scope[system], new_scope[system])
    count_row("Organisations", int(base_rows.get("orgs", 0)), int(new_rows.get("orgs", 0)))
    orgs = org_changes(new, base)
    count_row("Organisations in scope (active, paying)", orgs["in_scope_base"], orgs["in_scope_new"])
    rows.append({"Measure": "Organisations new in this extract", "Current": "", "New": fmt_int(orgs["added"]),
                 "Change": ""})
    rows.append({"Measure": "Organisations no longer in it", "Current": "", "New": fmt_int(orgs["gone"]),
                 "Change": ""})
    for key, label in (("first_run_utc", "First run (UTC)"), ("last_run_utc", "Last run (UTC)")):
        before = str(base.manifest.get("period", {}).get(key) or "")[:10]
        after = str(new.manifest.get("period", {}).get(key) or "")[:10]
        rows.append({"Measure": label, "Current": before, "New": after,
                     "Change": "same" if before == after else "changed"})
    return rows
