"""Staging: raw text extracts -> typed, normalised rows, then the two staged tables of a dataset version.

Everything runs in DuckDB (no pandas), in parallel, and never holds an extract in Python memory; DuckDB spills to
the ingest's work folder when it outgrows its memory limit.

Per extract (`stage_extract`), one pass over the file writes `<work>/<slot>_typed.parquet`: one row per data row the
CSV reader could split, in file order, with the typed columns, one boolean per `Check` and the number of line breaks
its quoted fields hold. The view `<slot>_typed` reads it back with `record_no` (1 = first data row), the row's place
in the parquet file, which keeps the reader's order; `LineMap` turns record numbers into the file's line numbers.
Rows that fail a *reject* check are left out of the staged tables and counted; a *blank* check only empties the
value and a *warn* check keeps it (both warnings). Rows the reader could not split into the header's columns are
kept aside by DuckDB's reject store and reported the same way. Repeated runs are reported and kept
(`_report_repeated_runs`).

Speed (measured at ten times the real extracts, 3.2M rows): the usual well-formed value takes a fast path (one regex
and one cast for a timestamp, no copy for a trim) and only a value that is not well formed goes through the full
rules; record numbers come from parquet's `file_row_number`, not from `row_number() OVER ()`, which runs on one
thread; runs.parquet is not sorted (see `write_runs`).

The staged tables (grain and columns in `basstory.core.schema`):
- orgs.parquet (`write_orgs`): one row per organisation (first orgcard row of each organisationid), ORGS_COLUMNS.
- runs.parquet (`write_runs`): one row per accepted report run of either system, RUNS_COLUMNS, in no set order.
  `org_key` is resolved here: Full BAS by `lower(orgid) = lower(org_key)`, Simple BAS by `shortcode` exactly;
  null when the org is not in orgcard. Runs of unknown or out-of-scope orgs are kept; `scope_counts` counts them by
  reason.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import duckdb

from basstory.ingest.extracts import (
    extract_suffix,
    file_columns,
    looks_like,
    match_columns,
    normalise_column_name,
    raw_read_sql,
    sample_text,
    sql_identifier,
    sql_literal,
)
from basstory.core.schema import ORGS_COLUMNS, RUNS_COLUMNS, SCOPE_REASONS, SYSTEMS, Extract
from basstory.ingest.validation import MAX_ROWS_LISTED, ValidationReport, empty_file_stats

#: Bump when the staged tables change meaning or shape: it is part of every version id, so old caches are not reused.
STAGING_FORMAT = "basstory-staging-2"

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


def _with_fast_path(fast: str, slow: str) -> str:
    """`fast` where it gives a value, else `slow`: CASE evaluates `slow` only for the rows `fast` leaves NULL.

    The fast paths below accept a subset of what the slow expressions accept and give the same value there, so this
    is the slow expression, evaluated at the cost of one regex and one cast for the usual, well-formed row.
    """
    return f"CASE WHEN ({fast}) IS NOT NULL THEN ({fast}) ELSE ({slow}) END"


def _trim(expr: str) -> str:
    """trim(expr), skipped when it would change nothing: trim copies every string, which made it the costliest step
    of staging. DuckDB's trim removes spaces and Unicode white space, so a value that is ASCII (as many bytes as
    characters) and neither starts nor ends with a space is left as it is."""
    return (f"CASE WHEN NOT (starts_with({expr}, ' ') OR ends_with({expr}, ' ')) "
            f"AND strlen({expr}) = length({expr}) THEN {expr} ELSE trim({expr}) END")


def _whole_number(expr: str) -> str:
    return f"CASE WHEN {_matches(_trim(expr), _WHOLE)} THEN TRY_CAST({_trim(expr)} AS INTEGER) END"


def _flag(expr: str) -> str:
    return f"CASE trim({expr}) WHEN '1' THEN true WHEN '0' THEN false END"


def _is_empty(expr: str) -> str:
    return f"({expr} IS NULL OR {_trim(expr)} = '')"


@dataclass(frozen=True)
class Check:
    """One rule on one raw column: `bad` is a SQL condition over the raw text columns (named as in schema.py) and
    the recipe's `prepared` columns.

    action 'reject' leaves the row out of the staged tables; 'blank' keeps the row with the value emptied (the
    recipe's typed expression must give NULL for such rows); 'warn' keeps the row and the value.
    `problem` completes "<count> values ...".
    """

    name: str
    column: str
    bad: str
    action: Literal["reject", "blank", "warn"]
    problem: str


@dataclass(frozen=True)
class SlotRecipe:
    """How one extract is typed: `prepared` columns computed once from the raw text columns (each may use the ones
    before it), the output columns (SQL over raw and prepared columns) and the checks."""

    typed: dict[str, str]
    checks: tuple[Check, ...]
    prepared: dict[str, str] = field(default_factory=dict)


#: The earliest run time that is not suspicious: BAS reports in the extracts start in 2016.
EARLIEST_PLAUSIBLE_RUN = "2010-01-01"
# the session time zone is UTC (see `connect`); the clock is read once per statement
_NOW_UTC = "timezone('UTC', current_timestamp)"

# The usual well-formed Full BAS row, checked by one regex over both columns ('|' cannot occur in either match, so
# the split between date and time is unambiguous). DuckDB's cast reads the Z as UTC (no shift) and cuts a 7th
# fractional digit, as `_timestamp` does; test_fast_paths_agree_with_the_full_rules holds it to that.
_FULL_FAST_RUN_UTC = (f"CASE WHEN regexp_full_match(datestring || '|' || timestring, "
                      f"{sql_literal(_DATE + '[|]' + _TIME + 'Z?')}) "
                      f"THEN TRY_CAST(datestring || ' ' || timestring AS TIMESTAMP) END")
_FULL_DATE_OK = f"({_matches('trim(datestring)', _DATE)} AND TRY_CAST(trim(datestring) AS DATE) IS NOT NULL)"
_FULL_TIME_OK = (f"({_matches('trim(timestring)', _TIME + 'Z?')} "
                 f"AND TRY_CAST(left(rtrim(trim(timestring), 'Z'), 15) AS TIME) IS NOT NULL)")
_FULL_SLOW_RUN_UTC = _timestamp("datestring || ' ' || timestring")
_SIMPLE_FAST_RUN_UTC = (f"CASE WHEN regexp_full_match(datetime, {sql_literal(_DATE + ' ' + _TIME)}) "
                        f"THEN TRY_CAST(left(datetime, 26) AS TIMESTAMP) END")
_RUNTIME = f"TRY_CAST({_trim('runtime')} AS DOUBLE)"


def _run_time_checks(column: str) -> tuple[Check, ...]:
    """Warnings on plausible-looking but suspicious run times (the runs are kept: the time may be right)."""
    return (
        Check("future_run_utc", column, f"run_utc > {_NOW_UTC}", "warn",
              "are later than the time of this ingest (UTC)"),
        Check("early_run_utc", column, f"run_utc < TIMESTAMP '{EARLIEST_PLAUSIBLE_RUN}'", "warn",
              f"are before {EARLIEST_PLAUSIBLE_RUN[:4]}"),
    )


RECIPES: dict[str, SlotRecipe] = {
    "fullbas": SlotRecipe(
        prepared={
            "fast_run_utc": _FULL_FAST_RUN_UTC,
            # NULL when either column is malformed (then a check below rejects the row)
            "run_utc": _with_fast_path("fast_run_utc", _FULL_SLOW_RUN_UTC),
            "runtime_value": _RUNTIME,
        },
        typed={
            "run_utc": "run_utc",
            "user_key": f"lower({_trim('userid')})",
            "org_ref": f"lower({_trim('orgid')})",
            # a negative runtime is a clock error, not a reason to lose the run
            "runtime_s": "CASE WHEN runtime_value >= 0 THEN runtime_value END",
        },
        checks=(
            Check("bad_datestring", "datestring",
                  f"CASE WHEN fast_run_utc IS NOT NULL THEN false ELSE NOT {_FULL_DATE_OK} END",
                  "reject", "are not a date like 2016-10-11"),
            # also blames the time when each column looks right but together they are no timestamp
            Check("bad_timestring", "timestring",
                  f"CASE WHEN fast_run_utc IS NOT NULL THEN false "
                  f"ELSE NOT {_FULL_TIME_OK} OR ({_FULL_DATE_OK} AND run_utc IS NULL) END",
                  "reject", "are not a UTC time like 23:55:52.2119Z"),
            Check("bad_userid", "userid", _is_empty("userid"), "reject", "are empty (no user)"),
            Check("bad_orgid", "orgid", _is_empty("orgid"), "reject", "are empty (no organisation)"),
            Check("bad_runtime", "runtime",
                  f"NOT {_is_empty('runtime')} AND NOT coalesce(isfinite(runtime_value), false)",
                  "reject", "are not a number of seconds like 4.396793"),
            Check("blank_runtime", "runtime", _is_empty("runtime"), "blank", "are empty"),
            Check("negative_runtime", "runtime", "runtime_value < 0", "blank",
                  "are negative (a run cannot take less than no time)"),
            *_run_time_checks("datestring"),
        ),
    ),
    "simplebas": SlotRecipe(
        prepared={
            "fast_run_utc": _SIMPLE_FAST_RUN_UTC,
            "run_utc": _with_fast_path("fast_run_utc", _timestamp("datetime")),
        },
        typed={
            "run_utc": "run_utc",
            "user_key": f"lower({_trim('userid')})",
            # shortcodes are case-sensitive identifiers: kept byte for byte
            "org_ref": "shortcode",
            "statement_year": _whole_number("statementyear"),
            "statement_month": _whole_number("statementmonth"),
        },
        checks=(
            Check("bad_datetime", "datetime", "run_utc IS NULL", "reject",
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
            *_run_time_checks("datetime"),
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
            report.add("error", name, f"the file {sample.problem}", column=sample.column,
                       rows=[sample.line] if sample.line else None, count=1 if sample.line else 0)
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
    elif len(columns) == 1 and (separator := _other_separator(columns[0])):
        # Refused rather than sniffed: a spreadsheet that saves with semicolons usually writes decimal commas too
        # (runtime 4,396793), which would be read as something else without a word.
        report.add("error", name, f"the file is {separator}-delimited: save as comma-separated (in Excel: 'CSV UTF-8 "
                                  f"(Comma delimited)') and ingest again. Its header is one column: "
                                  f"{columns[0][:60]!r}.")
    else:
        hints = _rename_hints(missing, extra)
        report.add("error", name, f"required column(s) missing: {', '.join(missing)}{hints}. The file has: "
                                  f"{', '.join(columns)}. Export the {extract.slot} extract with all of "
                                  f"{', '.join(extract.required)} (any order; names are matched ignoring case).",
                   column=", ".join(missing))
    return None


_SEPARATOR_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _other_separator(header: str) -> str | None:
    """The name of the separator a one-column header is really split by ('semicolon', 'tab', 'pipe'), or None."""
    counts = {name: header.count(sep) for sep, name in _SEPARATOR_NAMES.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _rename_hints(missing: list[str], extra: list[str]) -> str:
    """" ('org_id' looks like orgid: rename it)" for the missing columns a file column looks like, else ""."""
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, [normalise_column_name(c) for c in extra], n=1, cutoff=0.75)
        if close:
            original = next(c for c in extra if normalise_column_name(c) == close[0])
            hints.append(f"{original!r} looks like {name}: rename it")
    return f" ({'; '.join(hints)})" if hints else ""


def stage_extract(con: duckdb.DuckDBPyConnection, extract: Extract, path: Path, column_map: dict[str, str],
                  work_dir: Path, report: ValidationReport) -> StagedExtract | None:
    """Type one extract in a single pass (see module docstring); report rejected rows; None when nothing is usable.

    The view `<slot>_rows` it creates holds the accepted rows: the recipe's typed columns plus `source_row`.
    """
    recipe = RECIPES[extract.slot]
    typed_table = f"{extract.slot}_typed"
    typed_path = work_dir / f"{typed_table}.parquet"
    rejects_table = f"rejects_{extract.slot}"
    # parquet extracts may carry typed columns: as text they go through the same checks as CSV values
    select = ", ".join(f"CAST({sql_identifier(column_map[name])} AS VARCHAR) AS {name}"
                       for name in extract.required)
    is_csv = extract_suffix(path) != ".parquet"
    all_columns = report.files[extract.slot].get("columns_found") or list(column_map.values())
    select += f", {_newlines_sql(all_columns) if is_csv else '0'} AS newlines"
    source = f"(SELECT {select} FROM {raw_read_sql(path, rejects_table)})"
    for name, expr in recipe.prepared.items():
        source = f"(SELECT *, {expr} AS {name} FROM {source})"
    typed_columns = ", ".join(f"{expr} AS {name}" for name, expr in recipe.typed.items())
    row_checks = [c for c in recipe.checks if c.action != "warn"]
    warn_checks = [c for c in recipe.checks if c.action == "warn"]
    flags = ", ".join(f"coalesce({c.bad}, false) AS {c.name}" for c in row_checks)
    rejected = " OR ".join(c.name for c in row_checks if c.action == "reject") or "false"
    # warnings are about the rows that are kept; typed columns are visible here under their own names
    warns = "".join(f", NOT rejected AND coalesce({c.bad}, false) AS {c.name}" for c in warn_checks)
    if extract.slot in _RUN_KEY_COLUMNS:
        # hashed here, where the values are at hand, so finding repeats later reads 8 bytes a row, not the strings
        warns += f", hash({', '.join(_RUN_KEY_COLUMNS[extract.slot])}) AS run_hash"
    # The parquet file keeps the reader's order (preserve_insertion_order is on, and the write is still parallel),
    # so a row's place in it is its record number: no `row_number() OVER ()`, which would run on one thread.
    try:
        con.execute(f"""
            COPY (
                SELECT * {warns} FROM (
                    SELECT *, {rejected} AS rejected FROM (SELECT {typed_columns}, newlines, {flags} FROM {source})
                )
            ) TO {sql_literal(str(typed_path))} (FORMAT parquet)
        """).fetchall()
    except duckdb.Error as exc:  # e.g. a gzip stream cut short, a corrupt parquet file
        report.add("error", path.name, f"the file could not be read to the end as {_format_name(path)} "
                                       f"({_first_line(exc)}). {_REREAD_HINT.format(slot=extract.slot)}")
        return None

    malformed = (_malformed_rows(con, rejects_table, extract.slot) if is_csv
                 else MalformedRows(0, [], [], 0, [], None))
    con.execute(f"""CREATE OR REPLACE VIEW {typed_table} AS SELECT * EXCLUDE (file_row_number),
        file_row_number + 1 AS record_no FROM read_parquet({sql_literal(str(typed_path))}, file_row_number=true)
    """).fetchall()
    summary = _summarise_typed(con, typed_table, recipe)
    lines = LineMap(shifts_table=malformed.shifts_table)
    if is_csv and (summary.newlines or malformed.newlines):
        lines = _line_map(con, extract.slot, typed_table, malformed)
    name = path.name
    stats = report.files[extract.slot]
    if malformed.undecodable:
        report.add("error", name, f"{malformed.undecodable:,} line(s) are not valid UTF-8 (the file is probably "
                                  f"Latin-1 / Windows-1252). Save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
                                  f"delimited)') and ingest it again.",
                   column=malformed.undecodable_column,
                   rows=lines.reader_lines(con, malformed.undecodable_lines), count=malformed.undecodable)
        return None
    if malformed.count:
        report.add("warning", name, f"{malformed.count:,} row(s) could not be split into the header's "
                                    f"{len(extract.required) + len(stats['columns_extra'])} columns "
                                    f"({', '.join(malformed.kinds)}) and were left out. Check for unquoted commas "
                                    f"or quotes in those rows, or a last line cut short.",
                   rows=lines.reader_lines(con, malformed.first_lines), count=malformed.count)

    thing = _WHAT_A_ROW_IS[extract.slot]
    for check in recipe.checks:
        count, record_nos = summary.checks[check.name]
        if not count:
            continue
        if check.action == "reject":
            consequence = (f"those {thing} were left out. Correct the values in the file and ingest again to "
                           f"count them.")
        elif check.action == "blank":
            consequence = f"the {thing} were kept with this value empty."
        else:
            consequence = f"the {thing} were kept as they are; check the extract if that is wrong."
        report.add("warning", name, f"{count:,} value(s) {check.problem}; {consequence}", column=check.column,
                   rows=lines.record_lines(con, record_nos), count=count)

    rows_read = summary.rows + malformed.count
    rows_accepted = summary.rows - summary.rejected
    stats.update(rows_read=rows_read, rows_accepted=rows_accepted, rows_rejected=rows_read - rows_accepted)
    if rows_read == 0:
        report.add("error", name, f"the file has a header but no data rows. Export the {extract.slot} extract "
                                  f"again with its rows.")
        return None
    if rows_accepted == 0:
        report.add("error", name, f"none of the {rows_read:,} rows could be used (see the warnings above). Check that "
                                  f"this is the {extract.slot} extract in the documented format.")
        return None

    if extract.slot in _RUN_KEY_COLUMNS:
        _report_repeated_runs(con, extract.slot, typed_table, lines, name, report)

    view = f"{extract.slot}_rows"
    kept = f"SELECT {', '.join(recipe.typed)}, record_no FROM {typed_table} WHERE NOT rejected"
    con.execute(f"""
        CREATE OR REPLACE VIEW {view} AS
        SELECT {', '.join(recipe.typed)}, line::BIGINT AS source_row FROM ({lines.lines_sql(kept)})
    """).fetchall()
    if "run_utc" in recipe.typed:
        stats.update(first_run_utc=_iso(summary.first_run_utc), last_run_utc=_iso(summary.last_run_utc))
    return StagedExtract(slot=extract.slot, rows_view=view, stats=stats)


#: What makes two accepted runs the same run: every staged value.
_RUN_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "fullbas": ("run_utc", "user_key", "org_ref", "runtime_s"),
    "simplebas": ("run_utc", "user_key", "org_ref", "statement_year", "statement_month"),
}


def _report_repeated_runs(con: duckdb.DuckDBPyConnection, slot: str, typed_table: str, lines: LineMap,
                          file_name: str, report: ValidationReport) -> None:
    """Warn about accepted rows that repeat every staged value of an earlier row. They are kept: a user who runs
    the same report twice within a second (a double click, a retry) makes two real runs, and the extract gives no
    way to tell those from a row exported twice. The warning lets the analyst judge from the count."""
    key = ", ".join(_RUN_KEY_COLUMNS[slot])
    # Grouping millions of rows by wide text keys is costly; a 64-bit hash finds the few candidate rows first and
    # the exact comparison runs on those alone (a hash collision costs a little time, never a wrong answer).
    count, first_repeats, example = con.execute(f"""
        WITH candidates AS (
            SELECT run_hash FROM {typed_table} WHERE NOT rejected GROUP BY run_hash HAVING count(*) > 1
        ),
        numbered AS (
            SELECT record_no, min(record_no) OVER (PARTITION BY {key}) AS first_record_no
            FROM {typed_table}
            WHERE NOT rejected AND run_hash IN (SELECT run_hash FROM candidates)
        )
        SELECT count(*), min_by(record_no, record_no, {MAX_ROWS_LISTED}),
               min_by([first_record_no, record_no], record_no)
        FROM numbered WHERE record_no > first_record_no
    """).fetchall()[0]
    if not count:
        return
    first_line, repeat_line = lines.record_lines(con, list(example))
    thing = "time, user, organisation and runtime" if slot == "fullbas" else \
        "time, user, organisation and statement period"
    report.add("warning", file_name, f"{count:,} run(s) repeat the {thing} of an earlier row exactly, e.g. lines "
                                     f"{first_line} and {repeat_line}; they were kept, as a report run twice within "
                                     f"the same instant is possible. Remove the repeats from the extract if it "
                                     f"holds rows twice.",
               rows=lines.record_lines(con, list(first_repeats)), count=count)


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
    """Write runs.parquet: one row per accepted run of both systems, RUNS_COLUMNS. Returns the row count per system.

    The rows are in no particular order (DuckDB writes them from several threads): sorting every run by run_utc
    cost a third of a cold ingest at scale 10 and, spilling to disk, over half of it at scale 100, for queries that
    were no faster in the app (which loads the table whole). Readers must not rely on the order.
    """
    orgs = f"read_parquet({sql_literal(str(orgs_path))})"
    query = f"""
        SELECT 'full' AS system, f.run_utc, f.user_key, f.org_ref, o.org_key, f.runtime_s,
               NULL::INTEGER AS statement_year, NULL::INTEGER AS statement_month, f.source_row
        FROM {full_view} f LEFT JOIN (SELECT *, lower(org_key) AS org_ref FROM {orgs}) o ON o.org_ref = f.org_ref
        UNION ALL
        SELECT 'simple', s.run_utc, s.user_key, s.org_ref, o.org_key, NULL::DOUBLE,
               s.statement_year, s.statement_month, s.source_row
        FROM {simple_view} s LEFT JOIN {orgs} o ON o.shortcode = s.org_ref
    """
    con.execute(f"""
        COPY (SELECT {', '.join(RUNS_COLUMNS)} FROM ({query}))
        TO {sql_literal(str(out_path))} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)
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
    """What DuckDB's CSV reader set aside: rows it could not split (`count`, first reader lines, error kinds) and
    rows with bytes that are not UTF-8 (`undecodable`). Reader lines are DuckDB's numbering (see `LineMap`);
    `shifts_table` is None when nothing was set aside."""

    count: int
    first_lines: list[int]
    kinds: list[str]
    undecodable: int
    undecodable_lines: list[int]
    shifts_table: str | None
    undecodable_column: str | None = None
    newlines: int = 0


