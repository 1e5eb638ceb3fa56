"""Staging: raw text extracts -> typed, normalised rows, then the two staged tables of a dataset version.

Everything runs in DuckDB and streams through parquet files in a work folder, so an extract of any size is read once
and never held in memory (no pandas).

Per extract (`stage_extract`), one pass writes `<work>/<slot>_typed.parquet`: one row per data row the CSV reader
could split, with the typed columns, the row's `record_no` (1 = first data row) and one boolean per `Check`. Rows
that fail a *reject* check are left out of the staged tables and counted; a *blank* check only empties the value
(warning). Rows the reader could not split into the header's columns are kept aside by DuckDB's reject store and
reported the same way.

The staged tables (grain and columns in `basstory.schema`):
- orgs.parquet (`write_orgs`): one row per organisation (first orgcard row of each organisationid), ORGS_COLUMNS.
- runs.parquet (`write_runs`): one row per accepted report run of either system, sorted by run_utc, RUNS_COLUMNS.
  `org_key` is resolved here: Full BAS by `upper(orgid) = org_key`, Simple BAS by `shortcode` exactly; null when
  the org is not in orgcard. Runs of unknown or out-of-scope orgs are kept; `scope_counts` counts them by reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from basstory.extracts import (
    extract_suffix,
    file_columns,
    looks_like,
    match_columns,
    raw_read_sql,
    sample_text,
    sql_identifier,
    sql_literal,
)
from basstory.schema import ORGS_COLUMNS, RUNS_COLUMNS, SCOPE_REASONS, SYSTEMS, Extract
from basstory.validation import MAX_ROWS_LISTED, ValidationReport, empty_file_stats

#: Bump when the staged tables change meaning or shape: it is part of every version id, so old caches are not reused.
STAGING_FORMAT = "basstory-staging-1"

# Patterns the text must match before it is cast: DuckDB's casts alone are lenient (they accept '3.0' as an integer
# and drop a '+05' offset from a timestamp), and a value that is silently reinterpreted is worse than a rejected one.
_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(\.\d{1,7})?"
_WHOLE = r"\d+"


def _matches(expr: str, pattern: str) -> str:
    return f"coalesce(regexp_full_match({expr}, {sql_literal(pattern)}), false)"


def _timestamp(expr: str) -> str:
    """Text 'YYYY-MM-DD HH:MM:SS[.f]' (optional T, Z or +00) -> TIMESTAMP, NULL when malformed. 7 digits cut to 6."""
    # a zero UTC offset is what a timestamp-with-zone column of a parquet extract looks like as text
    cleaned = f"regexp_replace(replace(trim({expr}), 'T', ' '), '(Z|[+]00(:?00)?)$', '')"
    return (f"CASE WHEN {_matches(cleaned, _DATE + ' ' + _TIME)} "
            f"THEN TRY_CAST(regexp_replace({cleaned}, '(\\.\\d{{6}})\\d$', '\\1') AS TIMESTAMP) END")


def _whole_number(expr: str) -> str:
    return f"CASE WHEN {_matches(f'trim({expr})', _WHOLE)} THEN TRY_CAST(trim({expr}) AS INTEGER) END"


def _flag(expr: str) -> str:
    return f"CASE trim({expr}) WHEN '1' THEN true WHEN '0' THEN false END"


def _is_empty(expr: str) -> str:
    return f"({expr} IS NULL OR trim({expr}) = '')"


@dataclass(frozen=True)
class Check:
    """One rule on one raw column: `bad` is a SQL condition over the raw text columns (named as in schema.py).

    action 'reject' leaves the row out of the staged tables; 'blank' keeps the row with the value emptied.
    `problem` completes "<count> values ..." and `consequence` says what was done.
    """

    name: str
    column: str
    bad: str
    action: Literal["reject", "blank"]
    problem: str


@dataclass(frozen=True)
class SlotRecipe:
    """How one extract is typed: output column -> SQL over the raw text columns, and the checks."""

    typed: dict[str, str]
    checks: tuple[Check, ...]


_FULL_RUN_UTC = _timestamp("datestring || ' ' || timestring")
_SIMPLE_RUN_UTC = _timestamp("datetime")

RECIPES: dict[str, SlotRecipe] = {
    "fullbas": SlotRecipe(
        typed={
            "run_utc": _FULL_RUN_UTC,
            "user_key": "lower(trim(userid))",
            "org_ref": "lower(trim(orgid))",
            "runtime_s": "TRY_CAST(trim(runtime) AS DOUBLE)",
        },
        checks=(
            Check("bad_datestring", "datestring",
                  f"NOT ({_matches('trim(datestring)', _DATE)} AND TRY_CAST(trim(datestring) AS DATE) IS NOT NULL)",
                  "reject", "are not a date like 2016-10-11"),
            Check("bad_timestring", "timestring",
                  f"NOT ({_matches('trim(timestring)', _TIME + 'Z?')} "
                  f"AND TRY_CAST(left(rtrim(trim(timestring), 'Z'), 15) AS TIME) IS NOT NULL)",
                  "reject", "are not a UTC time like 23:55:52.2119Z"),
            Check("bad_userid", "userid", _is_empty("userid"), "reject", "are empty (no user)"),
            Check("bad_orgid", "orgid", _is_empty("orgid"), "reject", "are empty (no organisation)"),
            Check("bad_runtime", "runtime",
                  f"NOT {_is_empty('runtime')} AND NOT coalesce(isfinite(TRY_CAST(trim(runtime) AS DOUBLE)) "
                  f"AND TRY_CAST(trim(runtime) AS DOUBLE) >= 0, false)",
                  "reject", "are not a number of seconds like 4.396793"),
            Check("blank_runtime", "runtime", _is_empty("runtime"), "blank", "are empty"),
        ),
    ),
    "simplebas": SlotRecipe(
        typed={
            "run_utc": _SIMPLE_RUN_UTC,
            "user_key": "lower(trim(userid))",
            # shortcodes are case-sensitive identifiers: kept byte for byte
            "org_ref": "shortcode",
            "statement_year": _whole_number("statementyear"),
            "statement_month": _whole_number("statementmonth"),
        },
        checks=(
            Check("bad_datetime", "datetime", f"({_SIMPLE_RUN_UTC}) IS NULL", "reject",
                  "are not a UTC date and time like 2017-09-15 01:54:13"),
            Check("bad_userid", "userid", _is_empty("userid"), "reject", "are empty (no user)"),
            Check("bad_shortcode", "shortcode", _is_empty("shortcode"), "reject", "are empty (no organisation)"),
            Check("bad_statementyear", "statementyear",
                  f"NOT {_is_empty('statementyear')} AND "
                  f"NOT coalesce(({_whole_number('statementyear')}) BETWEEN 1900 AND 2999, false)",
                  "reject", "are not a year like 2017"),
            Check("bad_statementmonth", "statementmonth",
                  f"NOT {_is_empty('statementmonth')} AND "
                  f"NOT coalesce(({_whole_number('statementmonth')}) BETWEEN 1 AND 12, false)",
                  "reject", "are not a month number from 1 to 12"),
            Check("blank_statementyear", "statementyear", _is_empty("statementyear"), "blank", "are empty"),
            Check("blank_statementmonth", "statementmonth", _is_empty("statementmonth"), "blank", "are empty"),
        ),
    ),
    "orgcard": SlotRecipe(
        typed={
            "org_key": "upper(trim(organisationid))",
            "shortcode": f"CASE WHEN NOT {_is_empty('shortcode')} THEN shortcode END",
            "status": "trim(organisationstatus)",
            "paying": _flag("payingflag"),
            "plan": "productoption",
            # add-ons are appended as ' + Expenses', ' + Projects + Expenses', ...
            "plan_family": "trim(regexp_replace(productoption, '\\s*\\+.*$', ''))",
            "tax_period": ("CASE WHEN contains(salestaxperiod, 'Monthly') THEN 'Monthly' "
                           "WHEN contains(salestaxperiod, 'Quarterly') THEN 'Quarterly' "
                           "WHEN contains(salestaxperiod, 'Annual') THEN 'Annual' ELSE 'Other' END"),
            "channel_type": "channeltype",
            "sales_channel": "saleschannel",
            "managed_by_practice": _flag("managedbypracticeflag"),
            "staff_users": f"{_whole_number('nonpracticestaffusers')} + {_whole_number('practicestaffusers')}",
            "created_utc": _timestamp("createddateutc"),
        },
        # An org row is only dropped when it cannot be an org in scope terms (no id, unknown paying flag): dropping
        # it for a bad creation date would turn all its runs into 'org_unknown'.
        checks=(
            Check("bad_organisationid", "organisationid", _is_empty("organisationid"), "reject",
                  "are empty (no organisation id)"),
            Check("bad_payingflag", "payingflag", f"({_flag('payingflag')}) IS NULL", "reject", "are not 0 or 1"),
            Check("blank_shortcode", "shortcode", _is_empty("shortcode"), "blank", "are empty"),
            Check("blank_managedbypracticeflag", "managedbypracticeflag",
                  f"({_flag('managedbypracticeflag')}) IS NULL", "blank", "are not 0 or 1"),
            Check("blank_nonpracticestaffusers", "nonpracticestaffusers",
                  f"({_whole_number('nonpracticestaffusers')}) IS NULL", "blank", "are not a whole number"),
            Check("blank_practicestaffusers", "practicestaffusers",
                  f"({_whole_number('practicestaffusers')}) IS NULL", "blank", "are not a whole number"),
            Check("blank_createddateutc", "createddateutc", f"({_timestamp('createddateutc')}) IS NULL", "blank",
                  "are not a UTC timestamp like 2015-10-14 05:32:10.737"),
        ),
    ),
}

_REREAD_HINT = ("Check that it is the {slot} extract, saved as comma-separated UTF-8 (a double quote \" that "
                "is never closed also causes this), and export it again if it was cut short.")

_WHAT_A_ROW_IS = {"fullbas": "runs", "simplebas": "runs", "orgcard": "organisations"}


@dataclass
class StagedExtract:
    """One extract after its typing pass: `rows_view` names a DuckDB view of its accepted rows with `source_row`."""

    slot: str
    rows_view: str
    stats: dict = field(default_factory=dict)


def connect(work_dir: Path, memory_limit: str = "2GB") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for one ingest: bounded memory, spilling to `work_dir`, UTC session."""
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(work_dir / "duckdb_spill"),
                                 "preserve_insertion_order": True})
    con.execute("SET TimeZone = 'UTC'").fetchall()
    return con


