"""Chapters 4 and 5's charts as Vega-Lite specs: the 1,344-cell window map, the window comparison and due weeks."""
import pandas as pd
import pytest

from basstory.analyses.outage_impact import window_metrics
from basstory.query.filters import StoryFilters
from basstory.story.charts import outage as charts
from basstory.story.charts.common import MAX_POINTS
from basstory.story.theme import ACCENT_COLOR, SYSTEM_COLORS, system_tint
from tests.staged_fixtures import org, run, staged_connection
from tests.test_charts_seasonality import assert_system_colours, mark_type, rows, units


@pytest.fixture(scope="module")
def metrics(tmp_path_factory):
    runs = [run("full", "u1", "A", local="2017-02-01 00:00", runtime=3),
            run("full", "u2", "A", local="2017-02-10 14:10", runtime=30),
            run("full", "u1", "A", local="2017-03-31 23:59", runtime=3)]
    con = staged_connection(tmp_path_factory.mktemp("charts4"), runs, [org("A")])
    return window_metrics(con, StoryFilters(), "full")


@pytest.mark.parametrize("system, metric", [("full", "runs"), ("full", "users"), ("simple", "runs")])
def test_window_heatmap(metrics, system, metric):
    spec = charts.window_heatmap_chart(metrics, system, metric, metric, "Cheapest on day 1", "Per window").to_dict()
    cells, outline, numbers = units(spec)
    assert mark_type(cells) == "rect"
    enc = cells["encoding"]
    assert (enc["x"]["field"], enc["x"]["type"], enc["y"]["field"], enc["y"]["type"]) == (
        "start", "ordinal", "day", "ordinal")
    assert "Sydney" in enc["x"]["title"] and "Day of the month" in enc["y"]["title"]
    # the system's own colour, on a square-root scale the legend names, with the unit in its title
    assert enc["color"]["field"] == f"{metric}_mean"
    assert enc["color"]["scale"]["range"] == [system_tint(system), SYSTEM_COLORS[system]]
    assert enc["color"]["scale"]["type"] == "sqrt" and "(square-root scale)" in enc["color"]["title"]
    assert enc["color"]["title"][0] == f"{metric.capitalize()} a month"
    assert {t["field"] for t in enc["tooltip"]} >= {"day", "start", "end", f"{metric}_mean", f"{metric}_max"}
    assert outline["mark"]["stroke"] == ACCENT_COLOR and outline["mark"]["fill"] == "white"   # ranks read on any
    assert numbers["mark"]["fontSize"] >= 12                                                   # shade
    datasets = sorted(len(v) for v in spec["datasets"].values())
    assert datasets == [5, 28 * 48] and rows(spec) <= MAX_POINTS


def comparison_rows() -> pd.DataFrame:
    return pd.DataFrame({"system": ["full"] * 4 + ["simple"] * 2,
                         "label": ["Recommended", "Runner-up", "Median window", "Costliest window",
                                   "Recommended", "Costliest window"],
                         "window": ["day 1, 00:00–02:00"] * 6, "runs_mean": [0, 0.1, 40, 230, 0, 24]})


def test_window_comparison_chart():
    spec = charts.window_comparison_chart(comparison_rows(), "Almost no one", "Expected runs").to_dict()
    bars, values = units(spec)
    assert mark_type(bars) == "bar" and mark_type(values) == "text"
    assert bars["encoding"]["x"]["field"] == "runs_mean" and "Runs a month" in bars["encoding"]["x"]["title"]
    assert bars["encoding"]["y"]["sort"] == charts.COMPARISON_ORDER
    assert_system_colours(bars)
    assert bars["encoding"]["tooltip"]


def test_due_week_chart():
    due = pd.DataFrame({"system": ["full", "full"], "group": ["Monthly BAS (due the 21st)", "Outside due weeks"],
                        "cadence": ["monthly", ""], "occurrences": [336, 672], "runs_mean": [12.5, 3.0],
                        "days": ["15–21", ""], "worst_window": ["day 21, 09:00–11:00"] * 2,
                        "worst_runs_mean": [40.0, 9.0]})
    spec = charts.due_week_chart(due, "Due weeks cost more", "Per window").to_dict()
    bars, _ = units(spec)
    assert bars["encoding"]["y"]["field"] == "group" and bars["encoding"]["y"]["sort"] == list(due["group"])
    assert "two-hour window" in bars["encoding"]["x"]["title"]
    assert_system_colours(bars)
    assert {t["field"] for t in bars["encoding"]["tooltip"]} >= {"group", "days", "runs_mean", "worst_window"}
