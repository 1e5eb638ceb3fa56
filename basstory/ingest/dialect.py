"""The typing and scope rules, written once in DuckDB's SQL, as Spark SQL: a SQLGlot translation plus the few
rewrites where the two engines' functions differ in name or meaning.

The rules (`recipes.RECIPES`: every typed value and every check; `scope.SCOPE_SQL`) are SQL expressions over one
row. DuckDB runs them as written; the Spark engine runs `to_spark(expr)`. SQLGlot translates the syntax and most
functions; `_rewrite` handles what it leaves as DuckDB's or translates to something that means another thing:

- `regexp_full_match(x, p)` -> `regexp_like(x, '^(?:p)\\z')`: Spark has no whole match, and Java's `$` also matches
  before a final line break;
- `regexp_replace(x, p, '\\1')` -> `regexp_replace(x, p, '$1')`: Java writes a group as `$1` (the patterns are
  anchored, so DuckDB's "first match" and Spark's "every match" agree);
- `strlen(x)` -> `octet_length(x)` (bytes, not characters); `isfinite(x)` -> `NOT isnan(x) AND abs(x) < Infinity`;
- `TRY_CAST(x AS TIME)` -> `TRY_CAST('1970-01-01 ' || x AS TIMESTAMP_NTZ)`: Spark 4 has no TIME type, and the rule
  only asks whether x is a valid time of day;
- `TIMESTAMP` -> `TIMESTAMP_NTZ` (SQLGlot): both a wall-clock time without a zone; the session zone is UTC on both;
- `timezone('UTC', current_timestamp)` -> `CAST(current_timestamp() AS TIMESTAMP_NTZ)`: the ingest's instant in UTC.

The table-building queries (`marts`, `derive`) are written once in DuckDB's SQL too, and need three more:

- `timezone(zone, timezone('UTC', t))` (a UTC wall-clock time as `zone`'s wall-clock time) ->
  `convert_timezone('UTC', zone, t)`, both a TIMESTAMP_NTZ;
- `epoch_us(t)` -> `unix_micros(CAST(t AS TIMESTAMP))`: microseconds since the epoch of a UTC wall-clock time (the
  session zone is UTC, so the cast reads the wall-clock time as UTC);
- `min_by(x, x, n)` (the n smallest values, ascending) -> `slice(array_sort(collect_list(x)), 1, n)`: Spark's
  `min_by` takes no count. Only the form whose value and key are the same is translated.

Those queries run through a `SqlRunner` (`DuckDBRunner` here; `spark.SparkRunner` in the Spark engine): it names
the tables a query reads (a parquet file, rows handed over from Python, an earlier query's result) and writes a
query's rows as one parquet file, so the SQL itself names no file and no engine.

`tests/test_spark.py::test_every_rule_gives_the_same_values_on_both_engines` runs every rule on both engines
over awkward values and asserts the same results.
"""
from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import duckdb
import numpy as np

if TYPE_CHECKING:
    from sqlglot import exp

# SQLGlot is imported where a query is translated: it is one of the Spark engine's requirements
# (requirements-spark.txt), and the DuckDB engine and the app run without it.


