"""Seasonality (analyses.seasonality) on hand-worked staged datasets."""
from datetime import date, timedelta

import pandas as pd
import pytest

from basstory.analyses.seasonality import (
    daily_decomposition,
    due_dates_in_view,
    quarterly_cycle,
    quarterly_due_dates,
    runs_per_month,
    seasonality_summary,
)
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A"), org("B", status="Deleted")]


def test_runs_per_month_in_sydney_months(tmp_path):
    runs = [
        run("full", "u1", "A", local="2017-01-10 10:00"),
        run("full", "u1", "A", local="2017-02-10 10:00"),
        run("full", "u1", "A", local="2017-03-01 00:30"),    # 28 Feb in UTC: March in Sydney
        run("simple", "u2", "A", local="2017-03-05 10:00"),
        run("simple", "u2", "A", local="2017-01-05 10:00"),
        run("simple", "u2", "A", local="2017-01-06 10:00"),
        run("full", "u3", "B", local="2017-02-11 10:00"),    # out of scope
    ]
    df = runs_per_month(staged_connection(tmp_path, runs, ORGS), StoryFilters())
    assert df[["month", "system", "runs", "month_total"]].values.tolist() == [
        ["2017-01", "full", 1, 3], ["2017-01", "simple", 2, 3], ["2017-02", "full", 1, 1],
        ["2017-03", "full", 1, 2], ["2017-03", "simple", 1, 2]]
    assert df.loc[df["busiest"], "month"].unique().tolist() == ["2017-01"]
    # Full BAS: one run in each month, a tie that goes to the earliest; Simple BAS: January's two
    assert df.loc[df["busiest_for_system"], ["system", "month"]].values.tolist() == [
        ["full", "2017-01"], ["simple", "2017-01"]]
    assert df["month_start"].iloc[0] == pd.Timestamp("2017-01-01")


def test_quarterly_due_dates_need_a_whole_cycle_inside_the_period():
    # 28 Feb 2017 needs 29 Jan to 5 Mar; 28 Apr needs 29 Mar to 3 May
    assert quarterly_due_dates(date(2017, 1, 20), date(2017, 3, 20)) == [date(2017, 2, 28)]
    assert quarterly_due_dates(date(2017, 1, 30), date(2017, 3, 20)) == []
    assert quarterly_due_dates(date(2017, 1, 20), date(2017, 5, 3)) == [date(2017, 2, 28), date(2017, 4, 28)]


def test_quarterly_cycle_by_hand(tmp_path):
    runs = [
        run("full", "u1", "A", local="2017-01-20 10:00"),    # first run: only 28 Feb has its whole cycle inside
        run("full", "u1", "A", local="2017-02-27 09:00"),    # day -1: three runs
        run("full", "u1", "A", local="2017-02-27 10:00"),
        run("full", "u1", "A", local="2017-02-27 11:00"),
        run("full", "u1", "A", local="2017-02-28 10:00"),    # day 0: one run
        run("full", "u1", "A", local="2017-03-20 10:00"),    # last run, after the cycle
    ]
    cycle = quarterly_cycle(staged_connection(tmp_path, runs, ORGS), StoryFilters())
    assert len(cycle) == 36 and set(cycle["system"]) == {"full"}
    by_day = cycle.set_index("offset_days")
    assert by_day.loc[-1, "runs_mean"] == 3 and by_day.loc[0, "runs_mean"] == 1
    assert by_day["runs_mean"].sum() == 4 and by_day.loc[-1, "due_dates"] == 1
    # an average day of the cycle holds 4 / 36 runs: day -1 is 27 times that
    assert by_day.loc[-1, "vs_average"] == pytest.approx(27)


def test_quarterly_cycle_empty_when_no_cycle_fits(tmp_path):
    runs = [run("full", "u1", "A", local="2017-02-27 09:00"), run("full", "u1", "A", local="2017-03-02 09:00")]
    assert quarterly_cycle(staged_connection(tmp_path, runs, ORGS), StoryFilters()).empty


