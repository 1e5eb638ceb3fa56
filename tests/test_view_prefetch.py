"""query.view.prefetch: a view's analyses started side by side are computed once, and the asker gets the result
(or the error) as if it had computed it itself."""
from __future__ import annotations

import threading
import time

import duckdb
import pytest

from basstory.query.filters import StoryFilters
from basstory.query.view import per_view, prefetch

calls: list[tuple[str, object]] = []
started = threading.Event()


@per_view
def slow_square(con, f: StoryFilters, x: int) -> int:
    started.set()
    calls.append(("square", x))
    time.sleep(0.2)
    return x * x


@per_view
def fails(con, f: StoryFilters) -> int:
    calls.append(("fails", None))
    raise ValueError("no such view")


def test_a_prefetched_analysis_is_computed_once_and_the_asker_waits_for_it():
    con, f = duckdb.connect(), StoryFilters()
    calls.clear()
    prefetch(con, f, (slow_square, 3), (slow_square, 4))
    assert started.wait(5)                       # under way in the background
    assert slow_square(con, f, 3) == 9 and slow_square(con, f, 4) == 16
    assert sorted(calls) == [("square", 3), ("square", 4)]


def test_a_failed_prefetch_leaves_the_error_to_the_asker():
    con, f = duckdb.connect(), StoryFilters()
    calls.clear()
    prefetch(con, f, fails)
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(ValueError, match="no such view"):
        fails(con, f)
    assert calls == [("fails", None), ("fails", None)]


@per_view
def nested(con, f: StoryFilters, depth: int) -> int:
    """Prefetches its own part (as the key facts do) and returns before that part is done."""
    time.sleep(0.1)
    if depth:
        prefetch(con, f, (nested, depth - 1))
    calls.append(("nested", depth))
    return depth


def test_the_exit_waits_for_every_prefetch_those_started_meanwhile_too():
    from basstory.query import view

    con, f = duckdb.connect(), StoryFilters()
    calls.clear()
    prefetch(con, f, (nested, 3))
    view._finish_prefetches()                      # what the interpreter runs at exit, with nobody asking
    assert sorted(calls) == [("nested", d) for d in range(4)]
    assert not [t for t in list(view._prefetching) if t.is_alive()]
