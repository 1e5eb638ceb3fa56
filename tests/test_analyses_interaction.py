"""Chapter 1's analyses on tiny hand-made staged datasets, every expected value worked out by hand in the comments."""
from datetime import date

import pandas as pd
import pytest

from basstory.analyses import interaction as an
from basstory.query.filters import UNKNOWN_ORG_STATUS, StoryFilters
from tests.staged_fixtures import org, run, staged_connection

DEFAULT = StoryFilters()


@pytest.fixture
def connect(tmp_path):
    """staged_connection in a fresh folder per call: connect(runs, orgs)."""
    made = []

    def _connect(runs, orgs):
        made.append(1)
        return staged_connection(tmp_path / f"d{len(made)}", runs, orgs)

    return _connect


# --- When in the week -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("local, tz, cell", [
    ("2017-01-09 09:30", "Australia/Sydney", ("Mon", 9)),    # summer: AEDT, UTC+11
    ("2017-01-09 09:30", "UTC", ("Sun", 22)),                # 09:30 AEDT is 22:30 UTC the day before
    ("2017-01-09 09:30", "Australia/Brisbane", ("Mon", 8)),  # Queensland keeps UTC+10 all year
    ("2017-01-09 09:30", "Australia/Perth", ("Mon", 6)),     # UTC+8
    ("2017-07-10 09:30", "UTC", ("Sun", 23)),                # winter: AEST, UTC+10
    ("2017-01-08 23:59", "Australia/Sydney", ("Sun", 23)),
])
def test_a_run_lands_in_its_weekday_and_hour_in_the_display_zone(connect, local, tz, cell):
    con = connect([run("full", "u1", "A", local=local)], [org("A")])
    grid = an.weekly_heatmap(con, DEFAULT.with_(tz=tz))
    assert len(grid) == 7 * 24                                    # the full grid, zeros filled
    hit = grid[grid["runs"] > 0]
    assert list(zip(hit["weekday_name"], hit["hour"], strict=False)) == [cell]
    assert hit["share"].tolist() == [1.0]


def test_heatmap_grid_per_system_and_shares(connect):
    runs = [run("full", "u1", "A", local="2017-01-10 10:05"), run("full", "u1", "A", local="2017-01-10 10:50"),
            run("full", "u2", "A", local="2017-01-14 11:00"), run("simple", "u3", "A", local="2017-01-09 09:00")]
    grid = an.weekly_heatmap(connect(runs, [org("A")]), DEFAULT)
    assert grid.groupby("system").size().to_dict() == {"full": 168, "simple": 168}
    full = grid[(grid["system"] == "full") & (grid["runs"] > 0)].set_index(["weekday_name", "hour"])
    assert full.loc[("Tue", 10), "runs"] == 2 and full.loc[("Tue", 10), "share"] == pytest.approx(2 / 3)
    assert full.loc[("Sat", 11), "runs"] == 1
    # full's span is 10-14 Jan: 5 days = 5/7 weeks, so 2 runs are 2.8 runs per week
    assert full.loc[("Tue", 10), "runs_per_week"] == pytest.approx(2 / (5 / 7))
    assert grid.groupby("system")["share"].sum().round(9).tolist() == [1.0, 1.0]


def test_week_summary_peaks_and_business_hours(connect):
    runs = [run("full", "u1", "A", local=t) for t in
            ("2017-01-10 10:05", "2017-01-10 10:50", "2017-01-17 10:10",   # Tue 10:00 x3: the peak
             "2017-01-14 11:00",                                           # Saturday: not a weekday
             "2017-01-09 20:00",                                           # Monday evening: not business hours
             "2017-01-12 08:00", "2017-01-13 17:59")]                      # Thu 08:00 and Fri 17:59: inside
    runs += [run("simple", "u2", "A", local="2017-01-11 07:00"), run("simple", "u2", "A", local="2017-01-09 15:00")]
    summary = an.week_summary(an.weekly_heatmap(connect(runs, [org("A")]), DEFAULT))
    full = summary["full"]
    assert (full["runs"], full["weekday_name"], full["hour"]) == (7, "Tue", 10)
    assert full["peak_share"] == pytest.approx(3 / 7)
    assert full["weekday_share"] == pytest.approx(6 / 7)
    assert full["business_hours_share"] == pytest.approx(5 / 7)
    # Simple BAS: a tie of one run each, the earliest in the week wins (Mon 15:00 before Wed 07:00)
    assert (summary["simple"]["weekday_name"], summary["simple"]["hour"]) == ("Mon", 15)
    assert summary["all"]["runs"] == 9 and summary["all"]["hour"] == 10
    assert summary["all"]["business_hours_share"] == pytest.approx(6 / 9)


