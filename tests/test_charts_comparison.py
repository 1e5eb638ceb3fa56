"""Chapter 2's charts as Vega-Lite specs: marks, typed encodings, the system colours (and green for 'both'), axis
titles with units, tooltips, titles from the narrative, and small datasets."""
from __future__ import annotations

import pytest

from basstory.analyses import comparison as an
from basstory.analyses.interaction import repeat_runs, repeat_runs_frame
from basstory.query.filters import StoryFilters
from basstory.story.charts import comparison as charts
from basstory.story.theme import BOTH_COLOR, SYSTEM_COLORS
from tests.chart_spec import (
    assert_no_configure,
    assert_small,
    assert_system_colors,
    assert_title,
    encoding,
    main_unit,
    tooltip_fields,
    units,
)
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A", plan="Standard"), org("B", plan="Premium 5"), org("C", plan="Starter")]
RUNS = [
    run("full", "u1", "A", local="2017-01-02 10:00"), run("full", "u1", "A", local="2017-01-02 10:10"),
    run("simple", "u1", "A", local="2017-04-03 10:00"), run("simple", "u2", "B", local="2017-02-09 10:00"),
    run("full", "u2", "B", local="2017-05-01 10:00"), run("full", "u3", "C", local="2017-06-02 10:00"),
]
DEFAULT = StoryFilters()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("charts2"), RUNS, ORGS)


def assert_usage_colors(unit: dict) -> None:
    color = unit["encoding"]["color"]
    assert (color["field"], color["type"]) == ("usage_label", "nominal")
    assert color["scale"]["domain"] == ["Full BAS only", "Simple BAS only", "Both"]
    assert color["scale"]["range"] == [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"], BOTH_COLOR]


@pytest.mark.parametrize("metric, grain, y_title, x_title", [
    ("runs", "month", "Runs per month", "Month (Sydney dates)"),
    ("users", "week", "Users with a run per week", "Week (Sydney dates)"),
    ("orgs", "month", "Orgs with a run per month", "Month (Sydney dates)"),
])
def test_activity_chart(con, metric, grain, y_title, x_title):
    df = an.activity_over_time(con, DEFAULT, grain)
    spec = charts.activity_chart(df, metric, grain, "Runs peak in May", "Thin line, thick line").to_dict()
    assert_title(spec, "Runs peak in May", "Thin line, thick line")
    lines = [u for u in units(spec)]
    assert [u["mark"]["type"] for u in lines] == ["line", "line"]
    rolling, raw = lines
    assert encoding(raw, "y") == (metric, "quantitative")
    assert encoding(rolling, "y") == (f"{metric}_avg", "quantitative")
    assert raw["encoding"]["y"]["title"] == y_title
    assert rolling["mark"]["strokeWidth"] > raw["mark"]["strokeWidth"]
    for unit in lines:
        assert encoding(unit, "x") == ("period", "temporal") and unit["encoding"]["x"]["title"] == x_title
        assert_system_colors(unit)
        assert {metric, f"{metric}_avg", "period"} <= tooltip_fields(unit)
    assert_small(spec)
    assert_no_configure(spec)


def test_usage_split_chart(con):
    spec = charts.usage_split_chart(an.system_usage_split(con, DEFAULT), "A third use both", "Orgs and users").to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("share", "quantitative") and bar["encoding"]["x"]["stack"] == "normalize"
    assert "Share of organisations" in bar["encoding"]["x"]["title"]
    assert encoding(bar, "y") == ("entity_label", "nominal")
    assert_usage_colors(bar)
    assert {"count", "share", "usage_label"} <= tooltip_fields(bar)
    assert_small(spec)


def test_quarter_usage_chart(con):
    spec = charts.quarter_usage_chart(an.usage_by_quarter(con, DEFAULT), "At most a third", "Per quarter").to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("quarter_label", "ordinal")
    assert bar["encoding"]["x"]["sort"] == ["Jan–Mar 2017", "Apr–Jun 2017"]
    assert encoding(bar, "y") == ("orgs", "quantitative") and "rganisations with a run" in bar["encoding"]["y"]["title"]
    assert_usage_colors(bar)
    assert {"orgs", "share"} <= tooltip_fields(bar)
    assert_small(spec)


def test_take_up_chart(con):
    spec = charts.take_up_chart(an.system_take_up(con, DEFAULT), "1 took up Simple BAS", "By quarter").to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("quarter_label", "ordinal")
    assert encoding(bar, "xOffset") == ("system_label", "nominal")
    assert encoding(bar, "y") == ("count", "quantitative") and bar["encoding"]["y"]["title"] == "Organisations"
    assert_system_colors(bar)
    assert bar["encoding"]["color"]["title"] == "Report taken up"
    # take-ups seen where both extracts ran are solid; the rest (maybe an extract starting) faded
    assert encoding(bar, "opacity") == ("seen_label", "nominal")
    assert bar["encoding"]["opacity"]["scale"]["range"] == [1.0, 0.3]
    assert {"count", "direction_label", "seen_label"} <= tooltip_fields(bar)
    assert_small(spec)


def test_runs_per_entity_chart(con):
    spec = charts.runs_per_entity_chart(an.runs_per_entity(con, DEFAULT), "Median 1", "Share").to_dict()
    assert spec["facet"]["column"]["field"] == "entity_label"
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("runs_bucket", "ordinal") and bar["encoding"]["x"]["title"] == "Runs in the period"
    assert encoding(bar, "y") == ("share", "quantitative") and bar["encoding"]["y"]["axis"]["format"] == "%"
    assert_system_colors(bar)
    assert {"count", "share"} <= tooltip_fields(bar)
    assert_small(spec)


def test_repeat_rate_chart(con):
    frame = repeat_runs_frame(repeat_runs(con, DEFAULT))
    spec = charts.repeat_rate_chart(frame, "Re-runs: Full BAS 25%", "Within 30 minutes").to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("repeat_share", "quantitative") and "30 minutes" in bar["encoding"]["x"]["title"]
    assert encoding(bar, "y") == ("system_label", "nominal")
    assert_system_colors(bar)
    assert {"runs", "repeats", "repeat_share"} <= tooltip_fields(bar)
    assert_small(spec)


def test_plans_chart(con):
    plans = an.plan_popularity(con, DEFAULT, top=2)
    spec = charts.plans_chart(plans, "Premium 5 leads", "Orgs by plan").to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "y") == ("plan", "nominal")
    assert bar["encoding"]["y"]["sort"] == ["Premium 5", "Standard", "Other"]     # most orgs first, Other last
    assert encoding(bar, "x") == ("orgs", "quantitative") and "Organisations" in bar["encoding"]["x"]["title"]
    assert_usage_colors(bar)
    assert {"plan", "orgs", "plan_orgs", "plan_share"} <= tooltip_fields(bar)
    assert_small(spec)
