"""Full BAS load and capacity (analyses.capacity) on hand-worked intervals, staged runs and series."""
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from basstory.analyses.capacity import (
    capacity_outlook,
    capacity_plan,
    concurrency_steps,
    full_bas_load,
    integral_per_bucket,
    normal_quantile,
    peak_concurrency,
    peak_due_date,
    peak_per_bucket,
    runtime_by_load_decile,
    seasonal_naive_forecast,
)
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

S = 1_000_000          # microseconds per second
MINUTE = 60 * S


def test_three_overlapping_runs_peak_at_second_40():
    # runs of 60 s starting at 0, 20 and 40 s: levels 1, 2, 3 (at 40 s), then 2, 1, 0 as they end at 60, 80, 100 s
    times, level = concurrency_steps(np.array([0, 20, 40]) * S, np.array([60, 80, 100]) * S)
    assert (times // S).tolist() == [0, 20, 40, 60, 80, 100]
    assert level.tolist() == [1, 2, 3, 2, 1, 0]


@pytest.mark.parametrize("starts, ends, peak", [
    ([0, 10], [10, 20], 1),            # one ends exactly when the next starts: never together
    ([0, 0, 0], [5, 5, 5], 3),         # three at the same instant
    ([0, 1], [100, 2], 2),             # one long run holds the other inside it
    ([0], [0], 0),                     # no duration, no load
])
def test_sweep_edges(starts, ends, peak):
    _, level = concurrency_steps(np.array(starts) * S, np.array(ends) * S)
    assert (level.max() if level.size else 0) == peak


def test_peak_per_minute_and_compute_seconds():
    times, level = concurrency_steps(np.array([0, 20, 40]) * S, np.array([60, 80, 100]) * S)
    # minute 0 reaches 3; minute 1 starts at 2 (the first run ended exactly at 60 s); minute 2 is empty
    assert peak_per_bucket(times, level, 0, MINUTE, 3).tolist() == [3, 2, 0]
    # seconds of runtime per minute: 60 + 40 + 20 in minute 0, 20 + 40 in minute 1
    assert integral_per_bucket(times, level, 0, MINUTE, 3).tolist() == pytest.approx([120, 60, 0])


def test_a_long_run_carries_into_minutes_without_events():
    times, level = concurrency_steps(np.array([0]) * S, np.array([150]) * S)
    assert peak_per_bucket(times, level, 0, MINUTE, 4).tolist() == [1, 1, 1, 0]
    assert integral_per_bucket(times, level, 0, MINUTE, 4).tolist() == pytest.approx([60, 60, 30, 0])


ORGS = [org("A"), org("B", status="Deleted")]
RUNS = [
    run("full", "u1", "A", utc="2017-03-01 10:55:00", runtime=600),    # 300 s in hour 10, 300 s in hour 11
    run("full", "u2", "A", utc="2017-03-01 11:00:00", runtime=60),
    run("full", "u3", "A", utc="2017-03-01 11:00:30", runtime=60),     # with u1 and u2: 3 at once at 11:00:30
    run("full", "u4", "B", utc="2017-03-01 11:00:40", runtime=60),     # out of scope: never counted
    run("simple", "u5", "A", utc="2017-03-01 11:00:45"),               # Simple BAS has no runtime
    run("full", "u1", "A", utc="2017-03-01 13:00:00", runtime=0),      # no positive runtime: left out of load
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("capacity"), RUNS, ORGS)


def test_peak_concurrency_from_staged_runs(con):
    assert peak_concurrency(con, StoryFilters()) == {"runs": 3, "at_utc": pd.Timestamp("2017-03-01 11:00:30")}
    assert peak_concurrency(con, StoryFilters(systems=("simple",))) is None


def test_load_by_hand(con):
    load = full_bas_load(con, StoryFilters())
    s = load["summary"]
    assert s["runs"] == 3
    assert s["peak_concurrency"] == 3
    assert s["peak_at_local"] == pd.Timestamp("2017-03-01 22:00:30")          # AEDT, UTC+11
    # hour 10: 300 s of u1; hour 11: 300 s of u1 + 60 + 60
    assert s["peak_hour_compute_s"] == pytest.approx(420)
    assert s["peak_hour_local"] == pd.Timestamp("2017-03-01 22:00")
    assert s["median_hour_compute_s"] == pytest.approx(360)                    # of the two hours: 300 and 420
    assert s["peak_to_median_hour"] == pytest.approx(420 / 360)
    hours = load["busiest_hours"].set_index("hour_utc")
    # Little's law in hour 11: λ = 2 runs / 3600 s, W = 60 s, λW = 1/30; measured 420 / 3600 (u1 started earlier)
    h11 = hours.loc[pd.Timestamp("2017-03-01 11:00")]
    assert h11["littles_l"] == pytest.approx(2 / 3600 * 60)
    assert h11["measured_l"] == pytest.approx(420 / 3600)
    assert h11["peak_concurrency"] == 3
    daily = load["daily"]
    assert daily["compute_s"].sum() == pytest.approx(720)                      # 600 + 60 + 60
    assert daily["peak_concurrency"].tolist() == [3]
    monthly = load["monthly"]
    assert monthly["month"].tolist() == ["2017-03"]
    assert not monthly["complete"].iloc[0]                                     # one day is not a whole month


def test_no_full_bas_runs_means_no_load(con):
    assert full_bas_load(con, StoryFilters(systems=("simple",))) is None
    assert capacity_outlook(con, StoryFilters(statuses=())) == {"load": None, "plan": None}


def test_runtime_by_load_decile(tmp_path):
    # hour 1 has one run of 1 s; hour 2 has three runs of 2, 4 and 6 s: two groups when there are two hours
    runs = [run("full", "u1", "A", utc="2017-03-01 01:10", runtime=1)] + [
        run("full", "u1", "A", utc=f"2017-03-01 02:{m:02d}", runtime=r) for m, r in ((5, 2), (20, 4), (40, 6))]
    deciles = runtime_by_load_decile(staged_connection(tmp_path, runs, ORGS), StoryFilters())
    assert deciles[["decile", "hours", "runs_per_hour_min", "runs"]].values.tolist() == [[1, 1, 1, 1], [2, 1, 3, 3]]
    assert deciles["runtime_median_s"].tolist() == pytest.approx([1, 4])


@pytest.mark.parametrize("level, z", [(0.80, 1.2816), (0.90, 1.6449), (0.95, 1.9600)])
def test_normal_quantile(level, z):
    assert normal_quantile(level) == pytest.approx(z, abs=1e-4)


def test_seasonal_naive_on_a_hand_series():
    # every value is 1.1 × the one three months earlier: each past error is ln 1.1, so σ = ln 1.1
    fc = seasonal_naive_forecast([10, 20, 5, 11, 22, 5.5], season=3, horizon=4, level=0.8)
    assert fc["forecast"].tolist() == [11, 22, 5.5, 11]          # repeats the last season
    assert fc["sigma"].iloc[0] == pytest.approx(math.log(1.1))
    assert fc["errors"].iloc[0] == 3
    assert fc["upper"].iloc[0] == pytest.approx(11 * 1.1 ** normal_quantile(0.8))
    assert fc["lower"].iloc[1] == pytest.approx(22 / 1.1 ** normal_quantile(0.8))


@pytest.mark.parametrize("values", [[1, 2, 3, 4], [0, 0, 0, 0, 0, 0]])
def test_seasonal_naive_needs_two_past_errors(values):
    assert seasonal_naive_forecast(values, season=3) is None


@pytest.mark.parametrize("year, month, due, label", [
    (2018, 2, date(2018, 2, 28), "Q2 agent 28 Feb"),
    (2017, 11, date(2017, 11, 27), "Q1 agent 25 Nov"),     # 25 Nov 2017 is a Saturday
    (2017, 1, date(2017, 1, 23), "Monthly 21st"),          # no quarterly date in January
])
def test_peak_due_date(year, month, due, label):
    assert peak_due_date(year, month) == (due, label)


def test_capacity_plan_by_hand():
    months = pd.date_range("2017-01-01", periods=6, freq="MS")
    monthly = pd.DataFrame({"month": months.strftime("%Y-%m"), "month_start": months,
                            "runs": [100, 200, 100, 110, 220, 100], "peak_concurrency": [2, 4, 2, 3, 5, 2],
                            "complete": True})
    plan = capacity_plan(monthly, headroom=0.25, level=0.8)
    # next quarter repeats Apr-Jun: Jul 3, Aug 5, Sep 2; August is the peak, due 25 Aug 2017 (agent, a Friday)
    assert plan["forecasts"]["peak_concurrency_forecast"].tolist() == [3, 5, 2]
    assert (plan["peak_month"], plan["due_date"], plan["due_label"]) == ("2017-08", date(2017, 8, 25),
                                                                         "Q4 agent 25 Aug")
    assert plan["last_peak"] == {"month": "2017-05", "peak_concurrency": 5}
    # errors ln(3/2), ln(5/4), ln(2/2): σ = sqrt((0.4055² + 0.2231² + 0) / 3) = 0.2672
    assert plan["sigma"] == pytest.approx(0.26720, abs=1e-4)
    # upper = 5 × e^(1.2816 × 0.2672) = 7.04; × 1.25 = 8.80, rounded up to 9
    assert plan["upper"] == pytest.approx(7.042, abs=1e-3)
    assert plan["provision"] == 9


def test_capacity_plan_uses_whole_months_only():
    months = pd.date_range("2017-01-01", periods=6, freq="MS")
    monthly = pd.DataFrame({"month": months.strftime("%Y-%m"), "month_start": months, "runs": 100,
                            "peak_concurrency": 3, "complete": [False, True, True, True, True, False]})
    assert capacity_plan(monthly) is None          # four whole months: one past error only


@pytest.mark.parametrize("hours", [3, 10, 23, 57])
def test_runtime_by_load_from_runs_cuts_hours_as_sql_ntile_does(tmp_path, hours):
    """The numpy deciles (fast engine) equal the SQL ones (ntile over hours ranked by runs, then hour; quantile_cont)
    for hour counts below, at and above ten that do not divide evenly, with ties in runs per hour."""
    import random

    from basstory.analyses.capacity import runtime_by_load_decile, runtime_by_load_from_runs

    rng = random.Random(hours)
    runs = [run("full", f"u{i % 7}", "A", utc=f"2017-03-{1 + h // 24:02d} {h % 24:02d}:{rng.randrange(60):02d}",
                runtime=round(rng.uniform(0.1, 30.0), 6))
            for h in range(hours) for i in range(rng.choice([1, 2, 2, 5, 9]))]
    con = staged_connection(tmp_path / "ref", runs, [org("A")])
    want = runtime_by_load_decile(con, StoryFilters())
    starts = np.array([int(pd.Timestamp(r["run_utc"]).value // 1000) for r in runs], dtype=np.int64)
    by_start = np.argsort(starts, kind="stable")
    got = runtime_by_load_from_runs(starts[by_start], np.array([r["runtime_s"] for r in runs])[by_start])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_exact=False,
                                  rtol=1e-12)