def test_week_summary_of_nothing_is_empty():
    assert an.week_summary(pd.DataFrame(columns=["system", "weekday", "hour", "runs"])) == {}


# --- When in the month ----------------------------------------------------------------------------------------------

def test_day_of_month_profile_counts_sydney_days(connect):
    runs = [run("full", "u1", "A", local="2017-01-21 10:00"),
            run("full", "u1", "A", local="2017-02-21 00:30"),    # 20 Feb in UTC, the 21st in Sydney
            run("full", "u2", "A", local="2017-02-05 10:00")]
    profile = an.day_of_month_profile(connect(runs, [org("A")]), DEFAULT).set_index("day")
    assert len(profile) == 31
    # the span is 21 Jan - 21 Feb: the 21st occurs twice, the 5th and the 31st once, the 25th once (Jan)
    assert profile.loc[21, ["runs", "days"]].tolist() == [2, 2]
    assert profile.loc[5, ["runs", "days"]].tolist() == [1, 1]
    assert profile.loc[31, "days"] == 1 and profile.loc[22, "days"] == 1
    assert profile.loc[21, "runs_per_day"] == 1.0 and profile.loc[5, "runs_per_day"] == 1.0
    # the mean over 31 days of runs_per_day is 2/31, so a day with 1 run per day is 15.5 times an average day
    assert profile.loc[21, "vs_average_day"] == pytest.approx(31 / 2)
    summary = an.month_summary(profile.reset_index())
    assert summary["full"]["busiest_day"] == 5                     # ties with the 21st: the earliest day
    assert summary["full"]["median_runs_per_day"] == 0.0 and summary["full"]["peak_ratio"] == 0.0


@pytest.mark.parametrize("first, last, days, labels", [
    ("2017-01-05", "2017-03-31", [21, 28], ["21st monthly", "28th quarterly"]),   # Q2 is due 28 Feb, agent too
    ("2017-01-01", "2017-12-31", [21, 25, 26, 28], ["21st monthly", "25th agent", "26th agent", "28th quarterly"]),
    ("2017-01-05", "2017-01-06", [], []),                                        # no due date in two days
])
def test_due_day_marks(connect, first, last, days, labels):
    runs = [run("full", "u1", "A", local=f"{first} 10:00"), run("full", "u1", "A", local=f"{last} 10:00")]
    marks = an.due_day_marks(connect(runs, [org("A")]), DEFAULT)
    assert marks["day"].tolist() == days
    assert marks["label"].tolist() == labels


# --- How close to the deadline --------------------------------------------------------------------------------------

@pytest.mark.parametrize("tax_period, managed, local, cadence, days", [
    ("Monthly", True, "2017-03-18 10:00", "monthly", 3),            # 21 Mar 2017 is a Tuesday
    ("Monthly", True, "2017-03-21 16:00", "monthly", 0),            # on the due date itself
    ("Monthly", True, "2017-03-22 09:00", "monthly", 30),           # the next one: Fri 21 Apr
    ("Monthly", True, "2017-01-20 10:00", "monthly", 3),            # Sat 21 Jan moves to Mon 23 Jan
    ("Monthly", True, "2017-03-20 23:30", "monthly", 1),            # 12:30 UTC on the 20th; Sydney date counts
    ("Quarterly", False, "2017-04-20 10:00", "quarterly", 8),       # Q3 self-lodged: Fri 28 Apr
    ("Quarterly", True, "2017-04-20 10:00", "quarterly_agent", 36),  # Q3 through an agent: Fri 26 May
    ("Quarterly", True, "2017-08-20 10:00", "quarterly_agent", 5),   # Q4 through an agent: Fri 25 Aug
    ("Quarterly", False, "2016-11-10 10:00", "quarterly", 110),     # Q2 is due 28 Feb 2017 (a Tuesday)
])
def test_days_before_the_next_due_date_of_the_orgs_cadence(connect, tax_period, managed, local, cadence, days):
    con = connect([run("full", "u1", "A", local=local)], [org("A", tax_period=tax_period, managed=managed)])
    df = an.days_before_due(con, DEFAULT)
    assert df[["cadence", "days_before", "runs"]].values.tolist() == [[cadence, days, 1]]


