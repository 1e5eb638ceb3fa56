"""Chapter 2's analyses on tiny hand-made staged datasets, every expected value worked out by hand in the comments."""
from datetime import date

import pandas as pd
import pytest

from basstory.analyses import comparison as an
from basstory.analyses.facts import orgs_both, popular_plans
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

DEFAULT = StoryFilters()

ORGS = [org("A", plan="Standard"), org("B", plan="Premium 5"), org("C", plan="Premium 5 + Expenses"),
        org("D", plan="Starter"), org("E", plan="Standard")]
RUNS = [
    # A: Full BAS in January, Simple BAS from April -> took up Simple BAS after Full BAS in Apr-Jun
    run("full", "u1", "A", local="2017-01-02 10:00"),      # Monday: the week of 2 Jan
    run("full", "u2", "A", local="2017-01-03 10:00"),
    run("full", "u1", "A", local="2017-01-17 10:00"),      # week of 16 Jan; the week of 9 Jan is empty
    run("simple", "u1", "A", local="2017-04-03 10:00"),
    # B: Simple BAS, then Full BAS in the same quarter -> took up Full BAS after Simple BAS in Jan-Mar
    run("simple", "u3", "B", local="2017-01-09 00:30"),    # Sunday 8 Jan in UTC; Monday 9 Jan in Sydney
    run("full", "u3", "B", local="2017-02-01 10:00"),
    # C: Full BAS only
    run("full", "u4", "C", local="2017-02-02 10:00"),
    # D: Simple BAS only
    run("simple", "u5", "D", local="2017-02-03 10:00"),
    # E: never runs a report
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("comparison"), RUNS, ORGS)


# --- Activity over time ---------------------------------------------------------------------------------------------

def test_activity_per_week_fills_empty_weeks_and_rolls(con):
    weeks = an.activity_over_time(con, DEFAULT, "week")
    full = weeks[weeks["system"] == "full"].set_index("period")
    # full runs: weeks of 2 Jan (2 runs, users u1 u2, org A), 16 Jan (1), 30 Jan (2: B and C)
    assert [d.date() for d in full.index] == [date(2017, 1, 2), date(2017, 1, 9), date(2017, 1, 16),
                                              date(2017, 1, 23), date(2017, 1, 30)]
    assert full["runs"].tolist() == [2, 0, 1, 0, 2]
    assert full["users"].tolist() == [2, 0, 1, 0, 2]
    assert full["orgs"].tolist() == [1, 0, 1, 0, 2]
    # trailing 4-week mean: 2, (2+0)/2, (2+0+1)/3, (2+0+1+0)/4, (0+1+0+2)/4
    assert full["runs_avg"].tolist() == pytest.approx([2, 1, 1, 0.75, 0.75])
    simple = weeks[weeks["system"] == "simple"]
    assert simple["period"].iloc[0].date() == date(2017, 1, 9)      # B's Sydney Monday, not UTC's Sunday


def test_activity_per_month(con):
    months = an.activity_over_time(con, DEFAULT, "month")
    full = months[months["system"] == "full"]
    assert full[["runs", "users", "orgs"]].values.tolist() == [[3, 2, 1], [2, 2, 2]]   # Jan, Feb
    simple = months[months["system"] == "simple"]
    assert simple["runs"].tolist() == [1, 1, 0, 1]                   # Jan, Feb, an empty March, Apr
    # trailing 3-month mean in April: (1 + 0 + 1) / 3
    assert simple["runs_avg"].iloc[-1] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        an.activity_over_time(con, DEFAULT, "day")


def test_activity_totals(con):
    totals = an.activity_totals(con, DEFAULT)
    assert totals["full"] == {"runs": 5, "users": 4, "orgs": 3}
    assert totals["simple"] == {"runs": 3, "users": 3, "orgs": 3}
    assert totals["all"] == {"runs": 8, "users": 5, "orgs": 4}