def weekday_runs(first: date, last: date) -> list[dict]:
    """Two runs on every weekday from first to last, none at weekends."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [run("full", "u1", "A", local=f"{d} {h}:00") for d in days if d.weekday() < 5 for h in (10, 14)]


def test_decomposition_by_hand(tmp_path):
    # 1 Feb (a Wednesday) to 31 Mar 2017 (a Friday): any 28 days hold 20 weekdays, so the trend is 40 / 28 = 10/7
    parts = daily_decomposition(staged_connection(tmp_path, weekday_runs(date(2017, 2, 1), date(2017, 3, 31)), ORGS),
                                StoryFilters())
    daily = parts["daily"]
    assert len(daily) == 59
    assert daily["trend"].iloc[:14].isna().all() and daily["trend"].iloc[-13:].isna().all()
    assert daily["trend"].dropna().tolist() == pytest.approx([10 / 7] * (59 - 27))
    # weekday: 2 ÷ 10/7 = 1.4; weekend 0; the seven average 1 already
    weekly = parts["weekly"].set_index("weekday_name")["factor"]
    assert weekly[["Mon", "Tue", "Wed", "Thu", "Fri"]].tolist() == pytest.approx([1.4] * 5)
    assert weekly[["Sat", "Sun"]].tolist() == pytest.approx([0, 0])
    # nothing is left for the monthly cycle: every weekday is exactly as trend × weekday predict
    assert parts["day_of_month"]["factor"].tolist() == pytest.approx([1.0] * len(parts["day_of_month"]))
    # runs per day: Feb 40 / 28 = 1.4286, Mar 46 / 31 = 1.4839; each over their mean 1.4562
    quarter = parts["month_of_quarter"].set_index("month_of_quarter")
    assert quarter["factor"].tolist() == pytest.approx([0.98101, 1.01899], abs=1e-5)
    assert quarter.index.tolist() == [2, 3] and quarter["months"].tolist() == [1, 1]


def test_decomposition_needs_28_days(tmp_path):
    parts = daily_decomposition(staged_connection(tmp_path, weekday_runs(date(2017, 2, 1), date(2017, 2, 20)), ORGS),
                                StoryFilters())
    assert all(frame.empty for frame in parts.values())


def test_summary_and_due_dates(tmp_path):
    con = staged_connection(tmp_path, weekday_runs(date(2017, 2, 1), date(2017, 3, 31)), ORGS)
    summary = seasonality_summary(con, StoryFilters())
    assert list(summary) == ["full"]
    s = summary["full"]
    assert (s["busiest_month"], s["busiest_runs"]) == ("2017-03", 46)
    assert (s["peak_month_of_quarter"], s["busiest_weekday"], s["quietest_weekday"]) == (3, "Mon", "Sat")
    assert s["peak_offset_days"] is None            # no quarterly cycle fits in two months
    due = due_dates_in_view(con, StoryFilters())
    assert due["due_date"].tolist() == [pd.Timestamp("2017-02-28")]
    assert due["label"].tolist() == ["Q2 28 Feb / Q2 agent 28 Feb"]
    assert seasonality_summary(con, StoryFilters(statuses=())) == {}
    assert due_dates_in_view(con, StoryFilters(statuses=())).empty


def test_factors_equal_but_for_float_noise_tie():
    """Two factors that differ only in their last bits (the order threads summed them in) tie: the earlier day wins,
    whichever of the two came out a hair larger."""
    import pandas as pd

    from basstory.analyses.seasonality import first_by_factor

    for noise in (4e-15, -4e-15):
        rows = pd.DataFrame({"system": ["full"] * 3, "day_of_month": [12, 21, 5],
                             "factor": [16.0, 16.0 + noise, 0.5]})
        assert first_by_factor(rows, "day_of_month")["day_of_month"] == 12
        assert first_by_factor(rows, "day_of_month", highest=False)["day_of_month"] == 5