@dataclass(frozen=True)
class LineMap:
    """Record numbers and DuckDB reader lines -> physical line numbers of the file (what an editor shows).

    Three numberings meet here. A *record number* counts the rows the reader kept (1 = the first). DuckDB's *reader
    line* counts every record, kept or set aside, with the header as line 1. The *physical line* also counts the
    line breaks inside quoted fields. `shifts_table` (one row per set-aside record) turns record numbers into reader
    lines; `offsets_table` (one row per record holding line breaks) turns reader lines into physical lines. Either
    is None when there is nothing to shift, which is the usual case, and then the numbers only differ by one.
    """

    shifts_table: str | None = None
    offsets_table: str | None = None

    def lines_sql(self, rows_sql: str) -> str:
        """A query: the rows of `rows_sql` (which has a `record_no` column) plus their physical `line`."""
        query = f"SELECT t.*, t.record_no + 1 AS reader_line FROM ({rows_sql}) t"
        if self.shifts_table:
            query = (f"SELECT t.*, t.record_no + 1 + coalesce(s.shift, 0) AS reader_line FROM ({rows_sql}) t "
                     f"ASOF LEFT JOIN {self.shifts_table} s ON t.record_no > s.accepted_before")
        return self.physical_sql(query)

    def physical_sql(self, rows_sql: str) -> str:
        """A query: the rows of `rows_sql` (which has a `reader_line` column) plus their physical `line`."""
        if not self.offsets_table:
            return f"SELECT u.*, u.reader_line AS line FROM ({rows_sql}) u"
        return (f"SELECT u.*, u.reader_line + coalesce(o.newlines_through, 0) AS line FROM ({rows_sql}) u "
                f"ASOF LEFT JOIN {self.offsets_table} o ON u.reader_line > o.reader_line")

    def record_lines(self, con: duckdb.DuckDBPyConnection, record_nos: list[int]) -> list[int]:
        """Physical lines of a few kept records, in the order given."""
        if not self.shifts_table and not self.offsets_table:
            return [record_no + 1 for record_no in record_nos]
        return self._lookup(con, self.lines_sql, "record_no", record_nos)

    def reader_lines(self, con: duckdb.DuckDBPyConnection, reader_lines: list[int]) -> list[int]:
        """Physical lines of a few records given by their reader lines (DuckDB's reject store), in the order given."""
        if not self.offsets_table:
            return list(reader_lines)
        return self._lookup(con, self.physical_sql, "reader_line", reader_lines)

    @staticmethod
    def _lookup(con: duckdb.DuckDBPyConnection, to_sql, column: str, values: list[int]) -> list[int]:
        if not values:
            return []
        rows_sql = f"SELECT unnest(?::BIGINT[]) AS {column}, generate_subscripts(?::BIGINT[], 1) AS position"
        found = con.execute(f"SELECT line FROM ({to_sql(rows_sql)}) ORDER BY position",
                            [list(values), list(values)]).fetchall()
        return [int(line) for (line,) in found]


