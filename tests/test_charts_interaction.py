"""Chapter 1's charts as Vega-Lite specs: marks, typed encodings, the system colours, axis titles with units,
tooltips, titles from the narrative, and small datasets."""
from __future__ import annotations

import pytest

from basstory.analyses import interaction as an
from basstory.core.schema import SYSTEM_LABELS
from basstory.query.filters import StoryFilters
from basstory.story.charts import interaction as charts
from basstory.story.theme import ACCENT_COLOR, SYSTEM_COLORS, system_tint
from tests.chart_spec import (
    assert_no_configure,
    assert_small,
    assert_system_colors,
    assert_title,
    encoding,
    main_unit,
    mark_type,
    tooltip_fields,
    units,
)
from tests.staged_fixtures import org, run, staged_connection

# --- Frames from a tiny dataset -------------------------------------------------------------------------------------

ORGS = [org("A", tax_period="Monthly"), org("B", managed=False, channel_type="Bookkeeper"), org("C")]
RUNS = [
    run("full", "u1", "A", local="2017-03-18 10:00"), run("full", "u1", "A", local="2017-03-18 10:10"),
    run("full", "u1", "B", local="2017-04-20 11:00"), run("full", "u2", "C", local="2017-05-02 09:00"),
    run("simple", "u3", "C", local="2017-04-03 14:00", statement=(2017, 3)),
    run("simple", "u3", "B", local="2017-06-21 14:00", statement=(2017, 3)),
]
DEFAULT = StoryFilters()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("charts1"), RUNS, ORGS)


def test_weekly_heatmap_chart(con):
    df = an.weekly_heatmap(con, DEFAULT.with_(tz="UTC"))
    spec = charts.weekly_heatmap_chart(df, "Full BAS peaks on Saturdays", "Share of runs", "UTC").to_dict()
    assert_title(spec, "Full BAS peaks on Saturdays", "Share of runs")
    panels = spec["vconcat"]                                  # one panel a system, each with its own legend
    assert [p["encoding"]["y"]["title"] for p in panels] == ["Full BAS", "Simple BAS"]
    assert spec["resolve"]["scale"]["color"] == "independent"
    assert panels[-1]["encoding"]["x"]["title"] == "Hour of day (UTC)" and panels[0]["encoding"]["x"]["title"] is None
    for panel, system in zip(panels, ("full", "simple"), strict=True):
        assert encoding(panel, "x") == ("hour", "ordinal") and encoding(panel, "y") == ("weekday_name", "ordinal")
        assert panel["encoding"]["y"]["sort"] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        color = panel["encoding"]["color"]
        assert encoding(panel, "color") == ("share", "quantitative")
        # a linear scale from 0, light tint to the system's own colour, its legend titled with the system
        assert color["scale"]["range"] == [system_tint(system), SYSTEM_COLORS[system]]
        assert color["scale"].get("type", "linear") == "linear" and color["scale"]["zero"] is True
        assert color["title"] == f"Share of {SYSTEM_LABELS[system]} runs" and color["legend"]["format"] == ".1%"
        assert {"runs", "share", "runs_per_week", "hour", "weekday_name"} <= tooltip_fields(panel)
    assert_small(spec)
    assert_no_configure(spec)


def test_day_of_month_chart_marks_the_due_days(con):
    profile = an.day_of_month_profile(con, DEFAULT)
    marks = an.due_day_marks(con, DEFAULT)
    spec = charts.day_of_month_chart(profile, marks, "Peaks on the 18th", "Average runs").to_dict()
    assert_title(spec, "Peaks on the 18th", "Average runs")
    line = main_unit(spec, "line")
    assert encoding(line, "x") == ("day", "quantitative") and "Day of the month" in line["encoding"]["x"]["title"]
    assert encoding(line, "y") == ("vs_average_day", "quantitative")
    assert "average day" in line["encoding"]["y"]["title"]
    assert_system_colors(line)
    assert {"runs_per_day", "vs_average_day", "runs"} <= tooltip_fields(line)
    rule = main_unit(spec, "rule")
    assert rule["mark"]["color"] == ACCENT_COLOR and rule["encoding"]["x"]["field"] == "day"
    texts = [u for u in units(spec) if mark_type(u) == "text"]
    assert len(texts) == 2 and all(t["encoding"]["text"]["field"] == "label" for t in texts)
    assert_small(spec)