def inspect_extract(con: duckdb.DuckDBPyConnection, extract: Extract, path: Path,
                    report: ValidationReport) -> dict[str, str] | None:
    """Check that `path` can be read as `extract`: present, not empty, UTF-8, with the required columns.

    Adds errors to `report` and returns None when the file is unusable; otherwise returns required column -> the
    column's name in the file. Records the columns found/missing/extra in `report.files[slot]`.
    """
    stats = report.files.setdefault(extract.slot, empty_file_stats(path.name))
    name = path.name
    if not path.is_file():
        report.add("error", name, f"the file {path} does not exist. Check the path and ingest again.")
        return None
    if path.stat().st_size == 0:
        report.add("error", name, f"the file is empty (0 bytes). Export the {extract.slot} extract again "
                                  f"with its header row and data.")
        return None
    if extract_suffix(path) != ".parquet":
        sample = sample_text(path)
        if sample.is_empty:
            report.add("error", name, f"the file holds no header or data, only blank space. Export the "
                                      f"{extract.slot} extract again.")
            return None
        if sample.problem:
            report.add("error", name, f"the file {sample.problem}")
            return None
    try:
        columns = file_columns(con, path)
    except duckdb.Error as exc:
        report.add("error", name, f"the file could not be read as {_format_name(path)} ({_first_line(exc)}). "
                                  f"{_REREAD_HINT.format(slot=extract.slot)}")
        return None
    mapping, missing, extra = match_columns(extract, columns)
    stats.update(columns_found=columns, columns_missing=missing, columns_extra=extra)
    if not missing:
        return mapping
    other = looks_like(columns, extract.slot)
    if other is not None:
        report.add("error", name, f"this file was given as the {extract.slot} extract but has the columns of the "
                                  f"{other.slot} extract ({other.filename}). Put it in the {other.slot} slot (name "
                                  f"it {other.filename}) and give the real {extract.filename}.")
    elif len(columns) == 1 and any(sep in columns[0] for sep in ";\t|"):
        report.add("error", name, f"the header is one column ({columns[0][:60]!r}...): the file is not "
                                  f"comma-separated. Save it as CSV with commas and ingest again.")
    else:
        report.add("error", name, f"required column(s) missing: {', '.join(missing)}. The file has: "
                                  f"{', '.join(columns)}. Export the {extract.slot} extract with all of "
                                  f"{', '.join(extract.required)} (any order; names are matched ignoring case).",
                   column=", ".join(missing))
    return None


