"""Running SQL against the story's views with the filters applied.

Every analysis builds its SQL on `filtered_runs_sql(filters)` (a subquery of the `runs` view with only the kept
runs and a `run_display` column in the chosen display zone), and runs it through `frame()` or `scalar()`, which use a
fresh cursor so that sessions can share one connection safely.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.query.filters import StoryFilters, run_predicate


def filtered_runs_sql(f: StoryFilters) -> str:
    """SQL subquery: one row per run kept by the filters, all `runs` columns plus `run_display` (wall-clock in f.tz)."""
    tz = f.tz.replace("'", "''")
    return (f"SELECT *, timezone('{tz}', timezone('UTC', run_utc)) AS run_display "
            f"FROM runs WHERE {run_predicate(f)}")


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """Run a query on a fresh cursor and return the result as a pandas frame."""
    cursor = con.cursor()
    try:
        return cursor.execute(sql, params).df() if params else cursor.execute(sql).df()
    finally:
        cursor.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None):
    """Run a query that returns one value."""
    cursor = con.cursor()
    try:
        row = (cursor.execute(sql, params) if params else cursor.execute(sql)).fetchone()
        return None if row is None else row[0]
    finally:
        cursor.close()


def frame_with(con: duckdb.DuckDBPyConnection, sql: str, tables: dict[str, pd.DataFrame],
               params: dict | None = None) -> pd.DataFrame:
    """`frame()` with small pandas frames registered as tables on the query's own cursor."""
    cursor = con.cursor()
    try:
        for name, df in tables.items():
            cursor.register(name, df)
        return (cursor.execute(sql, params) if params else cursor.execute(sql)).df()
    finally:
        cursor.close()
