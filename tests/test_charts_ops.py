"""Chart specs of the active users, spikes and forecast chapters: small hand-made frames in, the fields, types,
system colours and non-empty data out."""
import pandas as pd
import pytest

from basstory.story.charts.activity import monthly_active_chart, org_flows_chart
from basstory.story.charts.forecast import daily_forecast_chart, hourly_forecast_chart
from basstory.story.charts.spikes import spike_series_chart
from tests.chart_spec import assert_small, assert_system_colors, main_unit, units


def data_rows(spec: dict) -> list[dict]:
    return [row for rows in spec["datasets"].values() for row in rows]


def y_values(spec: dict, unit: dict) -> list:
    """The values of a unit's y field across the spec's datasets (the rows that hold it)."""
    field = unit["encoding"]["y"]["field"]
    return [row[field] for row in data_rows(spec) if field in row]


MONTHLY = pd.DataFrame({
    "month": ["2017-01", "2017-02", "2017-01"],
    "month_start": pd.to_datetime(["2017-01-01", "2017-02-01", "2017-01-01"]),
    "system": ["full", "full", "simple"], "users": [10, 12, 3], "orgs": [5, 6, 2], "runs": [40, 50, 9],
    "complete": [True, True, False]})


def test_monthly_active_chart_draws_users_and_orgs_of_one_system():
    spec = monthly_active_chart(MONTHLY, "full", "Title", "Subtitle").to_dict()
    line = main_unit(spec, "line")
    assert line["encoding"]["x"]["field"] == "month_start" and line["encoding"]["x"]["type"] == "temporal"
    assert line["encoding"]["strokeDash"]["field"] == "measure"
    assert_system_colors(line)
    assert sorted(y_values(spec, line)) == [5, 6, 10, 12]           # users and orgs of the whole Full BAS months
    assert_small(spec)


def test_flows_chart_draws_dormant_below_zero():
    flows = pd.DataFrame({"system": ["full"], "quarter": ["2017Q1"], "quarter_start": pd.to_datetime(["2017-01-01"]),
                          "label": ["Jan–Mar 2017"], "active": [10], "new": [3], "returning": [7], "back": [1],
                          "dormant": [2]})
    spec = org_flows_chart(flows, "Title", "Subtitle").to_dict()
    bars = main_unit(spec, "bar")
    assert_system_colors(bars)
    assert sorted(y_values(spec, bars)) == [-2, 0, 1, 3]                 # dormant, the zero rule, back, new


def test_spike_series_chart_marks_flagged_days():
    days = pd.date_range("2017-06-05", periods=5)
    series = pd.DataFrame({"system": "full", "measure": "runs", "day": days, "value": [100, 400, 100, 0, 100],
                           "expected": [100.0] * 5, "z": [0, 9, 0, -9, 0], "phase": "other"})
    flagged = pd.DataFrame({"system": ["full", "full"], "measure": "runs", "day": days[[1, 3]],
                            "kind": ["spike", "drop"], "value": [400, 0], "expected": [100.0, 100.0],
                            "cause": ["x", "y"]})
    due = pd.DataFrame({"due_date": pd.to_datetime(["2017-06-07"]), "label": ["Q"]})
    spec = spike_series_chart(series, flagged, "runs", due, "Title", "Subtitle").to_dict()
    marks = [u for u in units(spec) if u.get("encoding", {}).get("shape")]
    assert len(marks) == 1 and marks[0]["encoding"]["shape"]["scale"]["range"] == ["triangle-up", "triangle-down"]
    lines = [u for u in units(spec) if u["mark"]["type"] == "line"]
    assert {u["encoding"]["y"]["field"] for u in lines} == {"value", "expected"}
    own = spec["datasets"][marks[0]["data"]["name"]]                   # the marks' own rows: the flagged days
    assert sorted(row["value"] for row in own) == [0, 400]
    assert_small(spec)


@pytest.mark.parametrize("measure, low", [("runs", "lower"), ("peak_concurrency", "peak_lower")])
def test_hourly_forecast_chart(measure, low):
    hours = pd.DataFrame({"hour": pd.date_range("2017-11-20", periods=3, freq="h"), "runs": [1.0, 2.0, 3.0],
                          "lower": [0.5, 1.0, 1.5], "upper": [2.0, 4.0, 6.0], "peak_concurrency": [1, 1, 2],
                          "peak_lower": [1, 1, 1], "peak_upper": [2, 2, 3]})
    spec = hourly_forecast_chart(hours, measure, "Title", "Subtitle").to_dict()
    band = main_unit(spec, "area")
    assert band["encoding"]["y"]["field"] == low
    assert main_unit(spec, "line")["encoding"]["y"]["field"] == measure


def test_daily_forecast_chart_shows_history_and_forecast():
    history = pd.DataFrame({"day": pd.date_range("2017-09-28", periods=3), "runs": [10, 11, 12]})
    days = pd.DataFrame({"day": pd.date_range("2017-10-01", periods=2), "runs": [13.0, 14.0], "lower": [10.0, 11.0],
                         "upper": [16.0, 17.0]})
    spec = daily_forecast_chart(history, days, pd.DataFrame(columns=["due_date", "label"]), "T", "S").to_dict()
    line = main_unit(spec, "line")
    assert line["encoding"]["strokeDash"]["field"] == "series"
    own = spec["datasets"][line["data"]["name"]]
    assert [(row["series"], row["runs"]) for row in own] == [("actual", 10), ("actual", 11), ("actual", 12),
                                                             ("forecast", 13), ("forecast", 14)]
