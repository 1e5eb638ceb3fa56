"""query.view's memory budgets: the memo of a connection's analyses and its per-view tables keep the most recently
used within a byte budget, so a server that readers ask for view after view does not grow with each one."""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from basstory.analyses.concurrency import MinuteProfile
from basstory.query import view
from basstory.query.filters import StoryFilters

computed: list[int] = []


@view.per_view
def block_of(con, f: StoryFilters, n: int) -> np.ndarray:
    """n kilobytes of float64 (128 numbers a kilobyte), filled with n."""
    computed.append(n)
    return np.full(128 * n, float(n))


def test_result_bytes_counts_the_buffers_a_result_holds():
    assert view.result_bytes(np.zeros(100)) == 800
    frame = pd.DataFrame({"a": np.arange(1000, dtype=np.int64), "b": np.ones(1000)})
    assert 16_000 <= view.result_bytes(frame) <= 16_000 + 200          # two columns of 8,000 bytes and the index
    assert view.result_bytes({"x": np.zeros(10), "y": [np.zeros(20), 3]}) == 64 + 80 + 64 + 160 + 64
    assert view.result_bytes("text") == 64
    # a dataclass (the load's minute profile): its fields' buffers
    profile = MinuteProfile(0, np.zeros(50, dtype=np.int32), np.zeros(50, dtype=np.int64))
    assert view.result_bytes(profile) == 64 + 64 + 200 + 400


def test_the_memo_keeps_the_newest_results_within_its_byte_budget(monkeypatch):
    monkeypatch.setattr(view, "MEMO_BYTES", 10 * 1024)
    con, f = duckdb.connect(), StoryFilters()
    computed.clear()
    for n in (4, 3, 2, 5):                        # 14 KB asked for, 10 KB kept: the 4 KB result goes
        assert block_of(con, f, n)[0] == n
    assert view.memo_bytes(con) == (3 + 2 + 5) * 1024
    assert block_of(con, f, 3)[0] == 3 and block_of(con, f, 5)[0] == 5    # kept: not computed again
    assert computed == [4, 3, 2, 5]
    # dropped, so computed again; the least recently used go until it fits: 2 KB, then 3 KB (used before 5)
    assert block_of(con, f, 4)[0] == 4
    assert computed == [4, 3, 2, 5, 4]
    assert view.memo_bytes(con) == (5 + 4) * 1024
    assert block_of(con, f, 5)[0] == 5 and computed == [4, 3, 2, 5, 4]


def test_a_result_over_the_whole_budget_is_still_kept_alone(monkeypatch):
    monkeypatch.setattr(view, "MEMO_BYTES", 1024)
    con, f = duckdb.connect(), StoryFilters()
    computed.clear()
    block_of(con, f, 1)
    block_of(con, f, 4)
    block_of(con, f, 4)
    assert computed == [1, 4]
    assert view.memo_bytes(con) == 4 * 1024


def _tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'view_t%'")
            .fetchall()}


@pytest.fixture
def small_table_budget(monkeypatch):
    """A per-view table budget of 2,000 rows of one column (16,000 bytes) and no grace period."""
    monkeypatch.setattr(view, "VIEW_TABLE_BYTES", 16_000)
    monkeypatch.setattr(view, "TABLE_GRACE_S", 0.0)


def test_the_least_recently_used_view_tables_are_dropped_beyond_the_budget(small_table_budget):
    con = duckdb.connect()
    for name in ("view_t1", "view_t2"):
        view._materialise(con, name, "SELECT range AS x FROM range(800)")       # 6,400 bytes each
    view._materialise(con, "view_t1", "SELECT range AS x FROM range(800)")      # asked for again: t2 is older
    view._materialise(con, "view_t3", "SELECT range AS x FROM range(800)")
    assert _tables(con) == {"view_t1", "view_t3"}
    assert view.view_table_bytes(con) == 2 * 6_400
    view.forget(con)
    assert _tables(con) == set() and view.view_table_bytes(con) == 0


def test_a_view_table_used_within_the_grace_period_is_never_dropped(small_table_budget, monkeypatch):
    monkeypatch.setattr(view, "TABLE_GRACE_S", 3600.0)
    con = duckdb.connect()
    for name in ("view_t1", "view_t2", "view_t3"):
        view._materialise(con, name, "SELECT range AS x FROM range(800)")
    assert _tables(con) == {"view_t1", "view_t2", "view_t3"}     # over the budget, but all just used
    assert view.table_bytes(con, "view_t1") == 6_400
