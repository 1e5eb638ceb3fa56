"""The recommendation (analyses.recommendation) on hand-worked staged datasets."""
from datetime import date

import pandas as pd
import pytest

from basstory.analyses.facts import outage_windows
from basstory.analyses.recommendation import data_caveats, recommendations, runner_up_index, system_recommendation
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection


@pytest.mark.parametrize("days, expected", [
    ([3, 3, 5, 2], 2),        # the cheapest window on another day than the recommendation
    ([3, 3, 3], 1),           # every window on one day: the second cheapest
    ([3], None),              # a single window has no runner-up
])
def test_runner_up(days, expected):
    costs = pd.DataFrame({"day": days, "start_minute": range(len(days))})
    assert runner_up_index(costs) == expected


ORGS = [org("A"), org("B")]


def busy_runs(system: str) -> list[dict]:
    """Feb-Mar 2017 (first run 1 Feb 00:00, last 31 Mar 23:59): four runs on the 27th of each month at 10:10-10:40,
    so the windows of day 27 starting 09:00-10:00 are the costliest and (day 1, 00:00) costs half a run."""
    runs = [run(system, "u1", "A", local="2017-02-01 00:00"), run(system, "u1", "A", local="2017-03-31 23:59")]
    for month in ("02", "03"):
        runs += [run(system, f"u{k}", "B", local=f"2017-{month}-27 10:{10 * k:02d}") for k in range(1, 5)]
    return runs


def test_recommendation_by_hand(tmp_path):
    con = staged_connection(tmp_path, busy_runs("full"), ORGS)
    rec = system_recommendation(con, StoryFilters(), "full")
    assert rec["window"] == outage_windows(con, StoryFilters())["full"]
    assert (rec["best"]["day"], rec["best"]["start"]) == (1, "00:30")
    # the runner-up is the cheapest window on another day: day 2, 00:00, no run in either month
    assert (rec["runner_up"]["day"], rec["runner_up"]["start"], rec["runner_up"]["same_day"]) == (2, "00:00", False)
    # day 27: windows starting 08:30 (exclusive) to 10:30 hold all four runs of each month
    assert (rec["worst"]["day"], rec["worst"]["start"], rec["worst"]["runs_mean"]) == (27, "09:00", 4)
    assert rec["median_runs"] == 0 and rec["windows"] == 28 * 48
    assert rec["best"]["users_mean"] == 0 and rec["best"]["utc_times"] == "13:30–15:30 (day before)"
    groups = {d["cadence"]: d for d in rec["due_weeks"]}
    assert groups["quarterly"]["worst_window"] == "day 27, 09:00–11:00"
    assert rec["clock_changes"] == []                  # no daylight-saving change in February-March
    assert rec["monthly_runs_mean"] == 5               # 10 runs in two months


def test_recommendations_for_every_system(tmp_path):
    con = staged_connection(tmp_path, busy_runs("full"), ORGS)
    recs = recommendations(con, StoryFilters())
    assert set(recs) == {"full", "simple"} and recs["simple"] is None
    assert recommendations(con, StoryFilters(statuses=())) == {"full": None, "simple": None}


def test_recommendation_follows_the_filters(tmp_path):
    con = staged_connection(tmp_path, busy_runs("full") + busy_runs("simple"), ORGS)
    only_simple = recommendations(con, StoryFilters(systems=("simple",)))
    assert only_simple["full"] is None and only_simple["simple"]["window"] == outage_windows(
        con, StoryFilters(systems=("simple",)))["simple"]


def test_data_caveats(tmp_path):
    runs = busy_runs("full") + [run("simple", "u7", "A", local="2017-06-01 10:00"),
                                run("simple", "u7", "A", local="2017-08-01 10:00")]
    caveats = data_caveats(staged_connection(tmp_path, runs, ORGS), StoryFilters())
    full = caveats["systems"]["full"]
    assert (full["first_date"], full["last_date"], full["months"], full["runs"]) == (
        date(2017, 2, 1), date(2017, 3, 31), 2, 10)
    assert (full["users"], full["orgs"], full["runtime_missing"]) == (4, 2, 0)     # u1-u4
    assert caveats["systems"]["simple"]["days"] == 62
    assert caveats["periods_differ"]
