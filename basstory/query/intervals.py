"""A view's Full BAS intervals, read from the arrays derived at ingest (ingest.derive) instead of from every run.

The arrays are sorted by start and by end, and memory-mapped: a view's date range is a contiguous slice of the start
order (Sydney dates follow UTC instants), and its ends lie between its first start and its last start plus the
longest interval, so a view reads only that part of the files. The org-level filters are a mask over org profiles.
`kept_interval_chunks` hands the kept intervals over piece by piece, in time order, so that the concurrency they add
up to (analyses.concurrency) needs a byte per interval of the view and a piece (about 40 MB) of memory.
"""
from __future__ import annotations

import json
import mmap
import os
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np

from basstory.core.schema import CONTRACT_TZ
from basstory.ingest.derive import (
    FULL_ENDS,
    FULL_ENDS_BEFORE_START,
    FULL_INTERVALS_SUMMARY,
    FULL_STARTS,
    FULL_ZERO_LENGTH,
)
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters
from basstory.query.view import kept_profiles

_folders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Intervals handed over per piece by `kept_interval_chunks` (about 40 bytes each while a piece is worked on).
CHUNK_INTERVALS = 1 << 20


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Remember where `con`'s version keeps its derived arrays (query.tables calls this), and ask the system to
    read them into its file cache now, in the background: the first view's load then finds them there."""
    _folders[con] = folder
    for path in sorted(folder.glob("full_*.npy")):
        _read_ahead(path)


def _read_ahead(path: Path) -> None:
    """Start reading `path` into the system's file cache and return at once (where the system offers it)."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass                      # only a hint
    finally:
        os.close(descriptor)


def _day_start_us(day: date) -> int:
    """The first instant (epoch microseconds UTC) whose Sydney date is `day`."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(CONTRACT_TZ))
    return (local.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _load(folder: Path, name: str) -> np.ndarray:
    """The whole array, memory-mapped (for a binary search: it touches a few pages)."""
    return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)


def _load_range(folder: Path, name: str, lo: int, hi: int) -> np.ndarray:
    """Elements lo..hi-1 of the array, memory-mapped with their pages loaded in one call (MAP_POPULATE where the
    system has it): a view reads most of its range, and taking it page by page on first touch costs far more, on
    a virtual machine most of all."""
    whole = _load(folder, name)
    if hi <= lo:
        return whole[0:0]
    itemsize = whole.dtype.itemsize
    start = whole.offset + lo * itemsize
    aligned = start - start % mmap.ALLOCATIONGRANULARITY
    with open(folder / f"{name}.npy", "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), start - aligned + (hi - lo) * itemsize, offset=aligned,
                           flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0), prot=mmap.PROT_READ)
    return np.frombuffer(mapped, dtype=whole.dtype, count=hi - lo, offset=start - aligned)


@dataclass(frozen=True)
class KeptRuns:
    """Which Full BAS intervals a view keeps: those at positions lo..hi-1 of the start order (its dates) whose org
    profile `profile_ok` marks (its org-level filters). `from_us` / `until_us` are the instants its dates begin and
    end at (None for an open end): every interval at those positions starts in [from_us, until_us)."""
    folder: Path
    lo: int
    hi: int
    from_us: int | None
    until_us: int | None
    profile_ok: np.ndarray
    longest_us: int
    total: int

    def position(self, instant_us: int) -> int:
        """How many intervals start before `instant_us` (a position in the start order)."""
        return int(np.searchsorted(_load(self.folder, FULL_STARTS[0]), instant_us, side="left"))

    def between(self, lo: int, hi: int) -> KeptRuns:
        """The same profiles at positions lo..hi-1 (within this one's)."""
        return KeptRuns(self.folder, max(lo, self.lo), min(hi, self.hi), self.from_us, self.until_us,
                        self.profile_ok, self.longest_us, self.total)


def kept_runs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> KeptRuns | None:
    """The view's Full BAS intervals (see KeptRuns); None when the view keeps no Full BAS run or the version has no
    interval."""
    folder = _folders[con]
    starts_us = _load(folder, FULL_STARTS[0])
    if "full" not in f.systems or starts_us.size == 0:
        return None
    from_us = None if f.start is None else _day_start_us(f.start)
    until_us = None if f.end is None else _day_start_us(f.end + timedelta(days=1))
    lo = 0 if from_us is None else int(np.searchsorted(starts_us, from_us, side="left"))
    hi = starts_us.size if until_us is None else int(np.searchsorted(starts_us, until_us, side="left"))
    if hi <= lo:
        return None
    cursor = open_cursor(con)
    try:
        top = int(cursor.execute("SELECT max(profile_id) FROM profiles").fetchone()[0] or 0)
    finally:
        cursor.close()
    profile_ok = np.zeros(top + 1, dtype=bool)
    profile_ok[np.asarray(kept_profiles(con, f), dtype=np.int64)] = True
    longest = json.loads((folder / FULL_INTERVALS_SUMMARY).read_text(encoding="utf-8"))["longest_us"]
    return KeptRuns(folder, lo, hi, from_us, until_us, profile_ok, int(longest), int(starts_us.size))