def test_annual_lodgers_and_unknown_orgs_are_left_out_of_days_before(connect):
    runs = [run("full", "u1", "A", local="2017-03-18 10:00"),
            run("simple", "u2", None, local="2017-03-18 10:00", org_ref="!nope")]
    con = connect(runs, [org("A", tax_period="Annual")])
    assert an.days_before_due(con, DEFAULT.with_(statuses=("Active", UNKNOWN_ORG_STATUS))).empty
    assert an.weeks_before_due(an.days_before_due(con, DEFAULT)).empty
    assert an.due_summary(an.days_before_due(con, DEFAULT)) == {}


DAYS = pd.DataFrame([
    # system, cadence, days_before, runs
    ("full", "monthly", 0, 4), ("full", "monthly", 3, 2), ("full", "monthly", 9, 2), ("full", "monthly", 30, 2),
    ("full", "quarterly", 6, 1), ("full", "quarterly", 7, 1),
    ("simple", "quarterly_agent", 40, 3),
], columns=["system", "cadence", "days_before", "runs"])


def test_weeks_before_due_buckets_days_by_week():
    weeks = an.weeks_before_due(DAYS).set_index(["system", "cadence", "weeks_before"])
    assert weeks.loc[("full", "monthly", 0), ["days_label", "runs"]].tolist() == ["0–6", 6]   # days 0 and 3
    assert weeks.loc[("full", "monthly", 1), "runs"] == 2 and weeks.loc[("full", "monthly", 4), "runs"] == 2
    assert weeks.loc[("full", "monthly", 0), "share"] == pytest.approx(6 / 10)
    assert weeks.loc[("full", "quarterly", 0), "share"] == 0.5                 # day 6 is week 0, day 7 week 1
    assert weeks.loc[("simple", "quarterly_agent", 5), ["days_label", "share"]].tolist() == ["35–41", 1.0]
    assert weeks.loc[("full", "monthly", 0), "cadence_label"] == "Monthly lodgers (21st)"


def test_due_summary_medians_and_shares():
    summary = an.due_summary(DAYS)
    # full: 12 runs on days 0,0,0,0,3,3,6,7,9,9,30,30 -> the 6th run (lower median) is on day 3
    assert summary["full"] == {"runs": 12, "median_days": 3, "final_week_share": 7 / 12, "due_day_share": 4 / 12}
    assert summary["simple"] == {"runs": 3, "median_days": 40, "final_week_share": 0.0, "due_day_share": 0.0}
    # all: 15 runs; the 8th is on day 7
    assert summary["all"]["runs"] == 15 and summary["all"]["median_days"] == 7


# --- Re-runs --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("second, repeats", [
    (dict(local="2017-03-01 10:29"), 1),                        # 29 minutes later: a repeat
    (dict(local="2017-03-01 10:30"), 1),                        # exactly 30 minutes: still a repeat
    (dict(local="2017-03-01 10:31"), 0),                        # 31 minutes: a new session
    (dict(local="2017-03-01 10:05", org="B"), 0),               # another org
    (dict(local="2017-03-01 10:05", user="U2"), 0),             # another user
    (dict(local="2017-03-01 10:05", user="U1"), 1),             # the same user in upper case
])
def test_a_repeat_is_the_same_user_and_org_within_30_minutes(connect, second, repeats):
    runs = [run("full", "u1", "A", local="2017-03-01 10:00"),
            run("full", second.get("user", "u1"), second.get("org", "A"), local=second["local"])]
    result = an.repeat_runs(connect(runs, [org("A"), org("B")]), DEFAULT)["full"]
    assert result["repeats"] == repeats
    assert result["sessions"] == 2 - repeats
    assert result["repeat_share"] == repeats / 2


