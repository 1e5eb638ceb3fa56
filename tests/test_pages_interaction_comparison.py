"""AppTest over chapters 1 and 2: for default and non-default filters the pages render without an exception, show
the expected charts (each shipping at most 5,000 rows) or a short note where a chart has nothing to show, and state
their finding."""
from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from basstory.query.filters import StoryFilters
from basstory.story.charts.common import MAX_POINTS
from tests.app_helpers import (
    APP,
    assert_healthy,
    built_chapter,
    built_metrics,
    dataset_rows,
    open_folds,
    open_page,
    shown_metrics,
    title_text,
)
from tests.app_helpers import specs as charts

INTERACTION, COMPARISON = "pages/interaction.py", "pages/comparison.py"
#: Charts each page shows when both systems have data, in page order (by their Streamlit keys' order).
INTERACTION_CHARTS = 8      # week heatmap, day of month, weeks before due, sessions, statement lag, orgs per user,
                            # channel type, practice management
COMPARISON_CHARTS = 8       # activity, one-or-both, per quarter, take-up, runs per user/org, re-runs, plans, and of
                            # the 3 splits (tabs) the selected one


def open_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at







@pytest.mark.parametrize("page, n_charts, heading", [
    (INTERACTION, INTERACTION_CHARTS, "How and when users interact"),
    (COMPARISON, COMPARISON_CHARTS, "Full BAS vs Simple BAS"),
])
def test_default_filters(sample_data_dir, page, n_charts, heading):
    at = open_page(page)
    assert_healthy(at, n_charts)
    blocks = built_chapter(sample_data_dir, page)
    assert at.title[0].value == heading == blocks[0].title
    assert at.markdown[0].value == f"#### {blocks[0].finding}"
    assert shown_metrics(at) == built_metrics(blocks)                  # every card, label and value
    assert at.markdown[0].value.startswith("#### ") and "%" in at.markdown[0].value     # the finding


def test_a_closed_fold_draws_nothing_until_it_is_opened(sample_data_dir):
    at = open_page(INTERACTION, folds_open=False)
    assert not at.exception, at.exception
    assert len(at.get("vega_lite_chart")) == 3              # the finding's three charts; the folds are closed
    assert [e.label for e in at.expander][:4] == ["Details: which due date a run counts against", "Details: re-runs",
                                                  "Details: Simple BAS, which period a run is for",
                                                  "Details: who runs the reports"]
    assert len(open_folds(at).get("vega_lite_chart")) == INTERACTION_CHARTS


def test_interaction_default_charts_state_their_findings(sample_data_dir):
    specs = charts(open_page(INTERACTION))
    assert "(Sydney time)" in title_text(specs[0]) and "busiest on" in title_text(specs[0])
    assert specs[0]["vconcat"][-1]["encoding"]["x"]["title"] == "Hour of day (Sydney time)"
    assert "last week before the BAS is due" in title_text(specs[2])
    assert "re-runs within 30 minutes" in title_text(specs[3])
    assert "of Simple BAS runs are made" in title_text(specs[4])
    assert title_text(specs[5]).startswith("Advisers are")


def test_display_zone_changes_the_heatmap_axis(sample_data_dir):
    at = open_page(INTERACTION, tz="UTC")
    assert_healthy(at, INTERACTION_CHARTS)
    heatmap = charts(at)[0]
    assert heatmap["vconcat"][-1]["encoding"]["x"]["title"] == "Hour of day (UTC)"
    assert title_text(heatmap).endswith("(UTC)")


@pytest.mark.parametrize("system, other", [("Simple BAS", "Full BAS"), ("Full BAS", "Simple BAS")])
def test_one_system_only(sample_data_dir, system, other):
    at = open_page(INTERACTION, systems=[system])
    assert not at.exception, at.exception
    if system == "Full BAS":            # no Simple BAS runs, so no statement periods: a note instead of the chart
        assert len(at.get("vega_lite_chart")) == INTERACTION_CHARTS - 1
        assert any("No Simple BAS runs" in i.value for i in at.info)
    else:
        assert len(at.get("vega_lite_chart")) == INTERACTION_CHARTS
    assert all(other not in title_text(spec) for spec in charts(at))
    at = open_page(COMPARISON, systems=[system])
    assert_healthy(at, COMPARISON_CHARTS - 1)          # nobody can take up the other report: a note instead
    assert any("Switching needs both systems in view" in i.value for i in at.info)
    assert at.markdown[0].value.startswith(f"#### Only {system} is in view")


def test_a_bas_quarter(sample_data_dir):
    for page, n_charts in ((INTERACTION, INTERACTION_CHARTS), (COMPARISON, COMPARISON_CHARTS)):
        at = open_page(page, period="Latest quarter")
        assert at.session_state["filters"].start is not None
        assert not at.exception, at.exception
        assert 1 <= len(at.get("vega_lite_chart")) <= n_charts
        rows = dataset_rows(at)
        assert max(rows) <= MAX_POINTS


def test_a_single_day(sample_data_dir):
    at = open_app()
    day = at.session_state["filters"].start or date(2017, 3, 21)
    at.selectbox(key="period").set_value("Custom range").run()
    at.date_input(key="dates").set_value((day, day)).run()
    assert at.session_state["filters"].start == at.session_state["filters"].end == day
    for page in (INTERACTION, COMPARISON):
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.get("vega_lite_chart"), page
        assert max(dataset_rows(at)) <= MAX_POINTS


@pytest.mark.parametrize("page", [INTERACTION, COMPARISON])
def test_a_filter_that_leaves_nothing(sample_data_dir, page):
    at = open_page(page, status="")
    assert not at.exception, at.exception
    assert any("No report runs match" in w.value for w in at.warning)
    assert not at.get("vega_lite_chart")
    assert at.markdown[0].value == "#### No report runs match these filters."


def test_a_tax_period_without_runs_says_so(sample_data_dir):
    """The test sample holds no annual lodgers' runs (checked first, so the page's answer is known): the page says
    nothing matches. (Annual lodgers' own page, without a due-date chart, is tested on a hand-made dataset in
    test_chapters.)"""
    blocks = built_chapter(sample_data_dir, INTERACTION, StoryFilters(tax_periods=("Annual",)))
    assert blocks[-1].text.startswith("No report runs match these filters.")
    at = open_page(INTERACTION, tax_periods=["Annual"])
    assert not at.exception, at.exception
    assert [w.value for w in at.warning if w.value.startswith("No report runs match")] == [blocks[-1].text]
    assert not at.get("vega_lite_chart")


@pytest.mark.parametrize("metric, grain, field, x_title", [
    ("users", "week", "users", "Week (Sydney dates)"),
    ("orgs", "month", "orgs", "Month (Sydney dates)"),
    ("runs", "week", "runs", "Week (Sydney dates)"),
])
def test_comparison_metric_and_grain(sample_data_dir, metric, grain, field, x_title):
    at = open_page(COMPARISON)
    at.segmented_control(key="cmp_metric").set_value(metric).run()
    at.segmented_control(key="cmp_grain").set_value(grain).run()
    assert_healthy(at, COMPARISON_CHARTS)
    activity = charts(at)[0]
    raw = activity["layer"][1]
    assert raw["encoding"]["y"]["field"] == field
    assert raw["encoding"]["x"]["title"] == x_title
    expected = {"users": "users with a run", "orgs": "orgs with a run", "runs": "runs"}[metric]
    assert title_text(activity).lower().startswith(expected)
