"""Concurrency minute by minute (analyses.concurrency): by hand, against a brute-force sweep, and a view's profile
measured directly, in pieces and from the whole period's, all equal on a store full of edge cases."""
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from basstory.analyses import concurrency
from basstory.analyses.capacity import concurrency_steps, peak_per_bucket
from basstory.analyses.concurrency import (
    MINUTE_US,
    from_period,
    measure,
    minute_peaks_of_sorted,
    on_grid,
    org_set,
    period_profile,
    view_minute_profile,
)
from basstory.query import intervals
from basstory.query.filters import StoryFilters
from basstory.query.intervals import kept_runs
from basstory.query.shared_results import SharedResults
from basstory.query.tables import connect
from basstory.query.view import share_results
from tests.staged_fixtures import org, run, write_staged

S = 1_000_000


def brute_force(starts_us, ends_us, origin_us, minutes):
    """Each minute's peak and first instant at it, by evaluating the level at every event and minute start."""
    starts_us, ends_us = np.asarray(starts_us, dtype=np.int64), np.asarray(ends_us, dtype=np.int64)
    times, level = concurrency_steps(starts_us, ends_us)
    peaks = peak_per_bucket(times, level, origin_us, MINUTE_US, minutes)
    first_at = []
    for i, peak in enumerate(peaks):
        edge = origin_us + i * MINUTE_US
        candidates = [edge] + [int(t) for t in times if edge < t < edge + MINUTE_US]
        at = [t for t in candidates if int(((starts_us <= t) & (ends_us > t) & (ends_us > starts_us)).sum()) == peak]
        first_at.append(at[0])
    return peaks.tolist(), first_at


