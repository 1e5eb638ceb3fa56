"""Full BAS concurrency minute by minute: each minute's peak and the first instant that reaches it.

Concurrency at an instant is the number of kept intervals [start, end) that hold it (analyses.capacity); it only
rises at a start, so a minute's peak is the level it carries in from before or the level just after one of the
starts inside it, and the level just after a start is (starts so far) - (ends so far, an end at the same instant
first). A minute profile holds, for every whole minute, that peak and the first instant it is reached; the hour
peaks, the view's peak and its instant, and the per-minute percentiles all follow from it.

A view's profile is measured in two ways that give the same numbers:
- *directly*, in pieces of about a million intervals in time order (query.intervals.kept_interval_chunks), carrying
  the counts of starts and ends from piece to piece, so memory stays at a piece whatever the extract's size;
- *from the whole period's profile* of the same org filters (`period_profile`, memoised per view like any
  analysis, so the warm-up's is the server's). No interval is longer than the longest one (L, known at ingest), so
  at an instant t at least L after the view's first day begins and before its last day ends, the intervals under way
  all started inside the view's dates: the view's level there is the whole period's. Only the first minutes (up to
  L after the first day begins) and the last (from the end of the last day on, while its runs finish) are measured
  directly, from the few intervals that start in them. A new date range then costs a few thousand intervals, not
  every one of the view's.

The warm-up builds the default filters' whole-period profile first, and a look-ahead its view's; a reader's view
whose org filters have none yet is measured directly, which costs less than the whole period (`view_minute_profile`).
The default filters' profile is also kept in the version's folder (`STORED_PROFILE`, written once, under a temporary
name and renamed into place), so a server started later, or before its warm-up has run, finds it there; `basstory
ingest` and `refresh` write it with the version.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import numpy as np

from basstory.core.schema import CONTRACT_TZ
from basstory.query.filters import StoryFilters
from basstory.query.intervals import KeptRuns, kept_interval_chunks, kept_runs
from basstory.query.view import computes_ahead, per_view

MINUTE_US = 60 * 1_000_000
#: The whole period's profile of a set of org profiles, kept in the version's folder (for the default view's org
#: filters only: readers' other filters would add a file each). {key}: a digest of the kept org profiles.
STORED_PROFILE = "period_profile.v1-{key}.npz"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MinuteProfile:
    """Concurrency per whole minute from `origin_us` (a multiple of a minute): `peaks[i]` is the highest level in
    minute i, `first_at_us[i]` the first instant of minute i at that level. Minutes outside hold no interval."""
    origin_us: int
    peaks: np.ndarray
    first_at_us: np.ndarray

    @property
    def end_us(self) -> int:
        return self.origin_us + MINUTE_US * int(self.peaks.size)


EMPTY = MinuteProfile(0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64))


def minute_peaks_of_sorted(starts_us: np.ndarray, ends_us: np.ndarray, origin_us: int, minutes: int,
                           started_before: int = 0, ended_before: int = 0, ends_before: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Each minute's peak and the first instant of it, for the minutes origin_us + i·minute (i < `minutes`), from the
    sorted starts and sorted ends (epoch microseconds) that fall in those minutes, with `started_before` and
    `ended_before` intervals started and ended before origin_us; `ends_before` (how many of ends_us are at or
    before each start) when known, else searched."""
    edges = origin_us + MINUTE_US * np.arange(minutes, dtype=np.int64)
    carried = started_before - ended_before
    peaks = (carried + np.searchsorted(starts_us, edges, side="right")
             - np.searchsorted(ends_us, edges, side="right")).astype(np.int64)
    first_at = edges.copy()
    if starts_us.size:
        if ends_before is None:
            ends_before = np.searchsorted(ends_us, starts_us, side="right")
        level = carried + np.arange(1, starts_us.size + 1) - ends_before
        first = np.searchsorted(starts_us, edges, side="left")
        after = np.append(first[1:], starts_us.size)
        occupied = np.flatnonzero(after > first)
        inside = np.maximum.reduceat(level, first[occupied])        # the occupied minutes hold every start
        # the first start of each occupied minute whose level is that minute's highest
        hits = np.flatnonzero(level == np.repeat(inside, after[occupied] - first[occupied]))
        first_hit = hits[np.searchsorted(hits, first[occupied], side="left")]
        higher = inside > peaks[occupied]          # else the level carried into the minute is already its peak
        peaks[occupied[higher]] = inside[higher]
        first_at[occupied[higher]] = starts_us[first_hit[higher]]
    return peaks.astype(np.int32), first_at


