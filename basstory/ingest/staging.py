"""Staging: one typing pass per extract, raw text -> typed, normalised rows with their file line numbers.

Everything runs in DuckDB (no pandas), in parallel, and never holds an extract in Python memory; DuckDB spills to
the ingest's work folder when it outgrows its memory limit. The pieces live beside this module:
`recipes` (how each column is typed and checked), `inspection` (can the file be read at all), `lines` (record
numbers -> the file's line numbers), `marts` (the staged tables built from the typed rows), `scope` (the scope rule).

Per extract (`stage_extract`), one pass over the file writes `<work>/<slot>_typed.parquet`: one row per data row the
CSV reader could split, in file order, with the typed columns, one boolean per `Check` and the number of line breaks
its quoted fields hold. The view `<slot>_typed` reads it back with `record_no` (1 = first data row), the row's place
in the parquet file, which keeps the reader's order; `LineMap` turns record numbers into the file's line numbers.
Rows that fail a *reject* check are left out of the staged tables and counted; a *blank* check only empties the
value and a *warn* check keeps it (both warnings). Rows the reader could not split into the header's columns are
kept aside by DuckDB's reject store and reported the same way. Repeated runs are reported and kept
(`_report_repeated_runs`).

Speed (measured at ten times the real extracts, 3.2M rows): record numbers come from parquet's `file_row_number`,
not from `row_number() OVER ()`, which runs on one thread; runs.parquet is not sorted (see `marts.write_runs`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from basstory.core.schema import Extract
from basstory.ingest.extracts import extract_suffix, raw_read_sql, sql_identifier, sql_literal
from basstory.ingest.inspection import first_line, format_name, inspect_extract, reread_hint
from basstory.ingest.lines import LineMap, MalformedRows, line_map, malformed_rows, newlines_sql
from basstory.ingest.marts import run_period, scope_counts, write_orgs, write_runs
from basstory.ingest.recipes import RECIPES, STAGING_FORMAT, SlotRecipe
from basstory.ingest.validation import MAX_ROWS_LISTED, ValidationReport


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



def stage_extract(con: duckdb.DuckDBPyConnection, extract: Extract, path: Path, column_map: dict[str, str],
                  work_dir: Path, report: ValidationReport, *, read_path: Path | None = None) -> StagedExtract | None:
    """Type one extract in a single pass (see module docstring); report rejected rows; None when nothing is usable.

    `read_path` is the file DuckDB reads when it is not `path` (see `build.readable_copies`); messages name `path`.

    The view `<slot>_rows` it creates holds the accepted rows: the recipe's typed columns plus `source_row`.
    """
    recipe = RECIPES[extract.slot]
    typed_table = f"{extract.slot}_typed"
    typed_path = work_dir / f"{typed_table}.parquet"
    rejects_table = f"rejects_{extract.slot}"
    is_csv = extract_suffix(path) != ".parquet"
    # parquet extracts may carry typed columns: as text they go through the same checks as CSV values
    types = {} if is_csv else _column_types(con, read_path or path)
    select = ", ".join(f"{_as_text(sql_identifier(column_map[name]), types.get(column_map[name]))} AS {name}"
                       for name in extract.required)
    all_columns = report.files[extract.slot].get("columns_found") or list(column_map.values())
    select += f", {newlines_sql(all_columns) if is_csv else '0'} AS newlines"
    source = f"(SELECT {select} FROM {raw_read_sql(read_path or path, rejects_table)})"
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
        report.add("error", path.name, f"the file could not be read to the end as {format_name(path)} "
                                       f"({first_line(exc, path, read_path)}). {reread_hint(path, extract.slot)}")
        return None

    malformed = (malformed_rows(con, rejects_table, extract.slot) if is_csv
                 else MalformedRows(0, [], [], 0, [], None))
    con.execute(f"""CREATE OR REPLACE VIEW {typed_table} AS SELECT * EXCLUDE (file_row_number),
        file_row_number + 1 AS record_no FROM read_parquet({sql_literal(str(typed_path))}, file_row_number=true)
    """).fetchall()
    summary = _summarise_typed(con, typed_table, recipe)
    lines = LineMap(shifts_table=malformed.shifts_table)
    if is_csv and (summary.newlines or malformed.newlines):
        lines = line_map(con, extract.slot, typed_table, malformed)
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

    for check in recipe.checks:
        count, record_nos = summary.checks[check.name]
        if not count:
            continue
        report.add("warning", name, check.warning(extract.slot, count), column=check.column,
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


def _column_types(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    """Column name -> DuckDB type of a parquet file."""
    return {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {raw_read_sql(path, 'types')}").fetchall()}


def _as_text(column: str, column_type: str | None) -> str:
    """A raw column as text. A BOOLEAN (a parquet flag column) becomes '1' / '0', as the CSV extracts write flags:
    cast as it is, it would read 'true' and fail the flag check."""
    if column_type == "BOOLEAN":
        return f"CASE WHEN {column} THEN '1' WHEN NOT {column} THEN '0' END"
    return f"CAST({column} AS VARCHAR)"


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
    first, repeat = lines.record_lines(con, list(example))
    thing = "time, user, organisation and runtime" if slot == "fullbas" else \
        "time, user, organisation and statement period"
    report.add("warning", file_name, f"{count:,} run(s) repeat the {thing} of an earlier row exactly, e.g. lines "
                                     f"{first} and {repeat}; they were kept, as a report run twice within "
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



def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


__all__ = ["RECIPES", "STAGING_FORMAT", "StagedExtract", "connect", "inspect_extract",
           "reuse_staged", "run_period", "scope_counts", "stage_extract", "write_orgs", "write_runs"]
