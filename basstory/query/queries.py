"""Running SQL against the story's views with the filters applied.

Every analysis builds its SQL on `filtered_runs_sql(filters)` (a subquery of the `runs` view with only the kept
runs and a `run_display` column in the chosen display zone), and runs it through `frame()` or `scalar()`, which use a
fresh cursor so that sessions can share one connection safely.
"""
from __future__ import annotations

import re

import duckdb
import pandas as pd
import pyarrow as pa

from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters, run_predicate


def filtered_runs_sql(f: StoryFilters) -> str:
    """SQL subquery: one row per run kept by the filters, all `runs` columns plus `run_display` (wall-clock in f.tz)."""
    tz = f.tz.replace("'", "''")
    return (f"SELECT *, timezone('{tz}', timezone('UTC', run_utc)) AS run_display "
            f"FROM runs WHERE {run_predicate(f)}")


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """Run a query on a fresh cursor and return the result as a pandas frame.

    The rows come through Arrow, whose strings pandas takes as they are (DuckDB's own conversion builds every string
    as a Python object first: about 4× slower on a frame of a hundred thousand orgs), converted to the dtypes DuckDB's
    conversion gives (`arrow_to_pandas`)."""
    cursor = open_cursor(con)
    try:
        result = cursor.sql(sql, params=params)
        names = result.columns
        if len(set(names)) == len(names) and all(_ARROW_SAFE.match(str(kind)) for kind in result.types):
            return arrow_to_pandas(result.to_arrow_table())
        return result.df()
    finally:
        cursor.close()


#: The DuckDB result types `arrow_to_pandas` converts as `df()` does; a result with another (lists, intervals, ...)
#: or with a repeated column name is converted by `df()` itself.
_ARROW_SAFE = re.compile(r"^(VARCHAR|BOOLEAN|(U?(TINYINT|SMALLINT|INTEGER|BIGINT))|HUGEINT|FLOAT|DOUBLE|DATE|"
                         r"TIMESTAMP|TIMESTAMP WITH TIME ZONE|DECIMAL\(\d+,\d+\)|\"NULL\")$")


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """A DuckDB result as Arrow to the pandas frame DuckDB's `df()` gives for it: DATE as datetime64[us], DECIMAL
    (and HUGEINT, as DuckDB hands it to Arrow) as float64, integers and booleans with a NULL as pandas' nullable
    Int64/boolean (without one, as numpy's), strings as pandas' str unless every value is NULL (then, and in an empty
    result, as objects); the rest as Arrow converts it."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_date(kind):
            column = column.cast(pa.timestamp("us"))
        elif pa.types.is_decimal(kind):
            column = column.cast(pa.float64())
        if pa.types.is_string(kind) and column.null_count == len(column):
            columns[name] = pd.Series([None] * len(column), dtype=object)
        elif column.null_count and (pa.types.is_integer(kind) or pa.types.is_boolean(kind)):
            columns[name] = column.to_pandas(types_mapper=_NULLABLE.get)
        else:
            columns[name] = column.to_pandas()
    return pd.DataFrame(columns, columns=table.column_names) if columns else pd.DataFrame(
        index=pd.RangeIndex(table.num_rows))


#: Arrow types whose columns with a NULL become pandas' nullable dtypes (as DuckDB's df() gives them).
_NULLABLE = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(),
             pa.int64(): pd.Int64Dtype(), pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
             pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype(), pa.bool_(): pd.BooleanDtype()}


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None):
    """Run a query that returns one value."""
    cursor = open_cursor(con)
    try:
        row = (cursor.execute(sql, params) if params else cursor.execute(sql)).fetchone()
        return None if row is None else row[0]
    finally:
        cursor.close()


def frame_with(con: duckdb.DuckDBPyConnection, sql: str, tables: dict[str, pd.DataFrame],
               params: dict | None = None) -> pd.DataFrame:
    """`frame()` with small pandas frames registered as tables on the query's own cursor."""
    cursor = open_cursor(con)
    try:
        for name, df in tables.items():
            cursor.register(name, df)
        return (cursor.execute(sql, params) if params else cursor.execute(sql)).df()
    finally:
        cursor.close()
