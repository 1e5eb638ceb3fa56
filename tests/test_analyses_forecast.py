"""The daily and hourly forecast (analyses.forecast) on hand-worked numbers and a staged half year."""
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from basstory.analyses import capacity
from basstory.analyses.forecast import (
    backtest,
    day_weights,
    forecast,
    forecast_summary,
    key_numbers,
    peak_check,
    poisson_peak,
)
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A")]


def test_poisson_peak_by_hand():
    # mean 0.5, runs of 36 s: the tail allowed is 36 / 3600 = 1%. P(N > 2) = 1 - e^-0.5 (1 + 0.5 + 0.125) = 1.4%,
    # P(N > 3) = 0.18%: the peak is 3
    assert poisson_peak(0.5, 36) == 3
    assert poisson_peak(0.0, 36) == 0 and poisson_peak(1.0, 0) == 0


def test_day_weights():
    model = {"weekday": {1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0, 5: 0.0, 6: -1.0, 7: -1.0},
             "phase": {"other": 0.0, "monthly 0": 0.5}, "holiday_effect": -2.0}
    days = pd.DatetimeIndex(["2017-12-20", "2017-12-21", "2017-12-24", "2017-12-25"])
    w = day_weights(days, model)
    # Wed 20 Dec: monthly due 21 Dec is 1 day ahead, a phase the model never saw (0); Thu 21 Dec: the due date;
    # Sun 24 Dec: a weekend day in the Christmas–New Year break; Mon 25 Dec: a public holiday
    assert w["phase"].tolist() == ["monthly 1", "monthly 0", "other", "other"]
    assert w["weight"].tolist() == pytest.approx([1.0, math.exp(0.5), math.exp(-3.0), math.exp(-2.0)])


def half_year(last: date = date(2017, 6, 30)) -> list[dict]:
    """Full BAS, 2 Jan to 30 Jun 2017 (or `last`): 20 runs each weekday (10:00 to 10:19, one a minute, each 1 s
    long), none at weekends; 2 Jan and 30 Jun are weekdays, so all six months are whole."""
    runs, day = [], date(2017, 1, 1)
    while day <= last:
        if day.weekday() < 5:
            runs += [run("full", "u1", "A", local=f"{day} 10:{i:02d}", runtime=1.0) for i in range(20)]
        day += timedelta(days=1)
    return runs


def test_forecast_carries_the_months_down_to_days_and_hours(tmp_path):
    runs = half_year()
    con = staged_connection(tmp_path, runs, ORGS)
    fc = forecast(con, StoryFilters())
    months, days, hours = fc["months"], fc["days"], fc["hours"]
    # seasonal-naive: July, August and September repeat April, May and June
    per_month = pd.Series([pd.Timestamp(r["run_utc"]).tz_localize("UTC").tz_convert("Australia/Sydney")
                           .strftime("%Y-%m") for r in runs]).value_counts()
    assert months["month"].tolist() == ["2017-07", "2017-08", "2017-09"]
    assert months["runs"].tolist() == [per_month["2017-04"], per_month["2017-05"], per_month["2017-06"]]
    sigma = capacity.seasonal_naive_forecast(fc["plan"]["history"]["runs"].to_numpy())["sigma"].iloc[0]
    assert fc["sigma_month"] == pytest.approx(sigma)
    # the days share each month's runs, and the hours each day's
    assert days.groupby("month")["runs"].sum().tolist() == pytest.approx(months["runs"].tolist())
    assert hours.groupby("day")["runs"].sum().tolist() == pytest.approx(days["runs"].tolist())
    assert len(days) == 92 and len(hours) == 92 * 24
    # every run of the history started in the 10:00 hour of a working day: so does every forecast run
    assert hours.loc[hours["hour"].dt.hour != 10, "runs"].sum() == 0
    # no run at weekends: the weekday effect (ln 1 - ln 21) shrinks a weekend day to 1/21 of a weekday
    sat, mon = days.set_index("day").loc[[pd.Timestamp("2017-07-08"), pd.Timestamp("2017-07-10")], "runs"]
    assert sat / mon == pytest.approx(1 / 21)
    # intervals: a day's combines the month's spread with the day model's
    width = math.exp(fc["z"] * math.sqrt(fc["sigma_month"] ** 2 + fc["sigma_day"] ** 2))
    assert (days["upper"] / days["runs"]).to_numpy() == pytest.approx(np.full(len(days), width))
    # runs never overlap (one a minute, 1 s each): the measured peaks are 1, as is the rule's for 20 runs an hour
    check = peak_check(con, StoryFilters())
    assert check["peak_concurrency"].eq(1).all() and check["predicted_peak"].eq(1).all()
    assert fc["peak_bias"] == 0


def test_summary_and_key_numbers(tmp_path):
    con = staged_connection(tmp_path, half_year(), ORGS)
    s = forecast_summary(con, StoryFilters())
    fc = forecast(con, StoryFilters())
    top = fc["days"].sort_values(["runs", "day"], ascending=[False, True]).iloc[0]
    assert s["peak_day"]["day"] == top["day"] and s["peak_hour"]["hour"].hour == 10
    assert s["runs"] == pytest.approx(fc["months"]["runs"].sum())
    numbers = key_numbers(con, StoryFilters())
    assert numbers["quarter"] == "2017-07..2017-09" and numbers["peak_day"] == f"{top['day']:%Y-%m-%d}"
    assert numbers["peak_hour"].endswith("10:00") and numbers["peak_hour_concurrency"] == 1


def test_no_forecast_without_five_whole_months(tmp_path):
    runs = [r for r in half_year() if r["run_utc"] < pd.Timestamp("2017-04-01")]
    con = staged_connection(tmp_path, runs, ORGS)
    assert forecast(con, StoryFilters()) is None and key_numbers(con, StoryFilters()) == {}


def test_backtest_holds_the_last_quarter_back(tmp_path):
    # 2 Jan (January is cut: its 1st has no run) to Tue 31 Oct: whole months February to October; the last three
    # (August to October) are held back and forecast from February to July
    runs = half_year(last=date(2017, 10, 31))
    con = staged_connection(tmp_path, runs, ORGS)
    b = backtest(con, StoryFilters())
    per_month = pd.Series([pd.Timestamp(r["run_utc"]).tz_localize("UTC").tz_convert("Australia/Sydney")
                           .strftime("%Y-%m") for r in runs]).value_counts()
    assert b["months"]["month"].tolist() == ["2017-08", "2017-09", "2017-10"]
    assert b["months"]["runs"].tolist() == [per_month["2017-05"], per_month["2017-06"], per_month["2017-07"]]
    assert b["months"]["actual"].tolist() == [per_month["2017-08"], per_month["2017-09"], per_month["2017-10"]]
    assert b["months"]["error"].tolist() == pytest.approx(
        [per_month[f"2017-{f:02d}"] / per_month[f"2017-{a:02d}"] - 1 for f, a in ((5, 8), (6, 9), (7, 10))])
    assert b["days"]["actual"].sum() == per_month[["2017-08", "2017-09", "2017-10"]].sum()
    assert b["days_judged"] == 92 and 0 <= b["within"] <= 1


def test_no_backtest_without_five_months_before_the_quarter(tmp_path):
    assert backtest(staged_connection(tmp_path, half_year(), ORGS), StoryFilters()) is None
