"""Line numbers: DuckDB's record numbers and reader lines -> the file's physical lines (what an editor shows).

See `LineMap` for the three numberings. `malformed_rows` summarises what DuckDB's CSV reader set aside (rows it could
not split, bytes that are not UTF-8) and `line_map` builds the map for one read when a quoted field holds a line break
or rows were set aside.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from basstory.ingest.extracts import sql_identifier
from basstory.ingest.validation import MAX_ROWS_LISTED


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


def malformed_rows(con: duckdb.DuckDBPyConnection, rejects_table: str, slot: str) -> MalformedRows:
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
    # set-aside lines before it. Before the i-th set-aside line L_i (1-based), L_i - 1 - i kept rows come. Set-aside
    # lines next to each other have the same count of kept rows before them: the last of them gives the shift (an
    # ASOF join would pick any one of the tied rows).
    shifts_table = f"line_shifts_{slot}"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {shifts_table} AS
        SELECT accepted_before, max(shift) AS shift FROM (
            SELECT line - 1 - row_number() OVER (ORDER BY line) AS accepted_before,
                   row_number() OVER (ORDER BY line) AS shift
            FROM set_aside_{slot})
        GROUP BY accepted_before ORDER BY accepted_before""").fetchall()
    return MalformedRows(int(count), [int(x) for x in first_lines], kinds, int(undecodable),
                         [int(x) for x in (undecodable_lines or [])], shifts_table, undecodable_column,
                         int(newlines))


def line_map(con: duckdb.DuckDBPyConnection, slot: str, typed_table: str, malformed: MalformedRows) -> LineMap:
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



def newlines_sql(columns: list[str]) -> str:
    """SQL: how many line breaks the row's fields hold (only quoted fields can). Computed in full only for the rare
    row that has one, which keeps this near free."""
    text = "concat(" + ", ".join(sql_identifier(c) for c in columns) + ")"
    return (f"CASE WHEN contains({text}, chr(10)) "
            f"THEN length({text}) - length(replace({text}, chr(10), '')) ELSE 0 END")



__all__ = ["LineMap", "MalformedRows", "line_map", "malformed_rows", "newlines_sql"]