def test_the_other_system_is_not_a_repeat(connect):
    runs = [run("full", "u1", "A", local="2017-03-01 10:00"), run("simple", "u1", "A", local="2017-03-01 10:05")]
    result = an.repeat_runs(connect(runs, [org("A")]), DEFAULT)
    assert (result["full"]["repeats"], result["simple"]["repeats"]) == (0, 0)


def test_sessions_chain_repeats(connect):
    # 10:00, 10:20, 10:45, 11:10 chain into one session of 4 (each within 30 minutes of the last, though the last is
    # 70 minutes after the first); 12:00 starts a session of 1; another org's 3 runs, a session of 1 then one of 2
    times = ["10:00", "10:20", "10:45", "11:10", "12:00"]
    runs = [run("full", "u1", "A", local=f"2017-03-01 {t}") for t in times]
    runs += [run("full", "u1", "B", local=f"2017-03-02 {t}") for t in ("09:00", "10:00", "10:10")]
    con = connect(runs, [org("A"), org("B")])
    result = an.repeat_runs(con, DEFAULT)["full"]
    assert result == {"runs": 8, "repeats": 4, "sessions": 4, "repeat_share": 0.5, "multi_run_sessions": 2,
                      "multi_run_session_share": 0.5}
    sizes = an.session_sizes(con, DEFAULT).set_index("runs_in_session")
    assert sizes["sessions"].to_dict() == {"1": 2, "2": 1, "4": 1}
    assert sizes["runs"].to_dict() == {"1": 2, "2": 2, "4": 4}
    assert sizes.loc["1", "share"] == 0.5
    frame = an.repeat_runs_frame(an.repeat_runs(con, DEFAULT))
    assert frame[["system", "runs", "repeats"]].values.tolist() == [["full", 8, 4]]


def test_session_buckets_group_long_sessions(connect):
    runs = [run("full", "u1", "A", local=f"2017-03-01 10:{m:02d}") for m in range(0, 48, 4)]   # 12 runs
    runs += [run("full", "u1", "A", local=f"2017-03-02 10:{m:02d}") for m in range(0, 28, 4)]  # 7 runs
    sizes = an.session_sizes(connect(runs, [org("A")]), DEFAULT)
    assert sizes[["runs_in_session", "sessions", "runs"]].values.tolist() == [["6–9", 1, 7], ["10+", 1, 12]]


# --- Simple BAS: which period a run is for --------------------------------------------------------------------------

def test_statement_lag_in_months(connect):
    runs = [
        run("simple", "u1", "A", local="2017-02-10 10:00", statement=(2016, 12)),   # Feb - Dec = 2
        run("simple", "u1", "A", local="2017-02-10 10:00", statement=(2017, 1)),    # 1: the month after
        run("simple", "u1", "A", local="2017-02-10 10:00", statement=(2017, 2)),    # 0: the period's own month
        run("simple", "u1", "A", local="2017-02-10 10:00", statement=(2017, 3)),    # -1: a later period
        run("simple", "u1", "A", local="2017-02-10 10:00", statement=(2015, 12)),   # 14, shown as 12+
        run("simple", "u1", "A", local="2017-02-01 00:30", statement=(2016, 12)),   # 31 Jan UTC, Feb in Sydney: 2
        run("simple", "u1", "A", local="2017-02-10 10:00"),                         # no period: left out
        run("full", "u1", "A", local="2017-02-10 10:00"),                           # Full BAS: left out
    ]
    lags = an.statement_lag(connect(runs, [org("A")]), DEFAULT)
    assert lags[["lag_months", "lag_label", "runs"]].values.tolist() == [
        [-1, "Later period", 1], [0, "0", 1], [1, "1", 1], [2, "2", 2], [12, "12+", 1]]
    assert lags["share"].sum() == pytest.approx(1.0)
    summary = an.statement_lag_summary(lags)
    assert summary == {"runs": 6, "modal_lag": 2, "modal_share": 2 / 6, "late_share": 1 / 6, "early_share": 2 / 6}
    assert an.statement_lag_summary(lags.iloc[0:0]) == {}


# --- Who runs the reports -------------------------------------------------------------------------------------------

