"""AppTest over chapters 3, 4 and 5: for default and non-default filters the pages render without an exception,
show their charts (each shipping at most 5,000 rows) or a short note instead, and the recommendation page's windows
are the package's own (facts.outage_windows) for the same filters."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from basstory.analyses.facts import outage_windows
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story.charts.common import MAX_POINTS
from tests.app_helpers import (
    APP,
    assert_healthy,
    built_chapter,
    built_metrics,
    dataset_rows,
    open_page,
    shown_metrics,
    specs,
    title_text,
)

SEASONALITY, OUTAGE, RECOMMENDATION = "pages/seasonality.py", "pages/outage.py", "pages/recommendation.py"
#: months, quarterly cycle, daily trend × 2, weekly, quarter, day of month, busiest hour, concurrency, runtime,
#: forecast
SEASONALITY_CHARTS = 11
OUTAGE_CHARTS = 1               # the day × time map
RECOMMENDATION_CHARTS = 2       # window comparison, due weeks







def windows_of_current(sample_data_dir, filters: StoryFilters) -> dict:
    version = DatasetStore(sample_data_dir / "store").current()
    return outage_windows(connect_version(version), filters)


@pytest.mark.parametrize("page, n_charts, heading", [
    (SEASONALITY, SEASONALITY_CHARTS, "Seasonality and capacity"),
    (OUTAGE, OUTAGE_CHARTS, "The outage window"),
    (RECOMMENDATION, RECOMMENDATION_CHARTS, "Recommendation"),
])
def test_default_filters(sample_data_dir, page, n_charts, heading):
    at = open_page(page)
    assert_healthy(at, n_charts)
    blocks = built_chapter(sample_data_dir, page)
    assert at.title[0].value == heading == blocks[0].title
    assert at.markdown[0].value == f"#### {blocks[0].finding}"
    assert shown_metrics(at) == built_metrics(blocks)                  # every card, label and value
    assert at.markdown[0].value.startswith("#### ")                    # the finding, as a sentence


def test_seasonality_states_its_methods_and_capacity(sample_data_dir):
    at = open_page(SEASONALITY)
    text = " ".join(m.value for m in at.markdown)
    assert "centred 28-day moving average" in text and "Forecast method: seasonal-naive" in text
    assert "Little's law" in text
    assert at.success and at.success[0].value.startswith("Provision for **")
    assert "provision for" in at.markdown[0].value
    assert {m.label for m in at.metric} >= {"Peak concurrent runs", "In 99% of minutes, at most"}


def test_recommendation_windows_are_the_facts(sample_data_dir):
    at = open_page(RECOMMENDATION)
    windows = windows_of_current(sample_data_dir, StoryFilters())
    values = {m.label: m.value for m in at.metric}
    for system, label in (("full", "Full BAS window"), ("simple", "Simple BAS window")):
        w = windows[system]
        assert values[label] == f"Day {w['day']} · {w['start']}–{w['end']}"
        assert f"day {w['day']}, {w['start']}–{w['end']}" in at.markdown[0].value
    assert any(m.value.startswith("1. ") for m in at.markdown)          # key findings
    assert any("left out" in m.value for m in at.markdown)               # caveats


@pytest.mark.parametrize("system, label", [("full", "Full BAS"), ("simple", "Simple BAS")])
def test_recommendation_follows_the_system_filter(sample_data_dir, system, label):
    at = open_page(RECOMMENDATION, systems=[label])
    assert not at.exception, at.exception
    w = windows_of_current(sample_data_dir, StoryFilters(systems=(system,)))[system]
    assert {m.label: m.value for m in at.metric} == {f"{label} window": f"Day {w['day']} · {w['start']}–{w['end']}"}


def test_one_system_only(sample_data_dir):
    at = open_page(SEASONALITY, systems=["Simple BAS"])
    assert not at.exception, at.exception
    # one daily series; no Full BAS load, runtime or forecast: a note instead
    assert len(at.get("vega_lite_chart")) == SEASONALITY_CHARTS - 5
    assert any("No Full BAS runs with a runtime" in i.value for i in at.info)
    assert all("Full BAS" not in title_text(s) for s in specs(at))
    at = open_page(OUTAGE, systems=["Simple BAS"])
    assert not at.exception, at.exception
    assert any("Full BAS is not selected" in i.value for i in at.info)
    at.segmented_control(key="outage_system").set_value("simple").run()
    assert_healthy(at, OUTAGE_CHARTS)
    assert title_text(specs(at)[0]).startswith("Simple BAS: the cheapest window")


@pytest.mark.parametrize("metric, field", [("users", "users_mean"), ("orgs", "orgs_mean"),
                                           ("compute_s", "compute_s_mean")])
def test_outage_measure(sample_data_dir, metric, field):
    at = open_page(OUTAGE)
    at.segmented_control(key="outage_metric").set_value(metric).run()
    assert_healthy(at, OUTAGE_CHARTS)
    heatmap = specs(at)[0]["layer"][0]
    assert heatmap["encoding"]["color"]["field"] == field
    assert len(at.dataframe) == 2                                        # five best windows; choice by measure


def test_outage_system_switch_and_a_measure_simple_bas_lacks(sample_data_dir):
    at = open_page(OUTAGE)
    at.segmented_control(key="outage_system").set_value("simple").run()
    at.segmented_control(key="outage_metric").set_value("compute_s").run()
    assert_healthy(at, OUTAGE_CHARTS)
    assert any("records no runtime" in i.value for i in at.info)
    assert specs(at)[0]["layer"][0]["encoding"]["color"]["field"] == "runs_mean"
    assert "Simple BAS" in at.subheader[0].value


def test_outage_times_in_another_zone(sample_data_dir):
    at = open_page(OUTAGE, tz="Perth")      # the URL carries the label the selectbox shows
    assert not at.exception, at.exception
    assert "In Perth time" in at.dataframe[0].value.columns


@pytest.mark.parametrize("page", [SEASONALITY, OUTAGE, RECOMMENDATION])
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
    assert at.session_state["filters"].start == at.session_state["filters"].end == day
    for page in (SEASONALITY, OUTAGE, RECOMMENDATION):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        rows = dataset_rows(at)
        assert not rows or max(rows) <= MAX_POINTS
    # only windows between that day's first and last run are measured: the page still shows the package's answer
    windows = windows_of_current(sample_data_dir, at.session_state["filters"])
    shown = {m.label: m.value for m in at.metric}
    for system, label in (("full", "Full BAS window"), ("simple", "Simple BAS window")):
        w = windows[system]
        if w is None:
            assert label not in shown and any("no whole window occurrence" in i.value for i in at.info)
        else:
            assert shown[label] == f"Day {w['day']} · {w['start']}–{w['end']}" and w["day"] == day.day


@pytest.mark.parametrize("page", [SEASONALITY, OUTAGE, RECOMMENDATION])
def test_a_filter_that_leaves_nothing(sample_data_dir, page):
    at = open_page(page, status="")
    assert not at.exception, at.exception
    assert any("No report runs match" in w.value for w in at.warning)
    assert not at.get("vega_lite_chart")
    assert at.markdown[0].value.startswith("#### ")
