"""One view — a dataset version seen through the story's filters — aggregated once and shared by every chapter.

The fast engine (query.tables) holds, beside the per-run table, two cubes derived at ingest (ingest.derive):
- `slot_cube`: runs per (org profile, system, UTC half hour), with the half hour's Sydney date, the runs' summed
  runtime and their first and last instant;
- `user_org_month`: runs per (system, user, org, Sydney month), with the org's profile and the first and last run;
- `user_org_day`: the same per Sydney date (read from parquet, sorted by date);
- `org_month`: runs per (system, org, Sydney month), the month cube summed over users.

Every filter is a condition on an org profile, a Sydney date or a system, so a view's slots are the cube's rows that
pass the filters (`slots_sql`), and its user-org-months are the month cube's rows for the months wholly inside the
view's dates plus, for a month the view's dates cut, the same aggregate summed from the day cube's rows of the view's
days in that month (`uom_sql`). Distinct users and orgs over any period then come out exactly.

`per_view` memoises an analysis per (connection, filters, arguments), so chapters that need the same result (the
outage costs, the key facts, the run period) compute it once per view. Results the app's warm-up computed in its
own process reach the memo through files (query.shared_results).
"""
from __future__ import annotations

import atexit
import copy
import dataclasses
import functools
import hashlib
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, timedelta
from typing import TypeVar

import duckdb
import numpy as np
import pandas as pd

from basstory.core.schema import SYSTEMS
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters, org_predicate, run_predicate
from basstory.query.shared_results import SharedResults

T = TypeVar("T")

_log = logging.getLogger(__name__)

#: Results kept per connection (a view's analyses take a few dozen), and the bytes they may take together: at 100x
#: one view's org-level results take about 90 MB, so a server that keeps every view's would grow by that with each
#: view a reader opens. The oldest results go first; a page already built for a view is kept by the app's own cache,
#: and a view's results the warm-up or look-ahead wrote are read from their files again.
MEMO_ENTRIES = 512
MEMO_BYTES = 128 * 2**20

_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Per connection: {memo key: the result's size in bytes (`result_bytes`)}.
_memo_sizes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Per thread: how many memoised analyses it is computing right now (nested ones call each other).
_computing = threading.local()
_memo_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}


#: Results another process computed for a connection's version (the app's warm-up): read on a memo miss, or, in
#: the process that computes them, written after each analysis (`share_results`).
_shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def share_results(con: duckdb.DuckDBPyConnection, results: SharedResults | None) -> None:
    """Hand `con`'s analyses to other processes, or take theirs (as `results.writer` says); None: neither."""
    with _memo_lock:
        if results is None:
            _shared.pop(con, None)
        else:
            _shared[con] = results