def measure(runs: KeptRuns) -> MinuteProfile:
    """The minute profile of `runs`' kept intervals, measured piece by piece."""
    origin, peaks, first_at = None, [], []
    started, ended = 0, 0
    for lo_us, hi_us, starts, ends, ends_before in kept_interval_chunks(runs, MINUTE_US):
        origin = lo_us if origin is None else origin
        p, a = minute_peaks_of_sorted(starts, ends, lo_us, (hi_us - lo_us) // MINUTE_US, started, ended, ends_before)
        peaks.append(p)
        first_at.append(a)
        started += starts.size
        ended += ends.size
    if origin is None:
        return EMPTY
    return MinuteProfile(origin, np.concatenate(peaks), np.concatenate(first_at))


def _floor_minute(instant_us: int) -> int:
    return instant_us // MINUTE_US * MINUTE_US


def _ceil_minute(instant_us: int) -> int:
    return -(-instant_us // MINUTE_US) * MINUTE_US


def _place(target: MinuteProfile, source: MinuteProfile, from_us: int | None, until_us: int | None) -> None:
    """Copy `source`'s minutes in [from_us, until_us) (None: open) into `target`'s (which holds zeros there)."""
    lo = target.origin_us if from_us is None else max(from_us, target.origin_us)
    hi = target.end_us if until_us is None else min(until_us, target.end_us)
    lo, hi = max(lo, source.origin_us), min(hi, source.end_us)
    if hi <= lo or source.peaks.size == 0:
        return
    t0, s0, n = (lo - target.origin_us) // MINUTE_US, (lo - source.origin_us) // MINUTE_US, (hi - lo) // MINUTE_US
    target.peaks[t0:t0 + n] = source.peaks[s0:s0 + n]
    target.first_at_us[t0:t0 + n] = source.first_at_us[s0:s0 + n]


def on_grid(profile: MinuteProfile, origin_us: int, minutes: int) -> MinuteProfile:
    """`profile` on the minutes origin_us + i·minute (i < `minutes`): its own values where it has them, else no
    interval (a peak of 0 from the minute's start)."""
    grid = MinuteProfile(origin_us, np.zeros(minutes, dtype=np.int32),
                         origin_us + MINUTE_US * np.arange(minutes, dtype=np.int64))
    _place(grid, profile, None, None)
    return grid


def from_period(runs: KeptRuns, period: MinuteProfile) -> MinuteProfile | None:
    """`runs`' minute profile from the whole period's of the same org profiles (see the module docstring); None when
    its dates are too short for it (the first and last minutes measured directly would meet)."""
    head_until = None if runs.from_us is None else _ceil_minute(runs.from_us + runs.longest_us)
    tail_from = None if runs.until_us is None else _floor_minute(runs.until_us)
    if head_until is not None and tail_from is not None and head_until >= tail_from:
        return None
    head = EMPTY if head_until is None else measure(runs.between(runs.lo, runs.position(head_until)))
    tail = (EMPTY if tail_from is None
            else measure(runs.between(runs.position(tail_from - runs.longest_us), runs.hi)))
    origin = period.origin_us if runs.from_us is None else _floor_minute(runs.from_us)
    end = period.end_us if tail_from is None else max(tail.end_us if tail.peaks.size else 0, tail_from)
    if end <= origin:
        return EMPTY
    whole = on_grid(EMPTY, origin, (end - origin) // MINUTE_US)
    _place(whole, head, None, head_until)
    _place(whole, period, head_until, tail_from)
    _place(whole, tail, tail_from, None)
    return whole


def org_set(f: StoryFilters) -> StoryFilters:
    """The view's org-level filters alone: the whole period, Full BAS, the contract zone (what its whole-period
    profile depends on)."""
    return replace(f, start=None, end=None, systems=("full",), tz=CONTRACT_TZ)


def default_org_set() -> StoryFilters:
    """The default view's `org_set`: the one whose whole-period profile is kept with the version."""
    return org_set(StoryFilters())


@per_view
def period_profile(con: duckdb.DuckDBPyConnection, org_filters: StoryFilters) -> MinuteProfile:
    """The whole period's minute profile of the org profiles `org_filters` keep (an `org_set`): memoised per view,
    so the app's warm-up hands the default view's to the server through its results; read from the version's folder
    when kept there (`STORED_PROFILE`), and kept there once measured for the default view's org filters."""
    runs = kept_runs(con, org_filters)
    if runs is None:
        return EMPTY
    path = stored_profile_path(runs)
    profile = read_stored_profile(path)
    if profile is None:
        profile = measure(runs)
        if org_filters == default_org_set():
            store_profile(path, profile)
    return profile


def stored_profile_path(runs: KeptRuns) -> Path:
    """Where the whole period's profile of `runs`' org profiles is kept in its version's folder."""
    kept = np.flatnonzero(runs.profile_ok).astype(np.int64)
    return runs.folder / STORED_PROFILE.format(key=hashlib.sha256(kept.tobytes()).hexdigest()[:20])


def read_stored_profile(path: Path) -> MinuteProfile | None:
    """The profile kept at `path`; None when there is none or it cannot be read as one (it is measured again)."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            origin, peaks, first_at = kept["origin_us"], kept["peaks"], kept["first_at_us"]
            if (origin.shape != () or peaks.ndim != 1 or peaks.dtype != np.int32 or first_at.dtype != np.int64
                    or first_at.shape != peaks.shape):
                raise ValueError("not a minute profile")
            return MinuteProfile(int(origin), peaks, first_at)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        _log.warning("the stored Full BAS profile %s cannot be read (%s); measuring it again", path.name, error)
        return None


def store_profile(path: Path, profile: MinuteProfile) -> None:
    """Keep `profile` at `path`: written under a temporary name and renamed into place, so no reader meets half a
    file; a folder that cannot take it (a version deleted meanwhile, no space) only loses the shortcut."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with temporary.open("wb") as handle:
            np.savez(handle, origin_us=np.int64(profile.origin_us), peaks=profile.peaks,
                     first_at_us=profile.first_at_us)
        os.replace(temporary, path)
    except OSError as error:
        _log.warning("could not keep the Full BAS profile with version %s: %s", path.parent.name, error)
        temporary.unlink(missing_ok=True)


def period_profile_ready(con: duckdb.DuckDBPyConnection, org_filters: StoryFilters) -> bool:
    """Whether the whole period's profile of `org_filters` costs no measuring: memoised, saved by another process,
    or kept in the version's folder."""
    if period_profile.known(con, org_filters):
        return True
    runs = kept_runs(con, org_filters)
    return runs is not None and stored_profile_path(runs).exists()


def view_minute_profile(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> MinuteProfile:
    """The view's Full BAS concurrency per minute (EMPTY without a kept interval): from the whole period's profile of
    its org profiles where it can, else measured directly."""
    runs = kept_runs(con, f)
    if runs is None:
        return EMPTY
    orgs = org_set(f)
    whole_period = runs.from_us is None and runs.until_us is None
    # a reader's view whose org filters have no whole-period profile yet is measured directly (cheaper than the whole
    # period); the warm-up and the look-ahead build the profile, which every later date range then derives from
    if not (whole_period or period_profile_ready(con, orgs) or computes_ahead(con)):
        return measure(runs)
    period = period_profile(con, orgs)
    if whole_period:
        return period
    derived = from_period(runs, period)
    return derived if derived is not None else measure(runs)
