"""Chapter 3's sentences: exact text for given numbers, and the edge cases (one system, nothing, no forecast)."""
from datetime import date

import pandas as pd
import pytest

from basstory.story.narrative import seasonality as n

SUMMARY = {"full": {
    "busiest_month": "2017-02", "busiest_runs": 29521, "median_month_runs": 20039.5, "months": 12,
    "peak_offset_days": -7, "peak_runs_mean": 1527.3, "baseline_runs_mean": 682.5, "due_dates": 6,
    "peak_month_of_quarter": 2, "peak_month_of_quarter_factor": 1.3684, "busiest_weekday": "Fri",
    "busiest_weekday_factor": 1.3557, "quietest_weekday": "Sun", "quietest_weekday_factor": 0.199}}
PLAN = {"provision": 7, "due_date": date(2017, 11, 27), "due_label": "Q1 agent 25 Nov", "peak_month": "2017-11",
        "forecast": 4.0, "lower": 2.8906, "upper": 5.5352, "level": 0.8, "z": 1.2816, "headroom": 0.25, "sigma": 0.2535,
        "errors": 9, "season_months": 3, "last_peak": {"month": "2017-08", "peak_concurrency": 4}}
LOAD = {"runs": 235656, "mean_runtime_s": 1.4325, "peak_concurrency": 4,
        "peak_at_local": pd.Timestamp("2016-10-04 15:00:51"), "minutes": 524886, "minute_p50": 0.0,
        "minute_p95": 1.0, "minute_p99": 2.0, "busy_minute_p95": 1.0, "busy_minute_p99": 2.0,
        "peak_hour_compute_s": 726.35, "peak_hour_local": pd.Timestamp("2017-02-23 14:00"),
        "median_hour_compute_s": 9.205, "peak_to_median_hour": 78.9, "peak_day_runs": 2029, "median_day_runs": 536.0,
        "peak_to_median_day": 3.785, "little_max_error": 0.00053}


@pytest.mark.parametrize("x, text", [(1.234, "1.23×"), (2.04, "2.0×"), (78.9, "79×")])
def test_times(x, text):
    assert n.times(x) == text


@pytest.mark.parametrize("offset, text", [(-7, "7 days before"), (-1, "1 day before"), (0, "on"),
                                          (2, "2 days after")])
def test_days_phrase(offset, text):
    assert n.days_phrase(offset) == text


def test_finding():
    assert n.seasonality_finding(SUMMARY, PLAN) == (
        "Full BAS load follows the BAS quarter: the second month of each quarter (Feb, May, Aug, Nov) runs 1.37× an "
        "average month, when quarterly BAS lodged through an agent falls due (25 Nov, 28 Feb, 26 May, 25 Aug); "
        "provision for 7 concurrent Full BAS runs in the week before 27 Nov 2017.")
    one = {"simple": {**SUMMARY["full"], "peak_month_of_quarter": None}}
    assert n.seasonality_finding(one, None) == "Simple BAS's busiest month was February 2017 (29,521 runs)."
    assert n.seasonality_finding({}, None) == "No report runs in this view, so there is no season to read."


def test_monthly_title():
    months = pd.DataFrame({"month": ["2017-01", "2017-01", "2017-02"], "system": ["full", "simple", "full"],
                           "runs": [10, 30, 35], "month_total": [40, 40, 35], "busiest": [True, True, False],
                           "busiest_for_system": [False, True, True]})
    assert n.monthly_title(months).text == (
        "January 2017 was the busiest month: 40 runs; Full BAS peaks in February 2017")
    assert n.monthly_title(months.iloc[0:0]).text == "No runs in this view"


def test_cycle_title():
    cycle = pd.DataFrame({"system": ["full", "full", "simple", "simple"], "offset_days": [-7, 0, -1, 0],
                          "runs_mean": [10, 5, 3, 4], "vs_average": [1.95, 1.2, 0.9, 1.99],
                          "due_dates": [6, 6, 16, 16]})
    title = n.cycle_title(cycle)
    assert title.text == ("Full BAS peaks 7 days before the due date (1.95× an average day of the cycle); "
                          "Simple BAS peaks on the due date (1.99× an average day of the cycle)")
    assert "(Full BAS 6, Simple BAS 16)" in title.subtitle
    assert n.cycle_title(cycle.iloc[0:0]).text == "The period is too short to hold a whole quarterly cycle"