def stage_extract(con: duckdb.DuckDBPyConnection, extract: Extract, path: Path, column_map: dict[str, str],
                  work_dir: Path, report: ValidationReport) -> StagedExtract | None:
    """Type one extract in a single pass (see module docstring); report rejected rows; None when nothing is usable.

    The view `<slot>_rows` it creates holds the accepted rows: the recipe's typed columns plus `source_row`.
    """
    recipe = RECIPES[extract.slot]
    typed_path = work_dir / f"{extract.slot}_typed.parquet"
    rejects_table = f"rejects_{extract.slot}"
    # parquet extracts may carry typed columns: as text they go through the same checks as CSV values
    raw_columns = ", ".join(f"CAST({sql_identifier(column_map[name])} AS VARCHAR) AS {name}"
                            for name in extract.required)
    typed_columns = ", ".join(f"{expr} AS {name}" for name, expr in recipe.typed.items())
    flags = ", ".join(f"coalesce({c.bad}, false) AS {c.name}" for c in recipe.checks)
    rejected = " OR ".join(c.name for c in recipe.checks if c.action == "reject") or "false"
    # row_number() OVER () is computed by DuckDB's streaming window in scan order (insertion order is preserved),
    # which is the order of the file.
    try:
        con.execute(f"""
            COPY (
                SELECT *, {rejected} AS rejected FROM (
                    SELECT record_no, {typed_columns}, {flags}
                    FROM (SELECT {raw_columns}, row_number() OVER () AS record_no
                          FROM {raw_read_sql(path, rejects_table)})
                )
            ) TO {sql_literal(str(typed_path))} (FORMAT parquet)
        """).fetchall()
    except duckdb.Error as exc:  # e.g. a gzip stream cut short, a corrupt parquet file
        report.add("error", path.name, f"the file could not be read to the end as {_format_name(path)} "
                                       f"({_first_line(exc)}). {_REREAD_HINT.format(slot=extract.slot)}")
        return None

    malformed = (_malformed_rows(con, rejects_table, extract.slot) if extract_suffix(path) != ".parquet"
                 else MalformedRows(0, [], [], 0, [], None))
    name = path.name
    stats = report.files[extract.slot]
    if malformed.undecodable:
        report.add("error", name, f"{malformed.undecodable:,} line(s) are not valid UTF-8 (the file is probably "
                                  f"Latin-1 / Windows-1252). Save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
                                  f"delimited)') and ingest it again.", rows=malformed.undecodable_lines,
                   count=malformed.undecodable)
        return None
    if malformed.count:
        report.add("warning", name, f"{malformed.count:,} row(s) could not be split into the header's "
                                    f"{len(extract.required) + len(stats['columns_extra'])} columns "
                                    f"({', '.join(malformed.kinds)}) and were left out. Check for unquoted commas "
                                    f"or quotes in those rows.", rows=malformed.first_lines, count=malformed.count)

    shifts_table = malformed.shifts_table
    counts = _check_counts(con, typed_path, recipe.checks)
    rows_typed = counts.pop("__rows__")[0]
    rows_rejected_by_checks = counts.pop("__rejected__")[0]
    thing = _WHAT_A_ROW_IS[extract.slot]
    for check in recipe.checks:
        count, record_nos = counts[check.name]
        if not count:
            continue
        if check.action == "reject":
            consequence = (f"those {thing} were left out. Correct the values in the file and ingest again to "
                           f"count them.")
        else:
            consequence = f"the {thing} were kept with this value empty."
        report.add("warning", name, f"{count:,} value(s) {check.problem}; {consequence}", column=check.column,
                   rows=_to_lines(con, record_nos, shifts_table), count=count)

    rows_read = rows_typed + malformed.count
    rows_accepted = rows_typed - rows_rejected_by_checks
    stats.update(rows_read=rows_read, rows_accepted=rows_accepted, rows_rejected=rows_read - rows_accepted)
    if rows_read == 0:
        report.add("error", name, f"the file has a header but no data rows. Export the {extract.slot} extract "
                                  f"again with its rows.")
        return None
    if rows_accepted == 0:
        report.add("error", name, f"none of the {rows_read:,} rows could be used (see the warnings above). Check that "
                                  f"this is the {extract.slot} extract in the documented format.")
        return None

    source_row = "t.record_no + 1"
    join = ""
    if shifts_table:
        source_row += " + coalesce(s.shift, 0)"
        join = f"ASOF LEFT JOIN {shifts_table} s ON t.record_no > s.accepted_before"
    view = f"{extract.slot}_rows"
    names = ", ".join(f"t.{n}" for n in recipe.typed)
    con.execute(f"""
        CREATE OR REPLACE VIEW {view} AS
        SELECT {names}, ({source_row})::BIGINT AS source_row
        FROM read_parquet({sql_literal(str(typed_path))}) t {join}
        WHERE NOT t.rejected
    """).fetchall()
    if "run_utc" in recipe.typed:
        first, last = con.execute(f"SELECT min(run_utc), max(run_utc) FROM {view}").fetchall()[0]
        stats.update(first_run_utc=_iso(first), last_run_utc=_iso(last))
    return StagedExtract(slot=extract.slot, rows_view=view, stats=stats)