def test_orgs_per_user_and_roles(connect):
    runs = [run("full", "adv", "A", local="2017-03-01 10:00"), run("full", "adv", "B", local="2017-03-01 11:00"),
            run("simple", "adv", "C", local="2017-03-01 12:00"),               # 3 orgs across both systems
            run("full", "own", "A", local="2017-03-02 10:00"), run("full", "own", "A", local="2017-03-03 10:00"),
            run("simple", "own2", "C", local="2017-03-02 10:00")]
    con = connect(runs, [org("A"), org("B"), org("C")])
    per_user = an.orgs_per_user(con, DEFAULT)
    assert per_user[["system", "orgs_bucket", "role", "users", "runs"]].values.tolist() == [
        ["full", "1", "owner", 1, 2], ["full", "3–5", "adviser", 1, 2],
        ["simple", "1", "owner", 1, 1], ["simple", "3–5", "adviser", 1, 1]]
    assert per_user.groupby("system")["run_share"].sum().tolist() == [1.0, 1.0]
    roles = an.user_roles(con, DEFAULT)
    assert roles["all"] == {"users": 3, "advisers": 1, "runs": 6, "adviser_runs": 3, "max_orgs": 3}
    assert roles["full"] == {"users": 2, "advisers": 1, "runs": 4, "adviser_runs": 2, "max_orgs": 3}
    # with Full BAS only, the adviser has 2 orgs: still an adviser (threshold 2)
    assert an.user_roles(con, DEFAULT.with_(systems=("full",)))["all"]["advisers"] == 1
    # with one org's filter... a single day keeps only the owner's second run
    assert an.user_roles(con, DEFAULT.with_(start=date(2017, 3, 3), end=date(2017, 3, 3)))["all"]["advisers"] == 0


@pytest.mark.parametrize("attribute, expected", [
    ("channel_type", [["full", "Accountant", 2, 3], ["full", "Bookkeeper", 1, 1]]),
    ("managed_by_practice", [["full", "Managed by a practice", 2, 3], ["full", "Not practice-managed", 1, 1]]),
    ("tax_period", [["full", "Quarterly", 2, 2], ["full", "Monthly", 1, 2]]),
    ("plan_family", [["full", "Premium 5", 2, 3], ["full", "Standard", 1, 1]]),
])
def test_split_by_org_attribute(connect, attribute, expected):
    orgs = [org("A", plan="Premium 5 + Expenses", tax_period="Monthly"),
            org("B", channel_type="Bookkeeper", managed=False),
            org("C", plan="Premium 5")]
    runs = [run("full", "u1", "A", local="2017-03-01 10:00"), run("full", "u1", "A", local="2017-03-02 10:00"),
            run("full", "u2", "B", local="2017-03-01 10:00"), run("full", "u3", "C", local="2017-03-01 10:00")]
    split = an.split_by_org_attribute(connect(runs, orgs), DEFAULT, attribute)
    assert split[["system", "value", "orgs", "runs"]].values.tolist() == expected
    assert split["org_share"].sum() == pytest.approx(1.0) and split["run_share"].sum() == pytest.approx(1.0)
    top = an.split_summary(split)
    assert top["full"]["value"] == expected[0][1]


def test_split_names_orgs_missing_from_the_org_table(connect):
    runs = [run("simple", "u1", None, local="2017-03-01 10:00", org_ref="!nope")]
    con = connect(runs, [org("A")])
    split = an.split_by_org_attribute(con, DEFAULT.with_(statuses=(UNKNOWN_ORG_STATUS,)), "managed_by_practice")
    assert split["value"].tolist() == ["Org not in org table"]
    with pytest.raises(ValueError):
        an.split_by_org_attribute(con, DEFAULT, "runtime_s")


# --- Any filter: nothing left ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", [an.weekly_heatmap, an.day_of_month_profile, an.due_day_marks,
                                      an.days_before_due, an.session_sizes, an.statement_lag, an.orgs_per_user])
def test_frames_are_empty_when_nothing_is_kept(connect, function):
    con = connect([run("full", "u1", "A", local="2017-03-01 10:00")], [org("A")])
    assert function(con, DEFAULT.with_(statuses=())).empty


@pytest.mark.parametrize("function", [an.repeat_runs, an.user_roles])
def test_summaries_are_empty_when_nothing_is_kept(connect, function):
    con = connect([run("full", "u1", "A", local="2017-03-01 10:00")], [org("A")])
    assert function(con, DEFAULT.with_(statuses=())) == {}