def test_day_of_month_chart_without_due_days(con):
    profile = an.day_of_month_profile(con, DEFAULT)
    spec = charts.day_of_month_chart(profile, marks=an.due_day_marks(con, DEFAULT).iloc[0:0],
                                     title="t", subtitle="s").to_dict()
    assert [mark_type(u) for u in units(spec)] == ["line"]


def test_weeks_before_due_chart(con):
    weeks = an.weeks_before_due(an.days_before_due(con, DEFAULT))
    spec = charts.weeks_before_due_chart(weeks, "Half in the last week", "Days to the due date").to_dict()
    assert spec["facet"]["row"]["field"] == "cadence_label"
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == ("days_label", "ordinal")
    assert "Days before the due date" in bar["encoding"]["x"]["title"]
    assert encoding(bar, "xOffset") == ("system_label", "nominal")
    assert encoding(bar, "y") == ("share", "quantitative") and bar["encoding"]["y"]["axis"]["format"] == "%"
    assert_system_colors(bar)
    assert {"runs", "share", "days_label", "cadence_label"} <= tooltip_fields(bar)
    assert_small(spec)


@pytest.mark.parametrize("builder, analysis, x, y", [
    (charts.session_sizes_chart, an.session_sizes, "runs_in_session", "share"),
    (charts.statement_lag_chart, an.statement_lag, "lag_label", "share"),
    (charts.orgs_per_user_chart, an.orgs_per_user, "orgs_bucket", "run_share"),
])
def test_bar_charts(con, builder, analysis, x, y):
    spec = builder(analysis(con, DEFAULT), "A finding", "How it is counted").to_dict()
    assert_title(spec, "A finding", "How it is counted")
    bar = main_unit(spec, "bar")
    assert encoding(bar, "x") == (x, "ordinal")
    assert encoding(bar, "y") == (y, "quantitative") and bar["encoding"]["y"]["title"].startswith("Share of")
    assert bar["encoding"]["y"]["axis"]["format"] == "%"
    assert_system_colors(bar)
    assert len(tooltip_fields(bar)) >= 3
    assert_small(spec)


def test_session_buckets_keep_their_order(con):
    spec = charts.session_sizes_chart(an.session_sizes(con, DEFAULT), "t", "s").to_dict()
    assert main_unit(spec, "bar")["encoding"]["x"]["sort"] == ["1", "2"]


@pytest.mark.parametrize("attribute, what, values", [
    ("channel_type", "Channel type", ["Accountant", "Bookkeeper"]),
    ("managed_by_practice", "Practice management", ["Managed by a practice", "Not practice-managed"]),
])
def test_org_split_chart(con, attribute, what, values):
    split = an.split_by_org_attribute(con, DEFAULT, attribute)
    spec = charts.org_split_chart(split, "Accountant leads", "Share of orgs", what).to_dict()
    bar = main_unit(spec, "bar")
    assert encoding(bar, "y") == ("value", "nominal") and bar["encoding"]["y"]["title"] == what
    assert bar["encoding"]["y"]["sort"] == values                  # most orgs first
    assert encoding(bar, "yOffset") == ("system_label", "nominal")
    assert encoding(bar, "x") == ("org_share", "quantitative")
    assert "organisations" in bar["encoding"]["x"]["title"]
    assert_system_colors(bar)
    assert {"orgs", "org_share", "runs", "run_share"} <= tooltip_fields(bar)
    assert_small(spec)