def test_three_overlapping_runs_by_hand():
    # runs of 60 s from 0, 20 and 40 s: three under way from 40 s; at 60 s the first ends, so minute 1 carries 2 in
    peaks, first_at = minute_peaks_of_sorted(np.array([0, 20, 40]) * S, np.array([60, 80, 100]) * S, 0, 3)
    assert peaks.tolist() == [3, 2, 0]
    assert (first_at // S).tolist() == [40, 60, 120]


def test_ties_count_ends_before_starts():
    # one run ends at 30 s as two start there: the level after 30 s is 2, never 3
    peaks, first_at = minute_peaks_of_sorted(np.array([0, 30, 30]) * S, np.array([30, 90, 90]) * S, 0, 2)
    assert peaks.tolist() == [2, 2]
    assert (first_at // S).tolist() == [30, 60]


def test_carried_counts_continue_a_sweep():
    # the same runs in two pieces: the second minute knows 3 started and 1 ended before it
    whole = minute_peaks_of_sorted(np.array([0, 20, 40]) * S, np.array([60, 80, 100]) * S, 0, 2)
    second = minute_peaks_of_sorted(np.zeros(0, dtype=np.int64), np.array([60, 80, 100]) * S, MINUTE_US, 1, 3, 0)
    assert second[0].tolist() == whole[0][1:].tolist() and second[1].tolist() == whole[1][1:].tolist()


@pytest.mark.parametrize("seed", range(6))
def test_random_intervals_match_a_brute_force_sweep(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    starts = np.sort(rng.integers(0, 5 * 60, n) * S // rng.choice([1, 10]))       # many ties, some on minute edges
    ends = starts + rng.choice([0, 1, 30, 60, 90, 200], n) * S
    live = ends > starts
    minutes = int(-(-int(ends.max() + 1) // MINUTE_US))
    got = minute_peaks_of_sorted(starts[live], np.sort(ends[live]), 0, minutes)
    assert (got[0].tolist(), got[1].tolist()) == brute_force(starts, ends, 0, minutes)


ORGS = [org("A"), org("B", plan="Premium 5"), org("C", status="Deleted")]


def store_runs(seed: int) -> list[dict]:
    """Full BAS runs over ten Sydney days: bursts on minute edges, ties, runs up to two hours (across midnight and
    the dates' ends), runs of no length, and runs of an out-of-scope org."""
    rng = np.random.default_rng(seed)
    runs = []
    base = pd.Timestamp("2017-03-01 00:00")
    for i in range(400):
        minute = int(rng.integers(0, 10 * 24 * 60))
        second = float(rng.choice([0, 0, 15, 30.5, 59.999999]))
        runtime = float(rng.choice([1e-7, 1.0, 45.0, 60.0, 600.0, 3599.0, 7200.0]))
        when = base + pd.Timedelta(minutes=minute, seconds=second)
        runs.append(run("full", f"u{i % 7}", str(rng.choice(["A", "B", "C"])),
                        local=when.strftime("%Y-%m-%d %H:%M:%S.%f"), runtime=runtime))
        if i % 9 == 0:                                          # a burst at the same instant
            runs += [run("full", f"v{k}", "A", local=when.strftime("%Y-%m-%d %H:%M:%S.%f"), runtime=90.0)
                     for k in range(3)]
    return runs


@pytest.fixture(scope="module", params=[1, 2])
def store(request, tmp_path_factory):
    con = connect(*write_staged(tmp_path_factory.mktemp("concurrency"), store_runs(request.param), ORGS))
    return con, connect(*write_staged(tmp_path_factory.mktemp("concurrency_ref"), store_runs(request.param), ORGS),
                        engine="reference")


VIEWS = [StoryFilters(), StoryFilters(plan_families=("Premium 5",)),
         StoryFilters(statuses=("Active", "Deleted"))] + [
    StoryFilters(start=date(2017, 3, 1) + timedelta(days=a), end=date(2017, 3, 1) + timedelta(days=b), **org_filters)
    for a, b in ((0, 9), (2, 6), (1, 1), (3, 4), (5, 12)) for org_filters in ({}, {"plan_families": ("Premium 5",)})]


def reference_profile(ref, f, origin_us, minutes):
    """The view's minute profile from the reference engine's own runs, by the brute-force sweep."""
    from basstory.analyses.capacity import _full_bas_runs

    starts, ends, _ = _full_bas_runs(ref, f)
    if starts.size == 0:
        return [0] * minutes, [origin_us + i * MINUTE_US for i in range(minutes)]
    return brute_force(starts, ends, origin_us, minutes)


@pytest.mark.parametrize("f", VIEWS)
def test_a_views_profile_is_the_same_however_it_is_measured(store, f, monkeypatch):
    con, ref = store
    monkeypatch.setattr(intervals, "CHUNK_INTERVALS", 7)            # many pieces, each carried into the next
    runs = kept_runs(con, f)
    assert runs is not None
    origin = date_origin = pd.Timestamp("2017-02-28 00:00").value // 1000          # before every run
    minutes = 13 * 24 * 60
    want = reference_profile(ref, f, date_origin, minutes)
    direct = on_grid(measure(runs), origin, minutes)
    assert (direct.peaks.tolist(), direct.first_at_us.tolist()) == want
    period = period_profile(con, org_set(f))
    derived = from_period(runs, period) if runs.from_us is not None else period
    if derived is not None:
        derived = on_grid(derived, origin, minutes)
        assert (derived.peaks.tolist(), derived.first_at_us.tolist()) == want
    assert max(want[0]) > 0


def test_a_short_range_is_measured_directly(store):
    con, _ = store
    runs = kept_runs(con, StoryFilters(start=date(2017, 3, 4), end=date(2017, 3, 4)))
    # a day is longer than the longest run (two hours) plus a minute: the period's middle is used
    period = period_profile(con, org_set(StoryFilters()))
    assert from_period(runs, period) is not None
    short = dict(runs.__dict__, longest_us=30 * 3600 * S)          # were runs up to 30 hours long, it could not be
    assert from_period(type(runs)(**short), period) is None


def test_a_new_date_range_measures_only_its_edges_once_the_period_is_known(tmp_path, monkeypatch):
    con = connect(*write_staged(tmp_path, store_runs(3), ORGS))
    measured = []
    real = concurrency.measure
    monkeypatch.setattr(concurrency, "measure", lambda runs: measured.append(runs.hi - runs.lo) or real(runs))
    most = StoryFilters(start=date(2017, 3, 2), end=date(2017, 3, 9))
    runs = kept_runs(con, most)
    view_minute_profile(con, most)                 # a reader's view, no period profile yet: measured directly
    assert measured == [runs.hi - runs.lo] and not period_profile.known(con, org_set(most))
    view_minute_profile(con, StoryFilters())      # the whole period: its profile is kept
    assert period_profile.known(con, org_set(most))
    measured.clear()
    view_minute_profile(con, StoryFilters(start=date(2017, 3, 3), end=date(2017, 3, 6)))
    # only the runs starting in the first two hours and a minute, and in the two hours before the last day ends
    assert len(measured) == 2 and sum(measured) < (runs.hi - runs.lo) / 2


def test_the_warm_up_builds_the_period_profile_for_a_date_range(tmp_path):
    con = connect(*write_staged(tmp_path / "store", store_runs(3), ORGS))
    share_results(con, SharedResults(tmp_path / "results", writer=True))        # computing for other processes
    view_minute_profile(con, StoryFilters(start=date(2017, 3, 2), end=date(2017, 3, 3)))
    assert period_profile.known(con, org_set(StoryFilters()))


def test_the_default_views_period_profile_is_kept_with_the_version_and_read_by_a_later_connection(tmp_path,
                                                                                                  monkeypatch):
    paths = write_staged(tmp_path / "store", store_runs(4), ORGS)
    folder = paths[0].parent
    first = connect(*paths)
    kept = period_profile(first, org_set(StoryFilters()))
    period_profile(first, org_set(StoryFilters(plan_families=("Premium 5",))))    # a reader's: not kept
    stored = list(folder.glob("period_profile.v1-*.npz"))
    assert len(stored) == 1 and not list(folder.glob(".*.tmp"))
    measured = []
    real = concurrency.measure
    monkeypatch.setattr(concurrency, "measure", lambda runs: measured.append(runs.hi - runs.lo) or real(runs))
    later = connect(*paths)                                          # a server started later: nothing memoised
    assert concurrency.period_profile_ready(later, org_set(StoryFilters()))
    assert not concurrency.period_profile_ready(later, org_set(StoryFilters(plan_families=("Premium 5",))))
    again = period_profile(later, org_set(StoryFilters()))
    assert measured == []
    assert (again.origin_us, again.peaks.tolist(), again.first_at_us.tolist()) == (
        kept.origin_us, kept.peaks.tolist(), kept.first_at_us.tolist())
    # a reader's date range on the later server: its middle from the kept profile, only its edges measured
    f = StoryFilters(start=date(2017, 3, 3), end=date(2017, 3, 7))
    runs = kept_runs(later, f)
    view = view_minute_profile(later, f)
    assert len(measured) == 2 and sum(measured) < (runs.hi - runs.lo) / 2
    direct = real(runs)
    assert on_grid(view, direct.origin_us, direct.peaks.size).peaks.tolist() == direct.peaks.tolist()


@pytest.mark.parametrize("damage", [b"", b"not a profile", "wrong arrays"])
def test_a_damaged_kept_profile_is_measured_again_and_replaced(tmp_path, damage, caplog):
    paths = write_staged(tmp_path / "store", store_runs(5), ORGS)
    kept = period_profile(connect(*paths), org_set(StoryFilters()))
    (stored,) = paths[0].parent.glob("period_profile.v1-*.npz")
    if damage == "wrong arrays":
        with stored.open("wb") as handle:
            np.savez(handle, origin_us=np.int64(0), peaks=np.zeros(3, dtype=np.float64),
                     first_at_us=np.zeros(3, dtype=np.int64))
    else:
        stored.write_bytes(damage)
    again = period_profile(connect(*paths), org_set(StoryFilters()))
    assert again.peaks.tolist() == kept.peaks.tolist() and again.origin_us == kept.origin_us
    assert "cannot be read" in caplog.text
    assert concurrency.read_stored_profile(stored) is not None                  # written again, whole


def test_a_folder_that_cannot_keep_the_profile_only_loses_the_shortcut(tmp_path, monkeypatch, caplog):
    paths = write_staged(tmp_path / "store", store_runs(5), ORGS)

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    con = connect(*paths)
    monkeypatch.setattr(concurrency.os, "replace", refuse)
    profile = period_profile(con, org_set(StoryFilters()))
    assert profile.peaks.size and "could not keep" in caplog.text
    assert not list(paths[0].parent.glob("period_profile*")) and not list(paths[0].parent.glob(".*.tmp"))