def test_activity_summary():
    frame = pd.DataFrame({"system": ["full"] * 3 + ["simple"] * 2,
                          "period": pd.to_datetime(["2017-01-01", "2017-02-01", "2017-03-01",
                                                    "2017-01-01", "2017-02-01"]),
                          "runs": [5, 9, 9, 1, 0], "users": [1, 2, 3, 1, 0], "orgs": [1, 1, 1, 1, 0]})
    summary = an.activity_summary(frame, "runs")
    assert summary["full"] == {"peak_period": date(2017, 2, 1), "peak": 9, "mean": pytest.approx(23 / 3),
                               "periods": 3}                                 # a tie: the earliest month
    assert summary["simple"]["peak_period"] == date(2017, 1, 1)
    with pytest.raises(ValueError):
        an.activity_summary(frame, "runtime")


# --- Which orgs use which system ------------------------------------------------------------------------------------

def test_system_usage_split(con):
    split = an.system_usage_split(con, DEFAULT)
    orgs = split[split["entity"] == "orgs"]
    # A and B used both; C only Full BAS; D only Simple BAS
    assert orgs[["usage", "count"]].values.tolist() == [["full_only", 1], ["simple_only", 1], ["both", 2]]
    assert orgs["share"].tolist() == [0.25, 0.25, 0.5]
    assert int(orgs.loc[orgs["usage"] == "both", "count"].iloc[0]) == orgs_both(con, DEFAULT)
    users = split[split["entity"] == "users"]
    # u1 both; u2, u4 Full only; u5 Simple only; u3 both
    assert users[["usage", "count"]].values.tolist() == [["full_only", 2], ["simple_only", 1], ["both", 2]]
    summary = an.usage_summary(split)
    assert summary["orgs"]["both"] == {"count": 2, "share": 0.5}
    assert an.usage_summary(an.system_usage_split(con, DEFAULT.with_(systems=("full",))))["orgs"]["both"] == \
        {"count": 0, "share": 0.0}


def test_usage_by_quarter(con):
    quarters = an.usage_by_quarter(con, DEFAULT)
    rows = quarters[["quarter_label", "usage", "orgs"]].values.tolist()
    # Jan-Mar: A full only (its Simple BAS run is in April), B both, C full only, D simple only; Apr-Jun: A simple only
    assert rows == [["Jan–Mar 2017", "both", 1], ["Jan–Mar 2017", "full_only", 2],
                    ["Jan–Mar 2017", "simple_only", 1], ["Apr–Jun 2017", "simple_only", 1]]
    assert quarters.groupby("quarter")["share"].sum().tolist() == [1.0, 1.0]


def test_system_take_up(con):
    take_up = an.system_take_up(con, DEFAULT)
    assert take_up[["quarter_label", "direction", "system", "orgs"]].values.tolist() == [
        ["Jan–Mar 2017", "full_to_simple", "simple", 0], ["Jan–Mar 2017", "simple_to_full", "full", 1],   # B
        ["Apr–Jun 2017", "full_to_simple", "simple", 1], ["Apr–Jun 2017", "simple_to_full", "full", 0]]   # A
    # Simple BAS starts 9 Jan, + 92 days = 11 Apr, after Full BAS's last day (2 Feb): no take-up can be told apart
    # from an extract starting
    assert an.switch_window(con, DEFAULT) is None
    assert take_up["observed"].tolist() == [0, 0, 0, 0]
    # filtered to February onwards, A's Full BAS runs are out of view: its Simple BAS run is no take-up
    later = an.system_take_up(con, DEFAULT.with_(start=date(2017, 2, 1), end=date(2017, 6, 30)))
    assert later.empty


def test_quarter_summary(con):
    summary = an.quarter_summary(an.usage_by_quarter(con, DEFAULT), an.system_take_up(con, DEFAULT))
    assert summary["peak_both"] == {"quarter_label": "Jan–Mar 2017", "orgs": 4, "both_orgs": 1, "full_only": 0.5,
                                    "simple_only": 0.25, "both": 0.25}
    assert summary["take_up"] == {"full_to_simple": 1, "simple_to_full": 1}
    empty = an.quarter_summary(an.usage_by_quarter(con, DEFAULT.with_(statuses=())),
                               an.system_take_up(con, DEFAULT.with_(statuses=())))
    assert empty == {"peak_both": None, "take_up": {"full_to_simple": 0, "simple_to_full": 0}}