def reuse_staged(con: duckdb.DuckDBPyConnection, slot: str, runs_path: Path, orgs_path: Path) -> StagedExtract:
    """A view `<slot>_rows` over a previous version's staged table, shaped like `stage_extract`'s view."""
    view = f"{slot}_rows"
    recipe = RECIPES[slot]
    if slot == "orgcard":
        # orgs.parquet keeps no line numbers; its rows are in orgcard order and already free of repeats
        con.execute(f"""CREATE OR REPLACE VIEW {view} AS
            SELECT * EXCLUDE (in_scope), (row_number() OVER () + 1)::BIGINT AS source_row
            FROM read_parquet({sql_literal(str(orgs_path))})""").fetchall()
    else:
        system = "full" if slot == "fullbas" else "simple"
        con.execute(f"""CREATE OR REPLACE VIEW {view} AS
            SELECT {', '.join(recipe.typed)}, source_row FROM read_parquet({sql_literal(str(runs_path))})
            WHERE system = {sql_literal(system)}""").fetchall()
    return StagedExtract(slot=slot, rows_view=view)


def write_orgs(con: duckdb.DuckDBPyConnection, orgs_view: str, out_path: Path, report: ValidationReport,
               file_name: str) -> int:
    """Write orgs.parquet: one row per organisation, ORGS_COLUMNS, in orgcard order. Returns the row count.

    Repeated organisationids (case-insensitively): the first row is kept, the others dropped (warning, counted as
    rejected). Repeated shortcodes (exactly): the first org keeps it, later orgs are kept with no shortcode, so
    Simple BAS runs with that code go to one org and the later orgs still get their Full BAS runs (warning).
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE orgs_ranked AS
        SELECT *, row_number() OVER (PARTITION BY org_key ORDER BY source_row) AS org_key_seen,
        FROM {orgs_view}
    """).fetchall()
    con.execute("""
        CREATE OR REPLACE TEMP TABLE orgs_kept AS
        SELECT * EXCLUDE (org_key_seen),
               CASE WHEN shortcode IS NULL THEN 1
                    ELSE row_number() OVER (PARTITION BY shortcode ORDER BY source_row) END AS shortcode_seen
        FROM orgs_ranked WHERE org_key_seen = 1
    """).fetchall()
    dropped, dropped_rows, example = con.execute(f"""
        SELECT count(*), min_by(r.source_row, r.source_row, {MAX_ROWS_LISTED}),
               min_by(r.org_key || ' on lines ' || k.source_row || ' and ' || r.source_row, r.source_row)
        FROM orgs_ranked r JOIN orgs_kept k USING (org_key) WHERE r.org_key_seen > 1
    """).fetchall()[0]
    if dropped:
        report.add("warning", file_name, f"{dropped:,} row(s) repeat an organisationid of an earlier row (ignoring "
                                         f"case), e.g. {example}; the first row of each organisation was kept and the "
                                         f"repeats left out. Remove the repeats from the extract if another row is "
                                         f"the right one.", column="organisationid", rows=dropped_rows, count=dropped)
        stats = report.files.get("orgcard")
        if stats and not stats.get("reused_from"):
            stats["rows_accepted"] -= dropped
            stats["rows_rejected"] += dropped
    repeated, repeated_rows, example = con.execute(f"""
        SELECT count(*), min_by(r.source_row, r.source_row, {MAX_ROWS_LISTED}),
               min_by(r.shortcode || ' on lines ' || k.source_row || ' and ' || r.source_row, r.source_row)
        FROM orgs_kept r JOIN orgs_kept k ON k.shortcode = r.shortcode AND k.shortcode_seen = 1
        WHERE r.shortcode_seen > 1
    """).fetchall()[0]
    if repeated:
        report.add("warning", file_name, f"{repeated:,} organisation(s) repeat the shortcode of an earlier row "
                                         f"(exactly, case-sensitively), e.g. {example}; Simple BAS runs with that "
                                         f"shortcode go to the first organisation, and the later ones were kept "
                                         f"without a shortcode. Fix the shortcodes in the extract if that is wrong.",
                   column="shortcode", rows=repeated_rows, count=repeated)
    select = ", ".join(
        "CASE WHEN shortcode_seen = 1 THEN shortcode END AS shortcode" if c == "shortcode"
        else "coalesce(status = 'Active', false) AND paying AS in_scope" if c == "in_scope"
        else c
        for c in ORGS_COLUMNS
    )
    con.execute(f"""
        COPY (SELECT {select} FROM orgs_kept ORDER BY source_row)
        TO {sql_literal(str(out_path))} (FORMAT parquet, COMPRESSION zstd)
    """).fetchall()
    return con.execute(f"SELECT count(*) FROM read_parquet({sql_literal(str(out_path))})").fetchall()[0][0]