def _malformed_rows(con: duckdb.DuckDBPyConnection, rejects_table: str, slot: str) -> MalformedRows:
    """Summarise DuckDB's reject store for one read, in SQL (there may be millions of set-aside rows)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [rejects_table]).fetchall()
    if not exists[0][0]:
        return MalformedRows(0, [], [], 0, [], None)
    # one reject entry per problem: a line with two problems is still one row set aside
    con.execute(f"""CREATE OR REPLACE TEMP TABLE set_aside_{slot} AS
        SELECT line, bool_or(error_type = 'INVALID ENCODING') AS undecodable,
               string_agg(DISTINCT lower(error_type), ', ' ORDER BY lower(error_type)) AS kinds,
               max(length(csv_line) - length(replace(csv_line, chr(10), ''))) AS newlines,
               min(column_name) FILTER (WHERE error_type = 'INVALID ENCODING') AS undecodable_column
        FROM {rejects_table} GROUP BY line""").fetchall()
    count, first_lines, undecodable, undecodable_lines, undecodable_column, newlines = con.execute(f"""
        SELECT count(*), min_by(line, line, {MAX_ROWS_LISTED}),
               count(*) FILTER (WHERE undecodable), min_by(line, line, {MAX_ROWS_LISTED}) FILTER (WHERE undecodable),
               min_by(undecodable_column, line) FILTER (WHERE undecodable), coalesce(sum(newlines), 0)
        FROM set_aside_{slot}""").fetchall()[0]
    if not count:
        return MalformedRows(0, [], [], 0, [], None)
    kinds = sorted({k for (row_kinds,) in con.execute(f"SELECT DISTINCT kinds FROM set_aside_{slot}").fetchall()
                    for k in row_kinds.split(", ")})
    # The reader numbers only the rows it keeps, so a kept row's reader line is its record_no + 1 plus the number of
    # set-aside lines before it. Before the i-th set-aside line L_i (1-based), L_i - 1 - i kept rows come.
    shifts_table = f"line_shifts_{slot}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {shifts_table} AS
        SELECT line - 1 - row_number() OVER (ORDER BY line) AS accepted_before,
               row_number() OVER (ORDER BY line) AS shift
        FROM set_aside_{slot} ORDER BY line""").fetchall()
    return MalformedRows(int(count), [int(x) for x in first_lines], kinds, int(undecodable),
                         [int(x) for x in (undecodable_lines or [])], shifts_table, undecodable_column,
                         int(newlines))


