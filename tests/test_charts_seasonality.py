"""Chapter 3's charts as Vega-Lite specs: marks, typed fields, axis titles with units, tooltips, system colours,
due-date rules and the 5,000-row limit."""
import random

import pandas as pd
import pytest

from basstory.analyses.capacity import capacity_outlook, runtime_by_load_decile
from basstory.analyses.seasonality import daily_decomposition, due_dates_in_view, quarterly_cycle, runs_per_month
from basstory.query.filters import StoryFilters
from basstory.story.charts import seasonality as charts
from basstory.story.charts.common import MAX_POINTS
from basstory.story.theme import ACCENT_COLOR, SYSTEM_COLORS
from tests.staged_fixtures import org, run, staged_connection

SYSTEM_DOMAIN = ["Full BAS", "Simple BAS"]
SYSTEM_RANGE = [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"]]


def units(spec: dict) -> list[dict]:
    """Every single-view spec inside a (possibly layered) spec."""
    if "layer" in spec:
        return [u for layer in spec["layer"] for u in units(layer)]
    return [spec]


def mark_type(unit: dict) -> str:
    mark = unit["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def rows(spec: dict) -> int:
    return sum(len(v) for v in spec.get("datasets", {}).values())


def assert_system_colours(unit: dict) -> None:
    scale = unit["encoding"]["color"]["scale"]
    assert scale["domain"] == SYSTEM_DOMAIN and scale["range"] == SYSTEM_RANGE


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    """Seeded runs of both systems, 1 Oct 2016 to 31 Mar 2017, with more runs near the 28th."""
    rng = random.Random(42)
    orgs = [org(f"O{i}") for i in range(5)]
    runs = []
    for day in pd.date_range("2016-10-01", "2017-03-31"):
        for _ in range(3 + (6 if 21 <= day.day <= 28 else 0)):
            when = day + pd.Timedelta(minutes=rng.randrange(8 * 60, 18 * 60))
            system = "full" if rng.random() < 0.7 else "simple"
            runs.append(run(system, f"u{rng.randrange(9)}", f"O{rng.randrange(5)}", local=str(when),
                            runtime=rng.uniform(0.5, 90)))
    con = staged_connection(tmp_path_factory.mktemp("charts3"), runs, orgs)
    f = StoryFilters()
    return {"months": runs_per_month(con, f), "cycle": quarterly_cycle(con, f), "parts": daily_decomposition(con, f),
            "due": due_dates_in_view(con, f), "outlook": capacity_outlook(con, f),
            "deciles": runtime_by_load_decile(con, f)}


def test_monthly_runs_chart(frames):
    spec = charts.monthly_runs_chart(frames["months"], "February was busiest", "Runs per month").to_dict()
    bars, outline, note = units(spec)
    assert mark_type(bars) == "bar"
    assert bars["encoding"]["x"]["field"] == "month_start" and bars["encoding"]["x"]["type"] == "temporal"
    assert bars["encoding"]["x"]["timeUnit"] == "yearmonth"
    assert bars["encoding"]["y"] == {**bars["encoding"]["y"], "field": "runs", "type": "quantitative",
                                     "title": "Report runs per month"}
    assert_system_colours(bars)
    assert {t["field"] for t in bars["encoding"]["tooltip"]} >= {"month_start", "system_label", "runs"}
    # the busiest month is outlined and labelled in the accent colour
    assert outline["mark"]["stroke"] == ACCENT_COLOR and note["mark"]["color"] == ACCENT_COLOR
    assert spec["title"]["text"] == "February was busiest" and rows(spec) <= MAX_POINTS


def test_quarterly_cycle_chart(frames):
    spec = charts.quarterly_cycle_chart(frames["cycle"], "Peaks before the due date", "Around due dates").to_dict()
    line, rule, text = units(spec)
    assert mark_type(line) == "line"
    assert line["encoding"]["x"]["field"] == "offset_days" and line["encoding"]["x"]["type"] == "quantitative"
    assert "due date" in line["encoding"]["x"]["title"]
    assert line["encoding"]["y"]["field"] == "vs_average" and "×" in line["encoding"]["y"]["title"]
    assert_system_colours(line)
    assert mark_type(rule) == "rule" and rule["mark"]["color"] == ACCENT_COLOR


def test_daily_trend_chart_marks_due_dates_inside_its_period(frames):
    daily = frames["parts"]["daily"]
    full = daily[daily["system"] == "full"]
    due = pd.concat([frames["due"], pd.DataFrame({"due_date": [pd.Timestamp("2019-02-28")], "label": ["later"]})])
    spec = charts.daily_trend_chart(full, due, "Trend peaks in February", "Runs per day").to_dict()
    runs, trend, *due_layers = units(spec)
    assert [mark_type(u) for u in (runs, trend)] == ["line", "line"]
    assert runs["encoding"]["y"]["title"] == "Report runs per day" and trend["encoding"]["y"]["field"] == "trend"
    assert runs["encoding"]["x"]["title"] == "Day (Sydney time)"
    assert_system_colours(runs)
    assert [mark_type(u) for u in due_layers] == ["rule", "text", "text"]
    due_rows = next(v for k, v in spec["datasets"].items() if v and "short" in v[0])
    assert "28 Feb" in {r["short"] for r in due_rows} and "later" not in {r["label"] for r in due_rows}
    assert rows(spec) <= MAX_POINTS


@pytest.mark.parametrize("builder, part, x_field", [
    (charts.weekly_cycle_chart, "weekly", "weekday_name"),
    (charts.day_of_month_cycle_chart, "day_of_month", "day_of_month"),
    (charts.month_of_quarter_chart, "month_of_quarter", "months"),
])
def test_cycle_factor_charts(frames, builder, part, x_field):
    spec = builder(frames["parts"][part], "A finding", "What is shown").to_dict()
    bars, one = units(spec)
    assert mark_type(bars) == "bar" and bars["encoding"]["x"]["field"] == x_field
    assert bars["encoding"]["xOffset"]["field"] == "system_label"
    assert bars["encoding"]["y"]["field"] == "factor" and "×" in bars["encoding"]["y"]["title"]
    assert_system_colours(bars)
    assert bars["encoding"]["tooltip"]
    assert mark_type(one) == "rule"


def test_load_charts(frames):
    load = frames["outlook"]["load"]
    spec = charts.daily_load_chart(load["daily"], frames["due"], "Busiest hour", "Compute").to_dict()
    line = units(spec)[0]
    assert line["encoding"]["y"]["field"] == "peak_hour_compute_s"
    assert "compute-s" in line["encoding"]["y"]["title"]
    assert_system_colours(line)
    assert line["encoding"]["color"]["legend"] is None          # one system: the title names it
    spec = charts.daily_concurrency_chart(load["daily"], frames["due"], "At most 3", "Per day").to_dict()
    area = units(spec)[0]
    assert mark_type(area) == "area" and area["encoding"]["y"]["field"] == "peak_concurrency"
    assert "at once" in area["encoding"]["y"]["title"]
    assert rows(spec) <= MAX_POINTS


def test_runtime_by_load_chart(frames):
    deciles = frames["deciles"]
    spec = charts.runtime_by_load_chart(deciles, "Runtime degrades", "By decile").to_dict()
    assert mark_type(spec) == "line"
    assert spec["encoding"]["x"]["field"] == "decile" and spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["y"]["title"] == "Runtime per run (s)"
    assert spec["encoding"]["strokeDash"]["field"] == "statistic"
    assert_system_colours(spec)
    assert rows(spec) == 2 * len(deciles)


def test_forecast_chart(frames):
    plan = frames["outlook"]["plan"]
    assert plan is not None
    spec = charts.forecast_chart(plan["history"], plan["forecasts"], plan["provision"], "Next peak", "Forecast"
                                 ).to_dict()
    line, bars, points, rule, text = units(spec)
    assert [mark_type(u) for u in (line, bars, points, rule)] == ["line", "errorbar", "point", "rule"]
    assert line["encoding"]["y"]["field"] == "peak_concurrency" and "at once" in line["encoding"]["y"]["title"]
    assert bars["encoding"]["y"]["field"] == "lower" and bars["encoding"]["y2"]["field"] == "upper"
    assert rule["mark"]["color"] == ACCENT_COLOR
    assert_system_colours(line)



def test_monthly_runs_chart_marks_an_extract_ending_inside_it(frames):
    months = frames["months"]
    first, last = pd.to_datetime(months["month_start"]).min(), pd.to_datetime(months["month_start"]).max()
    inside = (first + (last - first) / 2).date()
    spans = {"full": (first.date(), inside)}
    spec = charts.monthly_runs_chart(months, "February was busiest", "Runs per month", spans).to_dict()
    edge = [u for u in units(spec) if u["encoding"].get("x", {}).get("field") == "edge_date"]
    assert [mark_type(u) for u in edge] == ["rule", "text", "text"]     # the rule, its labels on two lines
    labels = [r["label"] for data in spec["datasets"].values() for r in data if "label" in r and "edge_date" in r]
    assert labels == [f"Full BAS extract ends {inside.day} {inside:%b %Y}"]
