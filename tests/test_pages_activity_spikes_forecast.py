"""AppTest over the active users, spikes and drops, and daily and hourly forecast pages: for default and
non-default filters the pages render without an exception, show their charts (each shipping at most 5,000 rows) or
a short note instead, and the cards and finding are the builder's own."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from basstory.query.filters import StoryFilters
from basstory.story.blocks import Tabs, charts, walk
from basstory.story.charts.common import MAX_POINTS
from tests.app_helpers import (
    APP,
    assert_healthy,
    built_chapter,
    built_metrics,
    dataset_rows,
    drawn_charts,
    open_page,
    pick_tab,
    shown_metrics,
    specs,
    title_text,
)

ACTIVITY, SPIKES, FORECAST = "pages/activity.py", "pages/spikes.py", "pages/forecast.py"
ACTIVITY_CHARTS = 3             # monthly active users and organisations of each system, quarterly flows
SPIKES_CHARTS = 2               # the selected series' tab (Full BAS runs of three); the most unusual hour's day
FORECAST_CHARTS = 4             # days, the busiest week's hours: runs and runs at once; last quarter as a test


@pytest.mark.parametrize("page, n_charts, heading", [
    (ACTIVITY, ACTIVITY_CHARTS, "Active users and organisations"),
    (SPIKES, SPIKES_CHARTS, "Spikes and drops"),
    (FORECAST, FORECAST_CHARTS, "Daily and hourly forecast"),
])
def test_default_filters(sample_data_dir, page, n_charts, heading):
    at = open_page(page)
    assert_healthy(at, n_charts)
    blocks = built_chapter(sample_data_dir, page)
    assert at.title[0].value == heading == blocks[0].title
    assert at.markdown[0].value == f"#### {blocks[0].finding}"
    assert shown_metrics(at) == built_metrics(blocks)
    assert all(row for row in dataset_rows(at)), "every chart ships rows"
    for chart in charts(blocks):                                       # each chart's own data holds numbers
        assert len(chart.data) and chart.data.select_dtypes("number").notna().any().any(), chart.key


def test_activity_defines_its_words(sample_data_dir):
    at = open_page(ACTIVITY)
    text = " ".join(m.value for m in at.markdown)
    for word in ("**Active**", "**New**", "**Returning**", "**back after a break**", "**Went dormant**"):
        assert word in text
    assert [title_text(s).split(":")[0] for s in specs(at)[:2]] == ["Full BAS", "Simple BAS"]


def test_spikes_marks_flagged_days_and_states_the_threshold(sample_data_dir):
    at = open_page(SPIKES)
    text = " ".join(m.value for m in at.markdown)
    assert "robust z" in text and "3.5" in text and "median absolute deviation" in text
    marked = [layer for s in specs(at) for layer in s["layer"] if layer.get("encoding", {}).get("shape")]
    assert marked, "flagged days are marked on the daily series"
    assert at.dataframe                                            # the flagged days' table


def test_spikes_show_one_series_a_tab(sample_data_dir):
    # each system's runs and compute are tabs: the first is drawn, and picking another draws its series instead
    tabs = next(b for b in walk(built_chapter(sample_data_dir, SPIKES)) if isinstance(b, Tabs))
    labels = [label for label, _ in tabs.tabs]
    assert labels == ["Full BAS runs", "Full BAS compute-seconds", "Simple BAS runs"]
    at = open_page(SPIKES, folds_open=False)
    for label, content in tabs.tabs[1:] + tabs.tabs[:1]:
        pick_tab(at, labels, label)
        assert not at.exception, at.exception
        [wanted] = [title_text(c.spec) for c in drawn_charts(content)]
        assert [title_text(s) for s in specs(at)] == [wanted], label


def test_forecast_states_its_method_and_check(sample_data_dir):
    at = open_page(FORECAST)
    text = " ".join(m.value for m in at.markdown)
    assert "seasonal-naive" in text and "Little's law" in text and "Poisson" in text
    assert "Checked on the history's" in text and "Tested on the last quarter" in text
    assert {m.label for m in at.metric} >= {"Busiest day", "Busiest hour (Sydney)", "Peak runs at once"}


def test_one_system_only(sample_data_dir):
    at = open_page(SPIKES, systems=["Simple BAS"])
    built = charts(built_chapter(sample_data_dir, SPIKES, StoryFilters(systems=("simple",))))
    assert_healthy(at, len(built))
    assert [c.key for c in built][0] == "spk_simple_runs"
    assert all("Full BAS" not in title_text(s) for s in specs(at))
    at = open_page(FORECAST, systems=["Simple BAS"])
    assert not at.exception, at.exception
    assert not at.get("vega_lite_chart") and any("No daily and hourly forecast" in i.value for i in at.info)
    at = open_page(ACTIVITY, systems=["Full BAS"])
    assert_healthy(at, ACTIVITY_CHARTS - 1)                          # Full BAS's months and the flows


@pytest.mark.parametrize("page", [ACTIVITY, SPIKES, FORECAST])
def test_a_bas_quarter(sample_data_dir, page):
    at = open_page(page, period="Latest quarter")
    assert at.session_state["filters"].start is not None
    assert not at.exception, at.exception
    rows = dataset_rows(at)
    assert not rows or max(rows) <= MAX_POINTS


def test_a_single_day(sample_data_dir):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    day = date(2017, 2, 27)
    at.selectbox(key="period").set_value("Custom range").run()
    at.date_input(key="dates").set_value((day, day)).run()
    for page in (ACTIVITY, SPIKES, FORECAST):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        rows = dataset_rows(at)
        assert not rows or max(rows) <= MAX_POINTS


@pytest.mark.parametrize("page", [ACTIVITY, SPIKES, FORECAST])
def test_a_filter_that_leaves_nothing(sample_data_dir, page):
    at = open_page(page, status="")
    assert not at.exception, at.exception
    assert any("No report runs match" in w.value for w in at.warning)
    assert not at.get("vega_lite_chart")
    assert at.markdown[0].value.startswith("#### ")