def _rewrite(node: exp.Expression) -> exp.Expression:
    import sqlglot
    from sqlglot import exp

    if isinstance(node, exp.ArgMin) and node.args.get("count") is not None:
        if node.this != node.expression:
            raise ValueError("min_by(x, key, n) is translated for Spark only when x is its own key")
        return sqlglot.parse_one(f"slice(array_sort(collect_list({node.this.sql('spark')})), 1, "
                                 f"{node.args['count'].sql('spark')})", read="spark")
    if isinstance(node, exp.RegexpFullMatch):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored = exp.Literal.string("^(?:" + pattern.this + ")\\z")
            return exp.Anonymous(this="regexp_like", expressions=[node.this, anchored])
        raise ValueError("regexp_full_match needs a literal pattern to be translated for Spark")
    if isinstance(node, exp.RegexpReplace):
        replacement = node.args.get("replacement")
        if isinstance(replacement, exp.Literal) and replacement.is_string and "\\" in replacement.this:
            node.set("replacement", exp.Literal.string(_java_replacement(replacement.this)))
        return node
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        if name == "strlen":
            return exp.Anonymous(this="octet_length", expressions=node.expressions)
        if name == "isfinite":
            value = node.expressions[0]
            return sqlglot.parse_one(f"(NOT isnan({value.sql('spark')}) AND "
                                     f"abs({value.sql('spark')}) < CAST('Infinity' AS DOUBLE))", read="spark")
        if name == "timezone" and len(node.expressions) == 2 and isinstance(node.expressions[1], exp.CurrentTimestamp):
            return exp.Cast(this=exp.CurrentTimestamp(), to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"))
        if name == "timezone" and len(node.expressions) == 2:
            zone, inner = node.expressions
            if (isinstance(inner, exp.Anonymous) and str(inner.this).lower() == "timezone"
                    and len(inner.expressions) == 2 and isinstance(inner.expressions[0], exp.Literal)
                    and inner.expressions[0].this.upper() == "UTC"):
                return sqlglot.parse_one(f"convert_timezone('UTC', {zone.sql('spark')}, "
                                         f"{inner.expressions[1].sql('spark')})", read="spark")
        if name == "epoch_us" and len(node.expressions) == 1:
            return sqlglot.parse_one(f"unix_micros(CAST({node.expressions[0].sql('spark')} AS TIMESTAMP))",
                                     read="spark")
    if isinstance(node, exp.Cast | exp.TryCast) and node.to.this == exp.DataType.Type.TIME:
        text = exp.DPipe(this=exp.Literal.string("1970-01-01 "), expression=node.this)
        return exp.TryCast(this=text, to=exp.DataType.build("TIMESTAMP_NTZ", dialect="spark"), safe=True)
    return node


def _java_replacement(text: str) -> str:
    """A RE2 replacement ('\\1' for group 1) as Java writes it ('$1'); a literal '$' is escaped."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1].isdigit():
            out.append("$" + text[i + 1])
            i += 2
            continue
        out.append("\\$" if char == "$" else char)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=1024)
def to_spark(expression: str) -> str:
    """A DuckDB SQL expression (or query) as Spark SQL (see the module docstring)."""
    import sqlglot

    tree = sqlglot.parse_one(expression, read="duckdb")
    text = None
    for _ in range(8):  # a rewritten node's arguments are rewritten on the next pass
        tree = tree.transform(_rewrite)
        again = tree.sql(dialect="spark")
        if again == text:
            return text
        text = again
    return text


class SqlRunner(Protocol):
    """Runs the table-building queries (written in DuckDB's SQL) on one engine. Names are the queries' table names;
    `select` is a query; `target` a parquet file written under a temporary name and renamed into place."""

    def parquet(self, name: str, paths: Sequence[str | Path]) -> None: ...
    def rows(self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None: ...
    def view(self, name: str, select: str) -> None: ...
    def table(self, name: str, select: str) -> None: ...
    def fetch(self, select: str) -> list[tuple]: ...
    def write(self, select: str, target: Path, options: str = "") -> None: ...
    def sorted_chunks(self, select: str, order: str, month_column: str) -> tuple[int, Iterator[dict[str, np.ndarray]]]:
        ...


class DuckDBRunner:
    """`SqlRunner` on a DuckDB connection: every query runs as written."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def parquet(self, name: str, paths: Sequence[str | Path]) -> None:
        files = ", ".join(_literal(str(p)) for p in paths)
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{files}])").fetchall()

    def rows(self, name: str, columns: Sequence[tuple[str, str]], rows: Sequence[tuple]) -> None:
        import pyarrow as pa

        handed = pa.table({n: pa.array([r[i] for r in rows]) if rows else pa.nulls(0) for i, (n, _) in
                           enumerate(columns)})
        self.con.register("_handed_rows", handed)
        try:
            self.con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT "
                             f"{', '.join(f'CAST({n} AS {t}) AS {n}' for n, t in columns)} FROM _handed_rows")
        finally:
            self.con.unregister("_handed_rows")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {select}").fetchall()

    def table(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TABLE {name} AS {select}").fetchall()

    def fetch(self, select: str) -> list[tuple]:
        return self.con.execute(select).fetchall()

    def write(self, select: str, target: Path, options: str = "") -> None:
        tmp = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        self.con.execute(f"COPY ({select}) TO {_literal(str(tmp))} (FORMAT parquet{', ' + options if options else ''})"
                         ).fetchall()
        tmp.replace(target)

    def sorted_chunks(self, select: str, order: str, month_column: str) -> tuple[int, Iterator[dict[str, np.ndarray]]]:
        """The rows of `select` sorted by `order`, as numpy columns, a month of `month_column` at a time (rows whose
        month is later are later in `order`, so the months' sorted rows are the sorted whole): memory stays near a
        month's rows. DuckDB sorts each month (a few seconds for every month at 100x), where numpy's lexsort over the
        keys took 15 s."""
        months = self.con.execute(f"""
            SELECT CAST(date_trunc('month', {month_column}) AS DATE) AS month, count(*) AS n
            FROM ({select}) GROUP BY ALL ORDER BY month""").fetchall()

        def chunks() -> Iterator[dict[str, np.ndarray]]:
            from datetime import timedelta

            cursor = self.con.cursor()
            try:
                for month, _ in months:
                    next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                    yield cursor.execute(f"""
                        SELECT * FROM ({select})
                        WHERE {month_column} >= DATE '{month}' AND {month_column} < DATE '{next_month}'
                        ORDER BY {order}""").fetchnumpy()
            finally:
                cursor.close()

        return sum(n for _, n in months), chunks()


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


__all__ = ["DuckDBRunner", "SqlRunner", "to_spark"]