def write_runs(con: duckdb.DuckDBPyConnection, full_view: str, simple_view: str, orgs_path: Path,
               out_path: Path) -> dict[str, int]:
    """Write runs.parquet: one row per accepted run of both systems, RUNS_COLUMNS, sorted by run_utc.

    Returns the row count per system.
    """
    orgs = f"read_parquet({sql_literal(str(orgs_path))})"
    query = f"""
        SELECT 'full' AS system, f.run_utc, f.user_key, f.org_ref, o.org_key, f.runtime_s,
               NULL::INTEGER AS statement_year, NULL::INTEGER AS statement_month, f.source_row
        FROM {full_view} f LEFT JOIN {orgs} o ON o.org_key = upper(f.org_ref)
        UNION ALL
        SELECT 'simple', s.run_utc, s.user_key, s.org_ref, o.org_key, NULL::DOUBLE,
               s.statement_year, s.statement_month, s.source_row
        FROM {simple_view} s LEFT JOIN {orgs} o ON o.shortcode = s.org_ref
    """
    con.execute(f"""
        COPY (SELECT {', '.join(RUNS_COLUMNS)} FROM ({query}) ORDER BY run_utc, system, source_row)
        TO {sql_literal(str(out_path))} (FORMAT parquet, COMPRESSION zstd)
    """).fetchall()
    rows = dict(con.execute(f"SELECT system, count(*) FROM read_parquet({sql_literal(str(out_path))}) GROUP BY 1")
                .fetchall())
    return {system: int(rows.get(system, 0)) for system in SYSTEMS}


