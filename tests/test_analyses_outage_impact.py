"""Who an outage window would disturb (analyses.outage_impact), on hand-worked staged datasets."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from basstory.analyses.outage import BUCKET_SECONDS, outage_window_costs
from basstory.analyses.outage_impact import (
    METRICS,
    OUTSIDE_DUE_WEEKS,
    WINDOW_BUCKETS,
    available_metrics,
    best_windows,
    choice_by_metric,
    clock_changes,
    distinct_per_window,
    due_week_costs,
    due_week_days,
    occurrence_metrics,
    window_impact,
    window_metrics,
)
from basstory.query.filters import UNKNOWN_ORG_STATUS, StoryFilters
from basstory.query.tables import connect, is_fast
from tests.staged_fixtures import org, run, staged_connection, write_staged

ORGS = [org("A"), org("B"), org("C", status="Deleted")]
# February and March 2017 (AEDT, UTC+11 throughout); window (day 10, 14:00-16:00) holds:
RUNS = [
    run("full", "u1", "A", local="2017-02-01 00:00", runtime=1),    # first run
    run("full", "u1", "A", local="2017-02-10 14:10", runtime=10),   # Feb: 3 runs, users u1 u2, orgs A B, 60 s
    run("full", "u1", "A", local="2017-02-10 14:50", runtime=20),
    run("full", "u2", "B", local="2017-02-10 15:40", runtime=30),
    run("full", "u9", "C", local="2017-02-10 15:00", runtime=99),   # out of scope: never counted
    run("full", "u2", "A", local="2017-03-10 14:20", runtime=5),    # Mar: 1 run, user u2, org A, 5 s
    run("full", "u1", "A", local="2017-03-31 23:59", runtime=1),    # last run
]
WINDOW = (10, 14 * 60)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("impact"), RUNS, ORGS)


def test_users_and_orgs_in_each_occurrence(con):
    occ = occurrence_metrics(con, StoryFilters(), "full", (WINDOW,)).set_index("month")
    assert occ.loc["2017-02", ["runs", "users", "orgs", "compute_s"]].tolist() == [3, 2, 2, 60]
    assert occ.loc["2017-03", ["runs", "users", "orgs", "compute_s"]].tolist() == [1, 1, 1, 5]
    assert occ.loc["2017-02", "start_utc"] == pd.Timestamp("2017-02-10 03:00")
    quiet = occurrence_metrics(con, StoryFilters(), "full", ((5, 0),))             # no run in either occurrence
    assert quiet[["runs", "users", "orgs", "compute_s"]].values.tolist() == [[0, 0, 0, 0], [0, 0, 0, 0]]


def test_window_metrics_agree_with_the_default_method(con):
    metrics = window_metrics(con, StoryFilters(), "full")
    costs = outage_window_costs(con, StoryFilters(), "full")
    assert len(metrics) == 28 * 48
    assert metrics[["day", "start_minute", "runs_mean"]].equals(costs[["day", "start_minute", "runs_mean"]])
    row = metrics.set_index(["day", "start_minute"]).loc[WINDOW]
    assert row[["runs_mean", "users_mean", "orgs_mean", "compute_s_mean"]].tolist() == [2, 1.5, 1.5, 32.5]
    assert row[["users_max", "orgs_max", "compute_s_max"]].tolist() == [2, 2, 60]
    for metric in METRICS:
        assert sorted(metrics[f"rank_{metric}"]) == list(range(1, len(metrics) + 1))


def test_window_metrics_without_distinct_counts_leave_out_only_users_and_orgs(con):
    """Measured by runs or compute-seconds, the windows need no distinct counts: the same frame without them."""
    whole = window_metrics(con, StoryFilters(), "full")
    cheap = window_metrics(con, StoryFilters(), "full", distinct=False)
    dropped = [c for c in whole.columns if c.startswith(("users_", "orgs_", "rank_users", "rank_orgs"))]
    assert dropped and not set(dropped) & set(cheap.columns)
    assert cheap.equals(whole.drop(columns=dropped))
    row = cheap.set_index(["day", "start_minute"]).loc[WINDOW]
    assert row[["runs_mean", "compute_s_mean", "compute_s_max"]].tolist() == [2, 32.5, 60]


def test_simple_bas_has_no_compute_seconds(tmp_path):
    runs = [run("simple", "u1", "A", local="2017-02-01 00:00"), run("simple", "u1", "A", local="2017-03-31 23:00")]
    metrics = window_metrics(staged_connection(tmp_path, runs, ORGS), StoryFilters(), "simple")
    assert metrics["compute_s_mean"].isna().all() and (metrics["rank_compute_s"] == 0).all()
    assert list(available_metrics("simple")) == ["runs", "users", "orgs"]
    assert choice_by_metric(metrics)["metric"].tolist() == ["runs", "users", "orgs"]


def test_choice_by_metric_reports_when_the_measure_moves_the_window():
    metrics = pd.DataFrame({
        "day": [1, 2, 3], "start_minute": [0, 0, 0], "start": "00:00", "end": "02:00",
        "runs_mean": [1.0, 2.0, 3.0], "users_mean": [1.0, 0.5, 1.0], "orgs_mean": [1.0, 1.0, 1.0],
        "compute_s_mean": [9.0, 8.0, 1.0],
        "rank_runs": [1, 2, 3], "rank_users": [2, 1, 3], "rank_orgs": [1, 2, 3], "rank_compute_s": [3, 2, 1]})
    choices = choice_by_metric(metrics).set_index("metric")
    assert choices["day"].to_dict() == {"runs": 1, "users": 2, "orgs": 1, "compute_s": 3}
    assert choices["rank_runs"].to_dict() == {"runs": 1, "users": 2, "orgs": 1, "compute_s": 3}
    assert choices["same_as_runs"].to_dict() == {"runs": True, "users": False, "orgs": True, "compute_s": False}


def test_clock_changes():
    changes = clock_changes(pd.Timestamp("2017-03-15"), pd.Timestamp("2017-10-20"))
    assert changes.values.tolist() == [[pd.Timestamp("2017-04-01 16:00"), date(2017, 4, 2), "back"],
                                       [pd.Timestamp("2017-09-30 16:00"), date(2017, 10, 1), "forward"]]
    assert clock_changes(pd.Timestamp("2017-05-01"), pd.Timestamp("2017-06-01")).empty


def test_window_times_in_utc_and_another_zone(con):
    impact = window_impact(con, StoryFilters(tz="Australia/Perth"), "full", (WINDOW, (1, 0)))
    day10 = impact.iloc[0]
    assert (day10["utc_times"], day10["zone_times"]) == ("03:00–05:00", "11:00–13:00")     # AEDT = UTC+11, AWST +8
    day1 = impact.iloc[1]                                                                 # 00:00 AEDT = 13:00 UTC
    assert (day1["utc_times"], day1["zone_times"]) == ("13:00–15:00 (day before)", "21:00–23:00 (day before)")
    assert day10[["runs_mean", "users_mean", "orgs_mean", "users_max", "users_worst_month"]].tolist() == [
        2, 1.5, 1.5, 2, "2017-02"]


def test_a_window_over_a_clock_change_reads_both_offsets(tmp_path):
    # 15 Mar to 20 Apr 2017: day 2 02:00 happens on 2 Apr 2017, when the clocks go back at 03:00 AEDT
    runs = [run("full", "u1", "A", utc="2017-03-15 00:00"), run("full", "u1", "A", utc="2017-04-20 00:00")]
    con = staged_connection(tmp_path, runs, ORGS)
    impact = window_impact(con, StoryFilters(), "full", ((2, 120), (20, 120))).set_index("day")
    assert impact.loc[2, "clock_change_nights"] == 1 and impact.loc[20, "clock_change_nights"] == 0
    # 20 Mar 02:00 is AEDT (15:00 UTC the day before), 20 Apr 02:00 is AEST (16:00 UTC)
    assert impact.loc[20, "utc_times"] == "15:00–17:00 (day before) or 16:00–18:00 (day before)"


def test_best_windows_are_ranked(con):
    best = best_windows(con, StoryFilters(), "full", n=5)
    assert best["rank"].tolist() == [1, 2, 3, 4, 5]
    assert best[["day", "start"]].iloc[0].tolist() == [1, "00:30"]      # 1 Feb 00:00 is the only early run
    assert (best["runs_mean"] == 0).all()
    assert best_windows(con, StoryFilters(statuses=()), "full").empty


def test_due_week_days():
    # the monthly BAS for January 2017 is due Tue 21 Feb: its due week is 15-21 Feb
    assert due_week_days(date(2017, 2, 1), date(2017, 2, 28), "monthly") == [date(2017, 2, d) for d in range(15, 22)]
    assert due_week_days(date(2017, 2, 1), date(2017, 2, 28), "quarterly")[0] == date(2017, 2, 22)


def test_due_week_costs_by_hand(tmp_path):
    runs = [
        run("full", "u1", "A", local="2017-02-01 00:00"),   # first run: one window (day 1, 00:00), outside due weeks
        run("full", "u1", "A", local="2017-02-21 10:30"),   # monthly due date: windows starting 09:00-10:30
        run("full", "u1", "A", local="2017-02-27 10:30"),   # quarterly (and agent) due week: 4 windows
        run("full", "u1", "A", local="2017-02-28 23:59"),   # last run: no whole window holds it
    ]
    costs = due_week_costs(staged_connection(tmp_path, runs, ORGS), StoryFilters(), "full").set_index("cadence")
    # occurrences: 15-21 Feb 7 × 48; 22-28 Feb 6 × 48 + 44 (day 28 windows must end by 23:59); 1-14 Feb 14 × 48
    assert costs["occurrences"].to_dict() == {"monthly": 336, "quarterly": 332, "quarterly_agent": 332, "": 672}
    assert costs.loc["monthly", "runs_mean"] == pytest.approx(4 / 336)
    assert costs.loc["quarterly", "runs_mean"] == pytest.approx(4 / 332)
    assert costs.loc["", "runs_mean"] == pytest.approx(1 / 672)
    assert costs.loc["monthly", ["days", "worst_window", "worst_runs_mean"]].tolist() == [
        "15–21", "day 21, 09:00–11:00", 1]
    assert costs.loc["quarterly", "days"] == "22–28"
    assert costs.loc["", "group"] == OUTSIDE_DUE_WEEKS


def test_distinct_per_window_by_brute_force():
    rng = np.random.default_rng(7)
    n_buckets = 40
    buckets = np.concatenate([rng.integers(0, n_buckets, 300), [0, 4, 8, 20, 24, 39]])
    ids = np.concatenate([rng.integers(0, 12, 300), [50, 50, 50, 51, 51, 51]])    # gaps of exactly 4 buckets
    expected = [len(set(ids[(buckets >= b) & (buckets < b + WINDOW_BUCKETS)])) for b in range(n_buckets)]
    order = np.argsort(buckets, kind="stable")
    assert distinct_per_window(buckets[order], ids[order], n_buckets).tolist() == expected
    assert distinct_per_window(buckets, ids, n_buckets).tolist() == expected           # any order
    assert distinct_per_window(buckets[:0], ids[:0], n_buckets).tolist() == [0] * n_buckets


def _random_runs(seed: int) -> tuple[list[dict], list[dict]]:
    """Runs of 8 users for 6 orgs (one deleted, one not paying) and orgs not in the org table, both systems, 1 Feb
    to 30 Apr 2017 (across the clocks going back on 2 Apr): bursts of runs a few half hours apart around 30 busy
    half hours, so users and orgs recur in overlapping and adjacent buckets, with gaps of exactly WINDOW_BUCKETS
    buckets; a user runs for up to three orgs."""
    rng = np.random.default_rng(seed)
    orgs = [org("A"), org("B"), org("C", plan="Premium"), org("D", status="Deleted"), org("E", paying=False),
            org("F", tax_period="Monthly")]
    user_orgs = {f"u{i}": list(rng.choice(["A", "B", "C", "D", "E", "F", None], size=rng.integers(1, 4),
                                          replace=False)) for i in range(8)}
    first, last = pd.Timestamp("2017-01-31 13:00"), pd.Timestamp("2017-04-30 13:00")     # Sydney midnights (UTC)
    half_hour = pd.Timedelta(seconds=BUCKET_SECONDS)
    runs = [run(system, "u0", "A", utc=str(when)) for system in ("full", "simple") for when in (first, last)]
    busy = rng.integers(10, (last - first) // half_hour - 10, size=30)      # half hours around which bursts start
    for _ in range(240):
        user = f"u{rng.integers(0, 8)}"
        system = ("full", "simple")[rng.integers(0, 2)]
        bucket = first + half_hour * int(busy[rng.integers(0, len(busy))] + rng.integers(-6, 7))
        for gap in rng.choice([0, 0, 1, 2, 3, WINDOW_BUCKETS, WINDOW_BUCKETS, 5], size=rng.integers(1, 6)):
            bucket += half_hour * int(gap)
            if bucket >= last:
                break
            org_key = user_orgs[user][rng.integers(0, len(user_orgs[user]))]
            when = bucket + pd.Timedelta(seconds=int(rng.integers(0, BUCKET_SECONDS)))
            runs.append(run(system, user, org_key, utc=str(when), runtime=float(rng.integers(1, 10_000)) / 7,
                            org_ref=None if org_key else f"gone{rng.integers(0, 2)}"))
    return runs, orgs


@pytest.fixture(scope="module")
def random_engines(tmp_path_factory):
    runs_path, orgs_path = write_staged(tmp_path_factory.mktemp("random_impact"), *_random_runs(2017))
    return connect(runs_path, orgs_path), connect(runs_path, orgs_path, engine="reference")


@pytest.mark.parametrize("filters", [
    StoryFilters(),
    StoryFilters(start=date(2017, 2, 10), end=date(2017, 4, 3)),
    StoryFilters(statuses=("Active", "Deleted", UNKNOWN_ORG_STATUS), paying="all", tz="UTC"),
    StoryFilters(plan_families=("Standard",), start=date(2017, 3, 1)),
], ids=["contract", "dates", "every org", "plan and start"])
@pytest.mark.parametrize("system", ["full", "simple"])
@pytest.mark.parametrize("some_windows", [False, True], ids=["all windows", "some windows"])
def test_fast_engine_counts_every_occurrence_as_the_reference(random_engines, filters, system, some_windows):
    fast, reference = random_engines
    assert is_fast(fast) and not is_fast(reference)
    windows = None
    if some_windows:    # the three windows holding the most users somewhere, the night of 2 Apr and a quiet one
        every = occurrence_metrics(reference, filters, system).sort_values("users", ascending=False, kind="stable")
        busiest = every.drop_duplicates(["day", "start_minute"]).head(3)
        windows = tuple((int(d), int(m)) for d, m in zip(busiest["day"], busiest["start_minute"], strict=True))
        windows += ((2, 120), (1, 0))
    got = occurrence_metrics(fast, filters, system, windows)
    expected = occurrence_metrics(reference, filters, system, windows)
    assert not expected.empty and (expected["users"] >= 2).any() and (expected["orgs"] >= 2).any()
    assert got.drop(columns="compute_s").equals(expected.drop(columns="compute_s"))
    assert got["compute_s"].dtype == expected["compute_s"].dtype
    assert np.allclose(got["compute_s"], expected["compute_s"], rtol=1e-12, atol=0)
    if system == "simple":
        assert (got["compute_s"] == 0).all()