# --- Runs per user and per org --------------------------------------------------------------------------------------

def test_runs_per_entity(con):
    dist = an.runs_per_entity(con, DEFAULT)
    full_users = dist[(dist["system"] == "full") & (dist["entity"] == "user")]
    # full: u1 2 runs, u2 1, u3 1, u4 1 -> '1': 3 users, '2–5': 1
    assert full_users[["runs_bucket", "count"]].values.tolist() == [["1", 3], ["2–5", 1]]
    assert full_users["share"].tolist() == [0.75, 0.25]
    full_orgs = dist[(dist["system"] == "full") & (dist["entity"] == "org")]
    assert full_orgs[["runs_bucket", "count"]].values.tolist() == [["1", 2], ["2–5", 1]]     # B, C 1; A 3
    summary = an.runs_per_entity_summary(con, DEFAULT)
    # full users' runs sorted: 1, 1, 1, 2 -> lower median 1, p90 2; mean 5/4
    assert summary["full"]["user"] == {"count": 4, "median": 1, "p90": 2, "mean": 1.25}
    assert summary["full"]["org"] == {"count": 3, "median": 1, "p90": 3, "mean": pytest.approx(5 / 3)}


@pytest.mark.parametrize("runs, bucket", [(1, "1"), (5, "2–5"), (6, "6–10"), (25, "11–25"), (26, "26–50"),
                                           (101, "101+")])
def test_runs_per_entity_buckets(tmp_path, runs, bucket):
    many = [run("full", "u1", "A", utc=str(pd.Timestamp("2017-03-01") + pd.Timedelta(hours=i))) for i in range(runs)]
    dist = an.runs_per_entity(staged_connection(tmp_path, many, [org("A")]), DEFAULT)
    assert dist["runs_bucket"].unique().tolist() == [bucket]


# --- Plans ----------------------------------------------------------------------------------------------------------

def test_plan_popularity_groups_small_plans(con):
    plans = an.plan_popularity(con, DEFAULT, top=2)
    # orgs with a run: A Standard (both), B Premium 5 (both), C Premium 5 + Expenses (full), D Starter (simple);
    # facts.popular_plans ranks the plans by orgs, then name: Premium 5, Premium 5 + Expenses, Standard, Starter
    named = [p["plan"] for p in popular_plans(con, DEFAULT)[:2]]
    assert named == ["Premium 5", "Premium 5 + Expenses"]
    assert plans[["plan", "rank", "usage", "orgs", "plan_orgs"]].values.tolist() == [
        ["Premium 5", 1, "both", 1, 1],
        ["Premium 5 + Expenses", 2, "full_only", 1, 1],
        ["Other", 3, "simple_only", 1, 2], ["Other", 3, "both", 1, 2]]
    assert plans.drop_duplicates("plan")["plan_share"].sum() == pytest.approx(1.0)
    assert an.plan_popularity(con, DEFAULT.with_(statuses=())).empty


def test_plan_summary(con):
    assert an.plan_summary(con, DEFAULT, top=1) == {"orgs": 4, "plans": [{"plan": "Premium 5", "orgs": 1}]}
    assert an.plan_summary(con, DEFAULT.with_(statuses=())) == {"orgs": 0, "plans": []}


# --- Any filter: nothing left ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", [an.activity_over_time, an.system_usage_split, an.usage_by_quarter,
                                      an.system_take_up, an.runs_per_entity])
def test_frames_are_empty_when_nothing_is_kept(con, function):
    assert function(con, DEFAULT.with_(statuses=())).empty


def test_one_system_only(con):
    f = DEFAULT.with_(systems=("simple",))
    assert set(an.activity_over_time(con, f)["system"]) == {"simple"}
    assert an.activity_totals(con, f).keys() == {"simple", "all"}
    assert an.usage_by_quarter(con, f)["usage"].unique().tolist() == ["simple_only"]
    assert an.system_take_up(con, f).empty
