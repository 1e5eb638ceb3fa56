"""Cursors on the story's connection, and the background work a reader's page can interrupt.

Every query of the story runs on a cursor of its own (`open_cursor`), so sessions and threads can share one DuckDB
connection. A cursor opened by background work (the app's warm-up, and the prefetches it starts: the threads
`set_background` names) is remembered, and `interrupt_background()` stops the queries those cursors are running: a
reader's page then has both cores at once instead of after the warm-up's current query, which at 100x can take a
second. An interrupted query raises duckdb.InterruptException in the background thread; the analysis it belonged to
is not memoised, so the warm-up computes it again once the readers are done (app.ui.warm_up).
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Callable

import duckdb

_background_cursors: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()


def _never() -> bool:
    return False


_is_background: Callable[[], bool] = _never


def set_background(is_background: Callable[[], bool] | None) -> None:
    """Install the test of whether the current thread is background work (None: nothing is)."""
    global _is_background
    _is_background = is_background or _never


def open_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A new cursor of `con`, remembered when background work opens it. Close it when done."""
    cursor = con.cursor()
    if _is_background():
        with _lock:
            _background_cursors.add(cursor)
    return cursor


def interrupt_background() -> int:
    """Interrupt the query each open background cursor is running (an idle cursor is unaffected); how many cursors
    were told."""
    with _lock:
        cursors = list(_background_cursors)
    for cursor in cursors:
        try:
            cursor.interrupt()
        except duckdb.Error:       # closed meanwhile: nothing to stop
            pass
    return len(cursors)
