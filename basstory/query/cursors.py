"""Cursors on the story's connection.

Every query of the story runs on a cursor of its own (`open_cursor`), so sessions and threads (a page's prefetches)
can share one DuckDB connection and its in-memory tables without waiting for each other's results.
"""
from __future__ import annotations

import duckdb


def open_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor of `con`. Close it when done."""
    return con.cursor()


__all__ = ["open_cursor"]