def scope_counts(con: duckdb.DuckDBPyConnection, runs_path: Path,
                 orgs_path: Path) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Staged runs per scope reason (all of `SCOPE_REASONS`), overall and per system."""
    rows = con.execute(f"""
        SELECT r.system,
               CASE WHEN o.org_key IS NULL THEN 'org_unknown'
                    WHEN o.status = 'Deleted' THEN 'org_deleted'
                    WHEN o.status = 'Suspended' THEN 'org_suspended'
                    WHEN o.status IS DISTINCT FROM 'Active' THEN 'org_other_status'
                    WHEN NOT coalesce(o.paying, false) THEN 'org_not_paying'
                    ELSE 'in_scope' END AS reason,
               count(*)
        FROM read_parquet({sql_literal(str(runs_path))}) r
        LEFT JOIN read_parquet({sql_literal(str(orgs_path))}) o USING (org_key)
        GROUP BY ALL
    """).fetchall()
    overall = {reason: 0 for reason in SCOPE_REASONS}
    by_system = {system: {reason: 0 for reason in SCOPE_REASONS} for system in SYSTEMS}
    for system, reason, count in rows:
        overall[reason] += count
        by_system[system][reason] += count
    return overall, by_system


def run_period(con: duckdb.DuckDBPyConnection, runs_path: Path) -> dict[str, str | None]:
    """First and last run_utc of the staged runs (ISO, UTC)."""
    first, last = con.execute(
        f"SELECT min(run_utc), max(run_utc) FROM read_parquet({sql_literal(str(runs_path))})").fetchall()[0]
    return {"first_run_utc": _iso(first), "last_run_utc": _iso(last)}


# --- helpers ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MalformedRows:
    """What DuckDB's CSV reader set aside: rows it could not split (`count`, first lines, error kinds) and rows with
    bytes that are not UTF-8 (`undecodable`); `shifts_table` turns record numbers into line numbers (see
    `_to_lines`), None when nothing was set aside."""

    count: int
    first_lines: list[int]
    kinds: list[str]
    undecodable: int
    undecodable_lines: list[int]
    shifts_table: str | None


def _malformed_rows(con: duckdb.DuckDBPyConnection, rejects_table: str, slot: str) -> MalformedRows:
    """Summarise DuckDB's reject store for one read, in SQL (there may be millions of set-aside rows)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [rejects_table]).fetchall()
    if not exists[0][0]:
        return MalformedRows(0, [], [], 0, [], None)
    # one reject entry per problem: a line with two problems is still one row set aside
    con.execute(f"""CREATE OR REPLACE TEMP TABLE set_aside_{slot} AS
        SELECT line, bool_or(error_type = 'INVALID ENCODING') AS undecodable,
               string_agg(DISTINCT lower(error_type), ', ' ORDER BY lower(error_type)) AS kinds
        FROM {rejects_table} GROUP BY line""").fetchall()
    count, first_lines, undecodable, undecodable_lines = con.execute(f"""
        SELECT count(*), min_by(line, line, {MAX_ROWS_LISTED}),
               count(*) FILTER (WHERE undecodable), min_by(line, line, {MAX_ROWS_LISTED}) FILTER (WHERE undecodable)
        FROM set_aside_{slot}""").fetchall()[0]
    if not count:
        return MalformedRows(0, [], [], 0, [], None)
    kinds = sorted({k for (row_kinds,) in con.execute(f"SELECT DISTINCT kinds FROM set_aside_{slot}").fetchall()
                    for k in row_kinds.split(", ")})
    # The reader numbers only the rows it keeps, so a kept row's line is its record_no + 1 plus the number of
    # set-aside lines before it. Before the i-th set-aside line L_i (1-based), L_i - 1 - i kept rows come.
    shifts_table = f"line_shifts_{slot}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {shifts_table} AS
        SELECT line - 1 - row_number() OVER (ORDER BY line) AS accepted_before,
               row_number() OVER (ORDER BY line) AS shift
        FROM set_aside_{slot} ORDER BY line""").fetchall()
    return MalformedRows(int(count), [int(x) for x in first_lines], kinds, int(undecodable),
                         [int(x) for x in (undecodable_lines or [])], shifts_table)


def _to_lines(con: duckdb.DuckDBPyConnection, record_nos: list[int], shifts_table: str | None) -> list[int]:
    """Record numbers of kept rows -> line numbers (see `_malformed_rows`)."""
    if not shifts_table:
        return [record_no + 1 for record_no in record_nos]
    return [record_no + 1 + con.execute(f"SELECT count(*) FROM {shifts_table} WHERE accepted_before < ?",
                                        [record_no]).fetchall()[0][0] for record_no in record_nos]


def _check_counts(con: duckdb.DuckDBPyConnection, typed_path: Path,
                  checks: tuple[Check, ...]) -> dict[str, tuple[int, list[int]]]:
    """Per check: how many rows fail it and the first few record numbers; plus '__rows__' and '__rejected__'."""
    parts = ["count(*)", "count(*) FILTER (WHERE rejected)"]
    for check in checks:
        parts.append(f"count(*) FILTER (WHERE {check.name})")
        parts.append(f"min_by(record_no, record_no, {MAX_ROWS_LISTED}) FILTER (WHERE {check.name})")
    row = con.execute(f"SELECT {', '.join(parts)} FROM read_parquet({sql_literal(str(typed_path))})").fetchall()[0]
    result: dict[str, tuple[int, list[int]]] = {"__rows__": (int(row[0]), []), "__rejected__": (int(row[1]), [])}
    for i, check in enumerate(checks):
        count, record_nos = row[2 + 2 * i], row[3 + 2 * i]
        result[check.name] = (int(count), [int(r) for r in (record_nos or [])])
    return result


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _format_name(path: Path) -> str:
    return "parquet" if extract_suffix(path) == ".parquet" else "CSV"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]


__all__ = ["RECIPES", "STAGING_FORMAT", "StagedExtract", "connect", "inspect_extract",
           "reuse_staged", "run_period", "scope_counts", "stage_extract", "write_orgs", "write_runs"]