def test_decomposition_titles():
    weekly = pd.DataFrame({"system": ["full", "full", "simple", "simple"], "weekday": [5, 7, 4, 7],
                           "weekday_name": ["Fri", "Sun", "Thu", "Sun"], "factor": [1.36, 0.2, 1.35, 0.2]})
    assert n.weekly_title(weekly).text == (
        "Weekdays carry the load: Full BAS, busiest on Fridays, runs 1.36× its trend then and 0.20× on Sundays; "
        "Simple BAS, busiest on Thursdays, runs 1.35× its trend then and 0.20× on Sundays")
    # the busiest weekday is the claims' (most runs); its factor is read from the cycle
    claimed = {"full": {"weekday": 7}, "simple": {"weekday": 4}}
    assert n.weekly_title(weekly, claimed).text.startswith(
        "The week's rhythm: Full BAS, busiest on Sundays, runs 0.20× its trend then")
    weekend = weekly.assign(factor=[0.5, 1.5, 1.35, 0.2])
    assert n.weekly_title(weekend).text.startswith("The week's rhythm: Full BAS, busiest on Sundays, runs 1.50×")
    dom = pd.DataFrame({"system": ["full", "full"], "day_of_month": [21, 1], "factor": [1.66, 0.7]})
    assert n.day_of_month_title(dom).text == (
        "Within the month, runs crowd towards the due days: Full BAS's busiest day, the 21st, still runs 1.66× what "
        "trend and weekday predict")
    assert n.day_of_month_title(dom, {"full": {"day": 1}}).text == (
        "Within the month: Full BAS's busiest day, the 1st, still runs 0.70× what trend and weekday predict")
    early = dom.assign(day_of_month=[3, 1])
    assert n.day_of_month_title(early).text.startswith("Within the month: Full BAS's busiest day, the 3rd")
    moq = pd.DataFrame({"system": ["full"] * 3, "month_of_quarter": [1, 2, 3], "factor": [1.02, 1.37, 0.61]})
    assert n.month_of_quarter_title(moq).text == (
        "The quarter sets the season: for Full BAS the second month of each quarter (Feb, May, Aug, Nov) runs 1.37× "
        "an average month, the third 0.61×")
    flat = moq.assign(factor=[1.0, 1.05, 0.95])
    assert n.month_of_quarter_title(flat).text.startswith("The quarter barely shows")
    daily = pd.DataFrame({"day": pd.to_datetime(["2017-02-15", "2017-01-01", "2017-03-01"]), "runs": 1,
                          "trend": [1054.3, 362.0, None]})
    assert n.daily_title("full", daily).text == (
        "Full BAS's trend peaks around 15 Feb 2017 at 1,054.3 runs a day, 2.9× its low point")
    assert n.daily_title("simple", daily.assign(trend=None)).text == "Simple BAS: too few days for a 28-day trend"
    assert n.weekly_title(weekly.iloc[0:0]).text == "Too few days to read a weekly cycle"


CLAIMED_LOAD = {"hour_by_compute": {"at": pd.Timestamp("2017-02-23 14:00"), "compute_s": 726.35, "median_s": 9.205,
                                    "ratio": 78.9},
                "hour_by_runs": {"at": pd.Timestamp("2017-08-21 11:00"), "runs": 229}, "peak_concurrency": 4,
                "peak_at": pd.Timestamp("2016-10-04 15:00:51"), "minute_p99": 2.0, "provision": 7}


def test_load_sentences():
    assert n.load_title(CLAIMED_LOAD).text == (
        "The busiest hour by compute-seconds, 23 Feb 2017 14:00 Sydney time, held 726 compute-seconds of Full BAS "
        "runtime — 79× the median hour")
    assert n.concurrency_title(LOAD, CLAIMED_LOAD).text == (
        "At most 4 Full BAS runs ran at once (4 Oct 2016 15:00 Sydney time); in 99% of minutes no more than 2 runs")
    assert n.load_sentences(LOAD, CLAIMED_LOAD) == [
        "**235,656 Full BAS runs** averaging **1.43 s** each.",
        "Per minute, the most runs under way at once is 0 at the median minute, **1 in 95% of minutes and 2 in 99%** "
        "(over all 524,886 minutes of the period; over minutes with a run under way: 1 and 2); at most 4 Full BAS "
        "runs ran at once.",
        "Peak-to-median: the busiest hour by compute-seconds, 23 Feb 2017 14:00 Sydney time, held 726 "
        "compute-seconds of Full BAS runtime, against 9.2 in the median hour (**79× the median hour**); the "
        "busiest day had 2,029 runs against 536 on the median day (**3.8×**).",
    ]
    no_median = {**LOAD, "peak_to_median_hour": None, "median_hour_compute_s": 0.0}
    idle = {**CLAIMED_LOAD, "hour_by_compute": {**CLAIMED_LOAD["hour_by_compute"], "ratio": None}}
    assert "(**" not in n.load_sentences(no_median, idle)[2].split(";")[0]