def computes_ahead(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` computes for other processes (the app's warm-up or a look-ahead: `share_results` with a writer),
    so no reader waits for it."""
    with _memo_lock:
        shared = _shared.get(con)
    return shared is not None and shared.writer


def per_view(function: Callable[..., T]) -> Callable[..., T]:
    """Memoise `function(con, filters, *args)` per connection: the same view asked twice is computed once, and
    concurrent callers of the same view wait for the first. Callers get their own copy of the result. A result
    another process computed for the same version (`share_results`) is read instead of computed."""
    name = f"{function.__module__}.{function.__qualname__}"

    def memo_key(f: StoryFilters, args: tuple, kwargs: dict) -> tuple:
        return name, f, args, tuple(sorted(kwargs.items()))

    @functools.wraps(function)
    def wrapper(con: duckdb.DuckDBPyConnection, f: StoryFilters, *args, **kwargs):
        key = memo_key(f, args, kwargs)
        with _memo_lock:
            memo = _memos.setdefault(con, OrderedDict())
            if key in memo:
                memo.move_to_end(key)
                return copy.deepcopy(memo[key])
            lock = _key_locks.setdefault((id(con), key), threading.Lock())
            shared = _shared.get(con)
        with lock:
            with _memo_lock:
                if key in memo:
                    return copy.deepcopy(memo[key])
            began = time.perf_counter()
            found, result = shared.load(key) if shared is not None and not shared.writer else (False, None)
            if found:
                _log.debug("%s%s read from the warm-up in %.3f s", "  " * getattr(_computing, "depth", 0), name,
                           time.perf_counter() - began)
            else:
                _computing.depth = getattr(_computing, "depth", 0) + 1
                try:
                    result = function(con, f, *args, **kwargs)
                finally:
                    _computing.depth -= 1
                _log.debug("%s%s computed in %.3f s", "  " * _computing.depth, name, time.perf_counter() - began)
                if shared is not None and shared.writer:
                    shared.save(key, result)
            size = result_bytes(result)
            with _memo_lock:
                memo[key] = result
                sizes = _memo_sizes.setdefault(con, {})
                sizes[key] = size
                while len(memo) > 1 and (len(memo) > MEMO_ENTRIES or sum(sizes.values()) > MEMO_BYTES):
                    oldest, _ = memo.popitem(last=False)
                    sizes.pop(oldest, None)
                _key_locks.pop((id(con), key), None)
        return copy.deepcopy(result)

    def known(con: duckdb.DuckDBPyConnection, f: StoryFilters, *args, **kwargs) -> bool:
        """Whether the view's result is memoised on `con` or was saved by another process: asking costs no
        computing."""
        key = memo_key(f, args, kwargs)
        with _memo_lock:
            if key in _memos.get(con, {}):
                return True
            shared = _shared.get(con)
        return shared is not None and not shared.writer and shared.has(key)

    wrapper.known = known
    return wrapper


def result_bytes(result: object) -> int:
    """About how many bytes an analysis's result holds: its frames' and arrays' buffers (a str column's Arrow buffers
    in full; an object column only as its pointers, not walked string by string), what dicts, lists and tuples hold,
    and a small constant for anything else."""
    if isinstance(result, pd.DataFrame):
        return int(result.memory_usage(index=True, deep=False).sum())
    if isinstance(result, pd.Series | pd.Index):
        return int(result.memory_usage(deep=False))
    if isinstance(result, np.ndarray):
        return int(result.nbytes)
    if isinstance(result, dict):
        return 64 + sum(result_bytes(v) for v in result.values())
    if isinstance(result, list | tuple | set | frozenset):
        return 64 + sum(result_bytes(v) for v in result)
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return 64 + sum(result_bytes(getattr(result, field.name)) for field in dataclasses.fields(result))
    return 64


def memo_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The bytes (`result_bytes`) of the results memoised on `con`."""
    with _memo_lock:
        return sum(_memo_sizes.get(con, {}).values())


def prefetch(con: duckdb.DuckDBPyConnection, f: StoryFilters, *calls: Callable | tuple) -> None:
    """Start the view's `per_view` analyses `calls` (each a function, or a tuple of a function and its further
    arguments) in background threads and return at once: a page that needs several independent analyses gets them
    computed side by side (DuckDB's scans and numpy's sweeps leave a core idle now and then), and asking for one later
    waits for its thread instead of computing it again. A failure is left for the asker to meet."""
    prefix = threading.current_thread().name.split("/")[0]
    for call in calls:
        function, *args = call if isinstance(call, tuple) else (call,)

        def run(function=function, args=args) -> None:
            try:
                function(con, f, *args)
            except Exception:  # noqa: BLE001 - the caller computes it again and sees the error
                _log.debug("prefetch of %s failed", function.__qualname__, exc_info=True)

        thread = threading.Thread(target=run, name=f"{prefix}/prefetch", daemon=True)
        thread.start()
        _prefetching.add(thread)


#: Prefetches under way: the interpreter waits for them at exit (a thread killed inside DuckDB aborts the process).
_prefetching: weakref.WeakSet = weakref.WeakSet()
#: How long the interpreter waits at exit for the prefetches under way, in all.
FINISH_PREFETCHES_S = 30.0


@atexit.register
def _finish_prefetches() -> None:
    """Wait until no prefetch is running (FINISH_PREFETCHES_S at most), the ones that running prefetches start
    meanwhile too (an analysis may prefetch its own parts)."""
    deadline = time.monotonic() + FINISH_PREFETCHES_S
    while (running := [t for t in list(_prefetching) if t.is_alive()]) and time.monotonic() < deadline:
        running[0].join(timeout=max(0.0, deadline - time.monotonic()))


# --- The cubes as the view sees them --------------------------------------------------------------------------------

#: The org attributes every cube view carries from its org profile, so the story's filters apply to it as they
#: apply to the runs.
PROFILE_COLUMNS = ("p.profile_id, p.status, p.paying, p.plan, p.plan_family, p.tax_period, p.channel_type, "
                   "p.managed_by_practice, p.cadence, p.org_key, p.scope")

#: Each cube joined to its profiles, as a view whose rows stand for `runs` (or `chains`) of one kind:
#: view name -> (cube table, its own columns).
CUBE_VIEWS: dict[str, tuple[str, str]] = {
    "slot_runs": ("slot_cube", "c.system, c.bucket, c.run_local_date, c.runs, c.runtime_s, c.runtime_missing, "
                               "c.repeats, c.repeated_heads, c.first_utc, c.last_utc, c.days_before, c.length_us, "
                               "c.compute_us, c.timed_first_us, c.timed_last_us, c.timed_last_end_us"),
    "spill_runs": ("hour_spill", "'full' AS system, c.run_local_date, c.start_us, c.end_us"),
    "uom_runs": ("user_org_month", "c.system, c.user_id, c.org_id, c.month, c.runs, c.first_utc, c.last_utc, "
                                   "c.runtime_s, c.repeats, c.repeats_from_month_before"),
    "uo_runs": ("user_org", "c.system, c.user_id, c.org_id, c.runs, c.first_utc, c.last_utc"),
    "lag_runs": ("lag_cube", "'simple' AS system, c.run_local_date, c.lag, c.runs"),
    "chain_cube_runs": ("chain_cube", "c.system, c.first_date, c.last_date, c.size, c.chains"),
    "chain_runs": ("chains", "c.system, c.user_id, c.org_id, c.chain_no, c.size, c.first_date, c.last_date"),
}


def slots_sql(f: StoryFilters) -> str:
    """SQL: the view's runs per (system, UTC half hour). Columns: system, bucket (epoch seconds // 1800),
    run_local_date (Sydney), runs, runtime_s (summed; NULL when no run has one), runtime_missing (runs without a
    positive runtime), first_utc, last_utc."""
    return (f"SELECT system, bucket, run_local_date, sum(runs) AS runs, sum(runtime_s) AS runtime_s, "
            f"sum(runtime_missing) AS runtime_missing, "
            f"min(first_utc) AS first_utc, max(last_utc) AS last_utc "
            f"FROM slot_runs WHERE {run_predicate(f)} GROUP BY system, bucket, run_local_date")


def view_slots_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: `slots_sql(f)` made once per view into a table (tens of thousands of rows at any scale) that every later
    query of the view reads: the filters are applied to the slot cube once, not once per query."""
    name = "view_slots_" + hashlib.sha256(run_predicate(f).encode()).hexdigest()[:16]
    _materialise(con, name, slots_sql(f))
    return f"SELECT * FROM {name}"


def _months_cut(f: StoryFilters) -> tuple[date | None, date | None]:
    """The first day of the month the view's start cuts, and of the month its end cuts (None when not cut)."""
    start_cut = f.start.replace(day=1) if f.start is not None and f.start.day != 1 else None
    end_cut = None
    if f.end is not None:
        next_day = date.fromordinal(f.end.toordinal() + 1)
        if next_day.day != 1:
            end_cut = f.end.replace(day=1)
    return start_cut, end_cut


def _view_table(prefix: str, f: StoryFilters) -> str:
    """The name of a per-view table: `prefix` and a digest of what the view keeps (its dates and filters)."""
    return prefix + hashlib.sha256(repr((f.start, f.end, run_predicate(f))).encode()).hexdigest()[:16]


def _cut_months(f: StoryFilters) -> list[date]:
    """The first days of the months the view's dates cut (none, one or two), in order."""
    return sorted({m for m in _months_cut(f) if m is not None})


def _whole_months(f: StoryFilters, cut: list[date]) -> list[str]:
    """SQL conditions over a month cube's `month`: the months the view's dates cover wholly."""
    conditions = [f"month <> DATE '{m.isoformat()}'" for m in cut]
    if f.start is not None:
        conditions.append(f"month >= DATE '{f.start.replace(day=1).isoformat()}'")
    if f.end is not None:
        conditions.append(f"month <= DATE '{f.end.replace(day=1).isoformat()}'")
    return conditions


# A view does not see the day before its first, so a repeat whose previous run was then is a chain's first run in the
# view: the cubes count those repeats apart, and a view starting that day takes them off.
def _month_repeats(f: StoryFilters) -> str:
    """SQL over a month cube's row: its repeats within the view (a view starting on a month's 1st)."""
    if f.start is not None and f.start.day == 1:
        return f"repeats - CASE WHEN month = DATE '{f.start.isoformat()}' THEN repeats_from_month_before ELSE 0 END"
    return "repeats"


def _day_repeats(f: StoryFilters) -> str:
    """SQL over a day cube's row: its repeats within the view."""
    if f.start is not None:
        return (f"repeats - CASE WHEN run_local_date = DATE '{f.start.isoformat()}' THEN repeats_from_day_before "
                f"ELSE 0 END")
    return "repeats"


def uom_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's runs per (system, user, org, Sydney month). Columns: system, user_id, org_id, month, runs,
    first_utc, last_utc, profile_id, known (the org is in the org table), runtime_s (summed; NULL when no run has
    one), repeats (runs the same user ran for the same org in the same system at most REPEAT_MINUTES after the
    previous one, within the view). A month the view's dates cut is aggregated from its kept runs (materialised once
    per view); the other months come from the cube."""
    cut = _cut_months(f)
    whole = run_predicate(f.with_(start=None, end=None))
    cube = f"SELECT system, user_id, org_id, month, runs, first_utc, last_utc, profile_id, " \
           f"org_key IS NOT NULL AS known, runtime_s, {_month_repeats(f)} AS repeats " \
           f"FROM uom_runs " \
           f"WHERE {' AND '.join([f'({whole})', *_whole_months(f, cut)])}"
    if not cut:
        return cube
    return f"{cube} UNION ALL SELECT * FROM {_cut_months_table(con, f, cut)}"


def user_orgs_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's runs per (system, user, org) over its whole period. Columns: system, user_id, org_id,
    profile_id, known, runs, first_utc, last_utc. Without dates, the user-org cube's rows the filters keep; with
    dates, summed in one pass (materialised once per view) from the month cube's rows of the months the view covers
    wholly and the day cube's rows of the view's days in the months it cuts."""
    if f.start is None and f.end is None:
        return (f"SELECT system, user_id, org_id, profile_id, org_key IS NOT NULL AS known, runs, first_utc, last_utc "
                f"FROM uo_runs WHERE {run_predicate(f)}")
    name = _view_table("view_uo_", f)
    cut = _cut_months(f)
    parts = [f"SELECT system, user_id, org_id, profile_id, runs, first_utc, last_utc FROM user_org_month "
             f"WHERE ({derived_run_predicate(con, f.with_(start=None, end=None))}) "
             f"AND {' AND '.join(_whole_months(f, cut))}"]
    if cut:
        parts.append(f"SELECT system, user_id, org_id, profile_id, runs, first_utc, last_utc FROM user_org_day "
                     f"WHERE ({derived_run_predicate(con, f)}) AND ({_days_of(cut)})")
    _materialise(con, name, f"""
        SELECT u.system, u.user_id, u.org_id, u.profile_id, p.known, u.runs, u.first_utc, u.last_utc
        FROM (SELECT system, user_id, org_id, any_value(profile_id) AS profile_id, CAST(sum(runs) AS BIGINT) AS runs,
                     min(first_utc) AS first_utc, max(last_utc) AS last_utc
              FROM ({' UNION ALL '.join(parts)}) GROUP BY system, user_id, org_id) u
        JOIN profiles p USING (profile_id)""")
    return f"SELECT * FROM {name}"


def user_runs_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters, users: str) -> str:
    """SQL: the view's runs per (system, user) of the users `users` (a query of user ids) selects. Columns: system,
    user_id, runs. From the month cube's rows of the months the view covers wholly and the day cube's rows of its days
    in the months it cuts, those users' rows only (a few thousand advisers' rows, not every user's)."""
    cut = _cut_months(f)
    whole = [f"({derived_run_predicate(con, f.with_(start=None, end=None))})", *_whole_months(f, cut)]
    parts = [f"SELECT system, user_id, runs FROM user_org_month WHERE {' AND '.join(whole)} AND user_id IN ({users})"]
    if cut:
        parts.append(f"SELECT system, user_id, runs FROM user_org_day "
                     f"WHERE ({derived_run_predicate(con, f)}) AND ({_days_of(cut)}) AND user_id IN ({users})")
    return (f"SELECT system, user_id, CAST(sum(runs) AS BIGINT) AS runs FROM ({' UNION ALL '.join(parts)}) "
            f"GROUP BY system, user_id")


def _cut_days_sql(f: StoryFilters, cut: list[date]) -> str:
    """SQL over the month cube's rows: the row's month is one the view's dates cut and it ran on one of the view's days
    of that month (its `days` bits against the view's)."""
    conditions = []
    for month in cut:
        month_end = _next_month(month) - timedelta(days=1)
        first = max(month, f.start) if f.start is not None else month
        last = min(month_end, f.end) if f.end is not None else month_end
        mask = (1 << last.day) - (1 << (first.day - 1))
        conditions.append(f"(month = DATE '{month.isoformat()}' AND days & {mask} <> 0)")
    return " OR ".join(conditions)


def _next_month(month: date) -> date:
    """The first day of the month after `month` (a month's first day)."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _days_of(months: list[date]) -> str:
    """SQL over `run_local_date`: the date falls in one of `months` (each given by its first day)."""
    return " OR ".join(f"(run_local_date >= DATE '{m.isoformat()}' AND run_local_date < DATE "
                       f"'{_next_month(m).isoformat()}')" for m in months)


def org_months_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's runs of orgs in the org table per (system, org, Sydney month), made once per view into a table
    the org-level chapters share. Columns: system, org_id, month, runs, runtime_s (summed; NULL when no run has one),
    repeats (as uom_sql's), first_utc, last_utc. The org-month cube's rows of the months the view covers wholly, and
    for the months it cuts, the day cube's rows of its days summed per org and month."""
    name = _view_table("view_om_", f)
    cut = _cut_months(f)
    known = f"list_contains({_profiles_where(con, 'known')}::INTEGER[], profile_id)"
    parts = [f"SELECT system, org_id, month, runs, runtime_s, {_month_repeats(f)} AS repeats, first_utc, last_utc "
             f"FROM org_month WHERE ({derived_run_predicate(con, f.with_(start=None, end=None))}) AND {known}"
             + "".join(f" AND {m}" for m in _whole_months(f, cut))]
    if cut:
        parts.append(f"""
            SELECT system, org_id, CAST(date_trunc('month', run_local_date) AS DATE) AS month,
                   CAST(sum(runs) AS BIGINT) AS runs, sum(runtime_s) AS runtime_s,
                   CAST(sum({_day_repeats(f)}) AS BIGINT) AS repeats, min(first_utc) AS first_utc,
                   max(last_utc) AS last_utc
            FROM user_org_day WHERE ({derived_run_predicate(con, f)}) AND {known} AND ({_days_of(cut)})
            GROUP BY system, org_id, month""")
    _materialise(con, name, " UNION ALL ".join(parts))
    return f"SELECT * FROM {name}"


def profile_days_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: the runs per (org profile, system, Sydney date), whatever the view: the slot cube summed over its half
    hours, made once per connection (a fifteenth of the cube's rows at 100x). Columns: profile_id, system,
    run_local_date, runs."""
    _materialise(con, "profile_days", "SELECT profile_id, system, run_local_date, sum(runs) AS runs "
                                      "FROM slot_cube GROUP BY profile_id, system, run_local_date")
    return "SELECT * FROM profile_days"


def profile_due_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: the days from each Sydney date to the next due date of an org profile's cadence, for the (profile, date)s
    with runs and a due date (the per-run `days_before` depends on nothing else), made once per connection from the
    slot cube. Columns: profile_id, run_local_date, days_before."""
    _materialise(con, "profile_due", "SELECT DISTINCT profile_id, run_local_date, days_before FROM slot_cube "
                                     "WHERE days_before IS NOT NULL")
    return "SELECT * FROM profile_due"


def _materialise(con: duckdb.DuckDBPyConnection, name: str, select: str) -> None:
    """Create table `name` from `select` once (concurrent callers wait for the first), remembered for eviction."""
    with _memo_lock:
        lock = _key_locks.setdefault((id(con), name), threading.Lock())
    with lock:
        cursor = open_cursor(con)
        try:
            exists = cursor.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = $1", [name]).fetchone()[0]
            if not exists:
                cursor.execute(f"CREATE TABLE IF NOT EXISTS {name} AS {select}")
                _remember_table(con, name)
            else:
                _touch_table(con, name)
        finally:
            cursor.close()
            with _memo_lock:
                _key_locks.pop((id(con), name), None)


def kept_profiles(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> list[int]:
    """The org profiles (org attribute combinations) the view's org-level filters keep."""
    return _profiles_where(con, org_predicate(f))


def _profiles_where(con: duckdb.DuckDBPyConnection, condition: str) -> list[int]:
    """The org profiles for which the SQL `condition` holds, in order; asked once per connection and condition (a
    version's profiles never change, and a view asks for its kept profiles a few times per chapter)."""
    known = _profile_sets.setdefault(con, {})
    if condition not in known:
        cursor = open_cursor(con)
        try:
            rows = cursor.execute(f"SELECT profile_id FROM profiles WHERE {condition} ORDER BY profile_id")
            known[condition] = [int(r[0]) for r in rows.fetchall()]
        finally:
            cursor.close()
    return list(known[condition])


#: Per connection: a profile condition's SQL -> the profiles it keeps (`_profiles_where`).
_profile_sets: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def derived_run_predicate(con: duckdb.DuckDBPyConnection, f: StoryFilters, prefix: str = "") -> str:
    """SQL boolean over `runs_derived` (or the user-org-day cube) itself, true for the runs the filters keep: the
    org-level filters as the set of kept profiles, so a scan needs no join and reads only the columns it selects (the
    dates prune its row groups). `prefix` qualifies the columns ('d.' for a table named d in a join)."""
    parts = [f"list_contains({kept_profiles(con, f)}::INTEGER[], {prefix}profile_id)"]
    if f.start is not None:
        parts.append(f"{prefix}run_local_date >= DATE '{f.start.isoformat()}'")
    if f.end is not None:
        parts.append(f"{prefix}run_local_date <= DATE '{f.end.isoformat()}'")
    if tuple(f.systems) != SYSTEMS:
        parts.append(f"list_contains({list(f.systems)}::VARCHAR[], {prefix}system)")
    return " AND ".join(f"({p})" for p in parts)


def _cut_months_table(con: duckdb.DuckDBPyConnection, f: StoryFilters, cut: list[date]) -> str:
    """A table (made once per view, dropped with the oldest views) of the user-org-months of the months the view's
    dates cut, summed from the user-org-day cube's rows of the view's days in those months (the cube is sorted by
    date: only their row groups are read)."""
    name = _view_table("view_uom_", f)
    _materialise(con, name, f"""
        SELECT c.system, c.user_id, c.org_id, c.month, c.runs, c.first_utc, c.last_utc, c.profile_id,
               p.known AS known, c.runtime_s, c.repeats
        FROM (SELECT system, user_id, org_id, CAST(date_trunc('month', run_local_date) AS DATE) AS month,
                     CAST(sum(runs) AS BIGINT) AS runs, min(first_utc) AS first_utc, max(last_utc) AS last_utc,
                     any_value(profile_id) AS profile_id, sum(runtime_s) AS runtime_s,
                     CAST(sum({_day_repeats(f)}) AS BIGINT) AS repeats
              FROM user_org_day WHERE ({derived_run_predicate(con, f)}) AND ({_days_of(cut)})
              GROUP BY system, user_id, org_id, month) c
        JOIN profiles p USING (profile_id)""")
    return name


#: Per-view tables kept per connection, the least recently used dropped first, and the bytes they may take together
#: (as `table_bytes` estimates them): at 100x one view's org-month and key tables take about 80 MB. A table used in
#: the last TABLE_GRACE_S seconds is never dropped, so a query about to read the tables it just asked for finds
#: them (the budget may be passed meanwhile).
VIEW_TABLES = 64
VIEW_TABLE_BYTES = 256 * 2**20
TABLE_GRACE_S = 10.0
#: Per connection: {table name: [its estimated bytes, when it was last asked for (time.monotonic)]}, least recently
#: used first.
_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def table_bytes(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """About how many bytes table `name` holds: its rows times its columns times 8 (DuckDB's estimate of the rows)."""
    cursor = open_cursor(con)
    try:
        row = cursor.execute("SELECT estimated_size, column_count FROM duckdb_tables() WHERE table_name = $1",
                             [name]).fetchone()
    finally:
        cursor.close()
    return 0 if row is None else int(row[0] or 0) * int(row[1] or 0) * 8


def view_table_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The estimated bytes of the per-view tables kept on `con`."""
    with _memo_lock:
        return sum(size for size, _ in _tables.get(con, {}).values())


def _touch_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Note that `name` is in use now (the least recently used tables are dropped first)."""
    with _memo_lock:
        tables = _tables.get(con)
        if tables is not None and name in tables:
            tables[name][1] = time.monotonic()
            tables.move_to_end(name)


def _remember_table(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Keep `name` among `con`'s per-view tables, dropping the least recently used beyond VIEW_TABLES or
    VIEW_TABLE_BYTES, but none used in the last TABLE_GRACE_S seconds."""
    size = table_bytes(con, name)
    now = time.monotonic()
    with _memo_lock:
        tables = _tables.setdefault(con, OrderedDict())
        tables[name] = [size, now]
        tables.move_to_end(name)
        dropped = []
        for old, (_, used) in list(tables.items()):
            over = len(tables) > VIEW_TABLES or sum(b for b, _ in tables.values()) > VIEW_TABLE_BYTES
            if not over:
                break
            if now - used >= TABLE_GRACE_S:
                del tables[old]
                dropped.append(old)
    _drop_tables(con, dropped)


def _drop_tables(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    cursor = open_cursor(con)
    try:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
    finally:
        cursor.close()


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the cube views (CUBE_VIEWS) and the month sets (`user_org_month_set`) on a fast-engine connection
    (query.tables calls this)."""
    for name, (table, columns) in CUBE_VIEWS.items():
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {columns}, {PROFILE_COLUMNS} "
                    f"FROM {table} c JOIN profiles p USING (profile_id)")
    first, last = con.execute("SELECT min(month), max(month) FROM user_org_month").fetchone()
    if first is None or _month_index(first, last) >= MONTH_BITS:
        return                       # no runs, or more months than bits: user_org_keys_sql sums the cube instead
    con.execute(f"""CREATE OR REPLACE TABLE user_org_month_set AS
                    SELECT system, user_id, org_id, any_value(profile_id) AS profile_id,
                           bit_or(CAST(1 AS HUGEINT) << date_diff('month', DATE '{first.isoformat()}', month))
                               AS months
                    FROM user_org_month GROUP BY system, user_id, org_id""")
    with _memo_lock:
        _month_origins[con] = first


#: The months a (system, user, org) ran in, as the bits of a HUGEINT counted from the month cube's first month
#: (`user_org_month_set`, made when a connection opens: half a second at 100x). Extracts spanning more months than
#: this get no month sets.
MONTH_BITS = 127
_month_origins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _month_index(origin: date, month: date) -> int:
    return (month.year - origin.year) * 12 + month.month - origin.month


def _whole_month_bits(f: StoryFilters, origin: date) -> tuple[int, int]:
    """The month-set bits (first, last; empty when first > last) of the months the view's dates cover wholly."""
    start_cut, end_cut = _months_cut(f)
    first = 0 if f.start is None else _month_index(origin, f.start.replace(day=1)) + (start_cut is not None)
    last = MONTH_BITS - 1 if f.end is None else _month_index(origin, f.end.replace(day=1)) - (end_cut is not None)
    return max(first, 0), min(last, MONTH_BITS - 1)


def user_org_keys_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's (system, user, org) with at least one run — all that exact distinct counts of users and orgs
    need. Columns: system, user_id, org_id, profile_id, known. With dates, made once per view from the month sets'
    rows with a month the view covers wholly (one bitwise AND per row) and, for the months it cuts, the month cube's
    rows whose day bits meet the view's days; without month sets (or dates), the columns of `user_orgs_sql`."""
    origin = _month_origins.get(con)

    def summed() -> str:                 # no month sets, no dates, or nothing to read: from the view's sums
        return f"SELECT system, user_id, org_id, profile_id, known FROM ({user_orgs_sql(con, f)})"

    if (f.start is None and f.end is None) or origin is None:
        return summed()
    name = _view_table("view_uk_", f)
    cut = _cut_months(f)
    first, last = _whole_month_bits(f, origin)
    parts = []
    if first <= last:
        bits = (1 << (last + 1)) - (1 << first)
        parts.append(f"SELECT system, user_id, org_id, profile_id FROM user_org_month_set "
                     f"WHERE ({derived_run_predicate(con, f.with_(start=None, end=None))}) "
                     f"AND (months & CAST('{bits}' AS HUGEINT)) <> 0")
    if cut:        # a month the view cuts: the month cube's rows with a run on one of the view's days
        parts.append(f"SELECT system, user_id, org_id, profile_id FROM user_org_month "
                     f"WHERE ({derived_run_predicate(con, f.with_(start=None, end=None))}) "
                     f"AND ({_cut_days_sql(f, cut)})")
    if not parts:
        return summed()
    _materialise(con, name, f"""
        SELECT k.system, k.user_id, k.org_id, k.profile_id, p.known
        FROM (SELECT DISTINCT system, user_id, org_id, profile_id FROM ({' UNION ALL '.join(parts)})) k
        JOIN profiles p USING (profile_id)""")
    return f"SELECT * FROM {name}"


#: `monthly_people_sql`'s name for both systems together.
EITHER_SYSTEM = "either"


def monthly_people_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str | None:
    """SQL: the view's distinct users and orgs with a run per (system, Sydney month), for the months with one; system
    is 'full', 'simple' or EITHER_SYSTEM (both together: a user of both counts once). Columns: system, month, users,
    orgs, known_orgs (those in the org table).

    Each user and each org is one row, with the systems it used as bits (per month or as month sets), so every count
    is a count of rows, never a distinct count. For a month the view covers wholly, from the month sets: a user's or
    an org's months per system are one bitwise OR of its kept rows, and a month's count is how many have its bit
    (0.5 s at 100x, where counting distinct keys per month of the month cube takes 1.2-1.5 s); for a month the view's
    dates cut, from the month cube's rows whose day bits meet the view's days. Made once per view. None without month
    sets."""
    origin = _month_origins.get(con)
    if origin is None:
        return None
    last_month = con.execute("SELECT max(month) FROM user_org_month").fetchone()[0]
    cut = _cut_months(f)
    first, last = _whole_month_bits(f, origin)
    last = min(last, _month_index(origin, last_month))       # a count per month with data, not per bit
    systems = (("full", "system = 'full'"), ("simple", "system = 'simple'"), (EITHER_SYSTEM, "true"))
    parts = []
    if first <= last:
        kept = derived_run_predicate(con, f.with_(start=None, end=None))
        sets = ", ".join(f"bit_or(months) FILTER (WHERE {test}) AS m_{name}" for name, test in systems)

        def has(name: str, bit: int) -> str:
            return f"(m_{name} >> {bit}) & 1 = 1"

        counts = ", ".join(f"count(*) FILTER (WHERE {has(name, i)}) AS {name}_{i}"
                           for name, _ in systems for i in range(first, last + 1))
        org_counts = ", ".join(f"count(*) FILTER (WHERE {has(name, i)}) AS {name}_{i}, "
                               f"count(*) FILTER (WHERE known AND {has(name, i)}) AS {name}_known_{i}"
                               for name, _ in systems for i in range(first, last + 1))
        rows = ", ".join(f"{{'system': '{name}', 'month': {i}, 'users': u.{name}_{i}, 'orgs': o.{name}_{i}, "
                         f"'known_orgs': o.{name}_known_{i}}}" for name, _ in systems for i in range(first, last + 1))
        parts.append(f"""
            SELECT m.system, CAST(DATE '{origin.isoformat()}' + to_months(m.month) AS DATE) AS month, m.users,
                   m.orgs, m.known_orgs
            FROM (SELECT unnest([{rows}]) AS m
                  FROM (SELECT {counts} FROM (SELECT {sets} FROM user_org_month_set WHERE {kept}
                                              GROUP BY user_id)) u,
                       (SELECT {org_counts} FROM (SELECT {sets}, bool_or(p.known) AS known
                                                  FROM user_org_month_set JOIN profiles p USING (profile_id)
                                                  WHERE {kept} GROUP BY org_id)) o)
            WHERE m.users > 0""")
    if cut:
        used = "bit_or(CASE WHEN system = 'full' THEN 1 ELSE 2 END)"
        bits = {"full": "used & 1 <> 0", "simple": "used & 2 <> 0", EITHER_SYSTEM: "true"}
        counts = ", ".join(f"count(*) FILTER (WHERE {test}) AS {name}" for name, test in bits.items())
        org_counts = ", ".join(f"count(*) FILTER (WHERE {test}) AS {name}, "
                               f"count(*) FILTER (WHERE known AND {test}) AS {name}_known"
                               for name, test in bits.items())
        rows = ", ".join(f"{{'system': '{name}', 'users': u.{name}, 'orgs': o.{name}, 'known_orgs': o.{name}_known}}"
                         for name in bits)
        parts.append(f"""
            WITH d AS (SELECT system, user_id, org_id, profile_id, month FROM user_org_month
                       WHERE ({derived_run_predicate(con, f.with_(start=None, end=None))})
                             AND ({_cut_days_sql(f, cut)})),
            u AS (SELECT month, {counts} FROM (SELECT month, {used} AS used FROM d GROUP BY month, user_id)
                  GROUP BY month),
            o AS (SELECT month, {org_counts}
                  FROM (SELECT month, {used} AS used, bool_or(p.known) AS known
                        FROM d JOIN profiles p USING (profile_id) GROUP BY month, org_id)
                  GROUP BY month)
            SELECT m.system, month, m.users, m.orgs, m.known_orgs
            FROM (SELECT month, unnest([{rows}]) AS m FROM u JOIN o USING (month))
            WHERE m.users > 0""")
    if not parts:
        return ("SELECT CAST(NULL AS VARCHAR) AS system, CAST(NULL AS DATE) AS month, 0 AS users, 0 AS orgs, "
                "0 AS known_orgs WHERE false")
    name = _view_table("view_mp_", f)           # a few dozen rows, shared by the chapters that count people by month
    _materialise(con, name, " UNION ALL ".join(f"SELECT * FROM ({part})" for part in parts))
    return f"SELECT * FROM {name}"


def forget(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every view's memoised results and per-view tables on `con`: its next build of any view is computed as
    the first (the page benchmark times new views this way)."""
    with _memo_lock:
        _memos.pop(con, None)
        _memo_sizes.pop(con, None)
        names = list(_tables.pop(con, {}))
    _drop_tables(con, names)


__all__ = ["CUBE_VIEWS", "EITHER_SYSTEM", "computes_ahead", "forget", "install", "memo_bytes", "monthly_people_sql",
           "org_months_sql", "per_view", "profile_days_sql", "profile_due_sql", "result_bytes", "share_results",
           "slots_sql", "table_bytes", "user_org_keys_sql", "user_orgs_sql", "user_runs_sql", "uom_sql",
           "view_table_bytes"]
