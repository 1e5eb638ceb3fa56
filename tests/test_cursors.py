"""query.cursors: a reader's page interrupts the background work's queries under way, never its own, and the
warm-up computes an interrupted analysis again once the readers are done."""
from __future__ import annotations

import threading
import time

import duckdb
import pytest

from basstory.app import ui
from basstory.query import cursors
from basstory.query.filters import StoryFilters
from basstory.query.queries import frame
from basstory.query.view import per_view

#: A query that runs for many seconds on any machine: the tests stop it long before it ends.
SLOW = "SELECT count(*) AS n FROM range(20000000000) t(x) WHERE x % 7 = 3"


def run_in_thread(name: str, target) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run() -> None:
        began = time.monotonic()
        try:
            outcome["value"] = target()
        except Exception as error:  # noqa: BLE001 - the test reads it
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread, outcome


def test_interrupting_stops_the_background_query_under_way_only():
    con = duckdb.connect()
    background, stopped = run_in_thread(f"{ui.WARM_UP_THREAD_PREFIX}test", lambda: frame(con, SLOW))
    reader, answered = run_in_thread("reader", lambda: frame(con, "SELECT 41 + 1 AS n")["n"].iloc[0])
    time.sleep(0.5)                                  # the slow query is under way
    assert cursors.interrupt_background() >= 1
    background.join(timeout=10)
    reader.join(timeout=10)
    assert isinstance(stopped.get("error"), duckdb.InterruptException) and stopped["seconds"] < 5
    assert answered["value"] == 42
    assert frame(con, "SELECT 1 AS n")["n"].iloc[0] == 1          # the connection serves on


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_reader_interrupts_the_warm_up_which_computes_the_analysis_again():
    con, attempts = duckdb.connect(), []

    @per_view
    def slow_count(con, f: StoryFilters) -> int:
        attempts.append(time.monotonic())
        # the first attempt would run for many seconds; the one after the interruption is quick
        return int(frame(con, SLOW if len(attempts) == 1 else "SELECT 7 AS n")["n"].iloc[0])

    warm_up, outcome = run_in_thread(f"{ui.WARM_UP_THREAD_PREFIX}test",
                                     lambda: ui._patiently(lambda: slow_count(con, StoryFilters())))
    time.sleep(0.5)
    with ui.reader_run():                            # a reader's page starts: the warm-up's query stops
        pass
    reader_ended = time.monotonic()
    warm_up.join(timeout=30)
    assert outcome.get("value") == 7 and len(attempts) == 2
    assert attempts[1] - reader_ended >= ui.WARM_UP_QUIET_S - 0.1   # the second attempt waited for the readers
    assert slow_count(con, StoryFilters()) == 7 and len(attempts) == 2      # memoised once computed