def test_littles_law_sentence():
    hours = pd.DataFrame({"arrivals_per_s": [0.0636], "mean_runtime_s": [2.98], "littles_l": [0.1897],
                          "measured_l": [0.1897], "peak_concurrency": [3]})
    assert n.littles_law_sentence(LOAD, hours, CLAIMED_LOAD) == (
        "**Check (Little's law, L = λ·W: runs under way on average = runs starting per second × seconds a run "
        "takes).** In the hour with the most runs starting, arrivals per second (λ) × mean "
        "runtime in seconds (W) predicts the average number of runs under way (L); the sweep measures it as "
        "compute-seconds ÷ 3,600. They agree within 0.1%. In the busiest hour by runs starting, 21 Aug 2017 11:00 "
        "Sydney time (229 runs): λ = 0.0636 runs a second, W = 2.98 s, λ·W = 0.190, measured 0.190 runs under way "
        "on average. It differs from the busiest hour by compute-seconds because that one counts how long the runs "
        "took, not how many started. The peak concurrency in those hours (3 runs) is well above their average: "
        "bursts, not the average, size the capacity.")
    assert n.littles_law_sentence(LOAD, hours.iloc[0:0], CLAIMED_LOAD) == "No busy hour to check against Little's law."


def test_runtime_title():
    degrades = pd.DataFrame({"runtime_median_s": [0.53, 1.03], "runtime_p95_s": [2.02, 4.13]})
    assert n.runtime_title(degrades).text == (
        "Runtime degrades at peak: in the tenth of hours with the most runs starting the median run takes 1.94× and "
        "the 95th percentile 2.0× as long as in the quietest tenth")
    steady = pd.DataFrame({"runtime_median_s": [1.0, 1.02], "runtime_p95_s": [2.0, 2.1]})
    assert n.runtime_title(steady).text == (
        "Runtime holds up under load: in the tenth of hours with the most runs starting the median run takes 1.02× "
        "as long as in the quietest tenth")
    assert n.runtime_title(steady.iloc[:1]).text.startswith("Too few busy hours")


def test_capacity_statement_and_forecast():
    assert n.capacity_statement(PLAN) == (
        "Provision for **7 concurrent Full BAS runs in the week before 27 Nov 2017** (Q1 agent 25 Nov): the "
        "seasonal-naive forecast (each month repeats the same month one quarter earlier) for November 2017 is 4 "
        "at once (the peak of August 2017, one quarter earlier), 80% "
        "interval 2.9–5.5, plus 25% headroom.")
    assert n.capacity_statement(None).startswith("No capacity forecast: it needs at least five whole months")
    assert n.capacity_phrase({**PLAN, "due_date": None}) == (
        "provision for 7 concurrent Full BAS runs in November 2017")
    assert n.forecast_title(PLAN).text == (
        "Next peak: November 2017, forecast 4 runs at once (80% interval 2.9–5.5); provision 7")
    assert "over 9 past months is σ = 0.25" in n.forecast_method(PLAN)
    assert "e^(±1.28σ)" in n.forecast_method(PLAN)


def test_the_cycle_window_is_written_from_the_analyses(monkeypatch):
    empty = pd.DataFrame(columns=["system", "offset_days", "vs_average", "due_dates"])
    assert n.cycle_title(empty).subtitle == "A cycle runs from 30 days before a quarterly due date to 5 days after it."
    monkeypatch.setattr(n, "CYCLE_DAYS_BEFORE", 21)
    monkeypatch.setattr(n, "CYCLE_DAYS_AFTER", 3)
    assert n.cycle_title(empty).subtitle == "A cycle runs from 21 days before a quarterly due date to 3 days after it."
