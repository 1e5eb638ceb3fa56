"""The two-hour outage window (the default method, docs/outage-window.md), on hand-worked staged datasets."""
import pandas as pd
import pytest

from basstory.analyses.outage import best_window, outage_window_costs, window_occurrences
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A")]


def costs_for(tmp_path, runs):
    con = staged_connection(tmp_path, runs, ORGS)
    costs = outage_window_costs(con, StoryFilters(), "full")
    return costs.set_index(["day", "start"])


def test_occurrences_respect_a_period_that_starts_mid_month():
    # 2017-01-15 00:00 UTC is 11:00 AEDT; 2017-03-10 00:00 UTC is 11:00 AEDT
    occ = window_occurrences(pd.Timestamp("2017-01-15 00:00"), pd.Timestamp("2017-03-10 00:00"))
    months = occ.groupby(["day", "start_minute"])["month"].apply(list)
    assert months[(20, 0)] == ["2017-01", "2017-02"]        # 20 Mar is after the last run
    assert months[(1, 0)] == ["2017-02", "2017-03"]         # 1 Jan is before the first run
    assert months[(15, 600)] == ["2017-02"]                 # 15 Jan 10:00 local is before 11:00; 15 Mar too late
    assert months[(15, 660)] == ["2017-01", "2017-02"]      # starts exactly at the first run: inside
    assert months[(10, 600)] == ["2017-02"]                 # 10 Mar 10:00-12:00 AEDT ends after the last run


@pytest.mark.parametrize("start_minute, expected_start_utc", [
    (90, "2017-09-30 15:30"),    # 01:30 AEST, before clocks go forward
    (120, "2017-09-30 16:00"),   # 02:00 does not exist: moves to 03:00 AEDT
    (150, "2017-09-30 16:00"),   # 02:30 does not exist either
    (180, "2017-09-30 16:00"),   # 03:00 AEDT
])
def test_spring_forward_night_starts(start_minute, expected_start_utc):
    occ = window_occurrences(pd.Timestamp("2017-09-15"), pd.Timestamp("2017-10-20"))
    row = occ[(occ["day"] == 1) & (occ["start_minute"] == start_minute)].iloc[0]
    assert row["start_utc"] == pd.Timestamp(expected_start_utc)
    assert row["end_utc"] - row["start_utc"] == pd.Timedelta(minutes=120)


@pytest.mark.parametrize("start_minute, expected_start_utc", [
    (120, "2017-04-01 15:00"),   # 02:00 happens twice: the first (daylight time) instance
    (150, "2017-04-01 15:30"),
    (180, "2017-04-01 17:00"),   # 03:00 AEST, after clocks went back
])
def test_fall_back_night_starts(start_minute, expected_start_utc):
    occ = window_occurrences(pd.Timestamp("2017-03-15"), pd.Timestamp("2017-04-20"))
    row = occ[(occ["day"] == 2) & (occ["start_minute"] == start_minute)].iloc[0]
    assert row["start_utc"] == pd.Timestamp(expected_start_utc)


def test_costs_by_hand(tmp_path):
    runs = [
        run("full", "u1", "A", local="2017-02-01 00:00"),   # first run: the period starts here
        run("full", "u1", "A", local="2017-02-10 14:10"),
        run("full", "u1", "A", local="2017-02-10 14:50"),
        run("full", "u1", "A", local="2017-02-10 15:40"),
        run("full", "u2", "A", local="2017-03-10 14:20"),
        run("full", "u2", "A", local="2017-02-11 00:30"),   # reached by windows that run past midnight
        run("full", "u1", "A", local="2017-03-31 23:59"),   # last run
    ]
    costs = costs_for(tmp_path, runs)
    assert set(costs["occurrences"]) == {2}                  # Feb and Mar, every window
    assert costs.loc[(10, "14:00"), ["runs_mean", "runs_max", "worst_month"]].tolist() == [2.0, 3, "2017-02"]
    assert costs.loc[(10, "14:30"), "runs_mean"] == 1.0
    assert costs.loc[(10, "13:00"), "runs_mean"] == 1.5
    assert costs.loc[(10, "15:00"), "runs_mean"] == 0.5
    assert costs.loc[(10, "23:00"), ["runs_mean", "end"]].tolist() == [0.5, "01:00"]
    assert costs.loc[(1, "00:00"), "runs_mean"] == 0.5
    # cheapest: zero runs; ties go to the earliest day, then the earliest start
    again = staged_connection(tmp_path / "again", runs, ORGS)
    assert best_window(outage_window_costs(again, StoryFilters(), "full")) == {
        "day": 1, "start": "00:30", "end": "02:30", "runs_per_occurrence": 0.0, "occurrences": 2}


def test_fall_back_night_counts_the_repeated_hour(tmp_path):
    runs = [
        run("full", "u1", "A", utc="2017-03-15 00:00"),
        run("full", "u1", "A", utc="2017-04-01 15:30"),     # 02:30 AEDT
        run("full", "u1", "A", utc="2017-04-01 16:30"),     # 02:30 AEST, the repeated hour
        run("full", "u1", "A", utc="2017-04-01 17:10"),     # 03:10 AEST
        run("full", "u1", "A", utc="2017-04-20 00:00"),
    ]
    costs = costs_for(tmp_path, runs)
    assert costs.loc[(2, "02:00"), "runs_mean"] == 2        # one occurrence (2 Mar is before the period)
    assert costs.loc[(2, "02:30"), "runs_mean"] == 3
    assert costs.loc[(2, "03:00"), "runs_mean"] == 1
    assert costs.loc[(2, "01:30"), "runs_mean"] == 1


def test_spring_forward_night_counts(tmp_path):
    runs = [
        run("full", "u1", "A", utc="2017-09-15 00:00"),
        run("full", "u1", "A", utc="2017-09-30 15:45"),     # 01:45 AEST
        run("full", "u1", "A", utc="2017-09-30 16:15"),     # 03:15 AEDT
        run("full", "u1", "A", utc="2017-10-20 00:00"),
    ]
    costs = costs_for(tmp_path, runs)
    assert costs.loc[(1, "01:30"), "runs_mean"] == 2
    assert costs.loc[(1, "02:00"), "runs_mean"] == 1
    assert costs.loc[(1, "02:30"), "runs_mean"] == 1
    assert costs.loc[(1, "03:00"), "runs_mean"] == 1


def test_no_runs_or_too_short_a_period_gives_no_window(tmp_path):
    single = [run("full", "u1", "A", local="2017-02-01 10:00")]
    assert costs_for(tmp_path, single).empty
    one_run = staged_connection(tmp_path / "s", single, ORGS)
    assert best_window(outage_window_costs(one_run, StoryFilters(), "simple")) is None