def _kept_mask(runs: KeptRuns, lo: int, hi: int) -> np.ndarray:
    """For positions lo..hi-1: whether the run is kept (its profile) and its interval has a length."""
    profiles = _load_range(runs.folder, FULL_STARTS[2], lo, hi)
    keep = np.take(runs.profile_ok, profiles, mode="clip")
    zero = _load(runs.folder, FULL_ZERO_LENGTH)
    zero = zero[(zero >= lo) & (zero < hi)]
    keep[zero - lo] = False                            # rare: a runtime under half a microsecond
    return keep


def kept_interval_chunks(runs: KeptRuns, grain_us: int
                         ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray, np.ndarray]]:
    """The kept intervals with a length, piece by piece in time order: (from_us, until_us, starts, ends,
    ends_before), the pieces' bounds whole multiples of `grain_us` and each next to the one before, `starts` the kept
    starts in [from_us, until_us) and `ends` the kept intervals' ends in it, both ascending, and `ends_before` for
    each of `starts` how many of `ends` are at or before it (from the end positions counted at ingest: a look-up,
    not a search). The first piece begins at the grain of the first kept start; the last ends after the last kept
    end. Nothing when no interval is kept."""
    folder, lo, hi = runs.folder, runs.lo, runs.hi
    if hi <= lo:
        return
    keep = _kept_mask(runs, lo, hi)                  # a byte per position: the only array as long as the view
    if not keep.any():
        return
    starts_all = _load(folder, FULL_STARTS[0])
    ends_all = _load(folder, FULL_ENDS[0])
    first_kept, last_kept = int(np.argmax(keep)), hi - lo - 1 - int(np.argmax(keep[::-1]))
    first_start, last_start = int(starts_all[lo + first_kept]), int(starts_all[lo + last_kept])
    # the kept intervals end in (first_start, last_start + longest]
    e_lo = int(np.searchsorted(ends_all, first_start, side="right"))
    e_hi = int(np.searchsorted(ends_all, last_start + runs.longest_us, side="right"))
    origin = first_start // grain_us * grain_us
    stop = -(-(int(ends_all[e_hi - 1]) + 1) // grain_us) * grain_us if e_hi > e_lo else origin + grain_us
    # bounds every `chunk` positions, on the grain; the last one after every end
    marks = starts_all[lo:hi:CHUNK_INTERVALS][1:]
    bounds = np.unique(np.concatenate([[origin], (np.asarray(marks, dtype=np.int64) // grain_us) * grain_us, [stop]]))
    bounds = bounds[(bounds >= origin) & (bounds <= stop)]
    start_at = np.searchsorted(starts_all[lo:hi], bounds, side="left") + lo
    end_at = np.clip(np.searchsorted(ends_all, bounds, side="left"), e_lo, e_hi)
    for k in range(bounds.size - 1):
        s0, s1, f0, f1 = int(start_at[k]), int(start_at[k + 1]), int(end_at[k]), int(end_at[k + 1])
        here = keep[s0 - lo:s1 - lo]
        starts = _load_range(folder, FULL_STARTS[0], s0, s1)[here]
        owner = _load_range(folder, FULL_ENDS[1], f0, f1).astype(np.int64) - lo       # the run's place in [lo, hi)
        mine = (owner >= 0) & (owner < hi - lo)
        mine &= np.take(keep, owner, mode="clip")
        # every end at or before a start of this piece lies at a position from f0 on (ends before the piece's
        # start, or before the first kept start, come before f0) and before f1
        mine_so_far = np.zeros(f1 - f0 + 1, dtype=np.int64)
        np.cumsum(mine, out=mine_so_far[1:])
        before = _load_range(folder, FULL_ENDS_BEFORE_START, s0, s1)[here].astype(np.int64) - f0
        ends_before = np.take(mine_so_far, before, mode="clip")
        yield int(bounds[k]), int(bounds[k + 1]), starts, _load_range(folder, FULL_ENDS[0], f0, f1)[mine], ends_before


def kept_full_bas_runtimes(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple[np.ndarray, np.ndarray]:
    """The view's kept Full BAS runs with a positive runtime: their starts (epoch microseconds UTC, ascending) and
    runtimes (seconds, aligned), from the version's derived arrays."""
    runs = kept_runs(con, f)
    if runs is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    keep = np.take(runs.profile_ok, _load_range(runs.folder, FULL_STARTS[2], runs.lo, runs.hi), mode="clip")
    if not keep.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    starts = _load_range(runs.folder, FULL_STARTS[0], runs.lo, runs.hi)
    runtimes = _load_range(runs.folder, FULL_STARTS[1], runs.lo, runs.hi)
    if keep.all():
        return starts, runtimes
    return starts[keep], runtimes[keep]