def _line_map(con: duckdb.DuckDBPyConnection, slot: str, typed_table: str, malformed: MalformedRows) -> LineMap:
    """The `LineMap` of one CSV read: `typed_table` has each kept record's `newlines` (line breaks inside its quoted
    fields), the set-aside table those of the rows the reader could not split."""
    shifts = LineMap(shifts_table=malformed.shifts_table)
    kept = shifts.lines_sql(f"SELECT record_no, newlines FROM {typed_table} WHERE newlines > 0")
    parts = [f"SELECT reader_line, newlines FROM ({kept})"]
    if malformed.shifts_table:
        parts.append(f"SELECT line, newlines FROM set_aside_{slot} WHERE newlines > 0")
    offsets_table = f"line_offsets_{slot}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {offsets_table} AS
        SELECT reader_line, sum(newlines) OVER (ORDER BY reader_line) AS newlines_through
        FROM ({' UNION ALL '.join(parts)}) ORDER BY reader_line""").fetchall()
    if not con.execute(f"SELECT count(*) FROM {offsets_table}").fetchall()[0][0]:
        return shifts
    return LineMap(shifts_table=malformed.shifts_table, offsets_table=offsets_table)


@dataclass(frozen=True)
class TypedSummary:
    """One scan of a typed extract: rows, rows rejected by checks, line breaks inside quoted fields, first and last
    accepted run_utc (runs only), and per check (count, first record numbers)."""

    rows: int
    rejected: int
    newlines: int
    first_run_utc: object
    last_run_utc: object
    checks: dict[str, tuple[int, list[int]]]


def _summarise_typed(con: duckdb.DuckDBPyConnection, typed_table: str, recipe: SlotRecipe) -> TypedSummary:
    """Everything the report needs from a typed extract, in one scan."""
    has_runs = "run_utc" in recipe.typed
    parts = ["count(*)", "count(*) FILTER (WHERE rejected)", "coalesce(sum(newlines), 0)",
             "min(run_utc) FILTER (WHERE NOT rejected)" if has_runs else "NULL",
             "max(run_utc) FILTER (WHERE NOT rejected)" if has_runs else "NULL"]
    for check in recipe.checks:
        parts.append(f"count(*) FILTER (WHERE {check.name})")
        parts.append(f"min_by(record_no, record_no, {MAX_ROWS_LISTED}) FILTER (WHERE {check.name})")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {typed_table}").fetchall()[0]
    checks = {check.name: (int(row[5 + 2 * i]), [int(r) for r in (row[6 + 2 * i] or [])])
              for i, check in enumerate(recipe.checks)}
    return TypedSummary(rows=int(row[0]), rejected=int(row[1]), newlines=int(row[2]), first_run_utc=row[3],
                        last_run_utc=row[4], checks=checks)


def _newlines_sql(columns: list[str]) -> str:
    """SQL: how many line breaks the row's fields hold (only quoted fields can). Computed in full only for the rare
    row that has one, which keeps this near free."""
    text = "concat(" + ", ".join(sql_identifier(c) for c in columns) + ")"
    return (f"CASE WHEN contains({text}, chr(10)) "
            f"THEN length({text}) - length(replace({text}, chr(10), '')) ELSE 0 END")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _format_name(path: Path) -> str:
    return "parquet" if extract_suffix(path) == ".parquet" else "CSV"


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]


__all__ = ["RECIPES", "STAGING_FORMAT", "StagedExtract", "connect", "inspect_extract",
           "reuse_staged", "run_period", "scope_counts", "stage_extract", "write_orgs", "write_runs"]
