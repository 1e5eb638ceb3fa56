"""Who an outage window would disturb (analyses.outage_impact), on hand-worked staged datasets."""
from datetime import date

import pandas as pd
import pytest

from basstory.analyses.outage import outage_window_costs
from basstory.analyses.outage_impact import (
    METRICS,
    OUTSIDE_DUE_WEEKS,
    available_metrics,
    best_windows,
    choice_by_metric,
    clock_changes,
    due_week_costs,
    due_week_days,
    occurrence_metrics,
    window_impact,
    window_metrics,
)
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

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
