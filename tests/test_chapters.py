"""Chapter builders (basstory.story.chapters): for default and non-default filters and choices, on the test sample and
on a tiny hand-made dataset, each chapter is the expected blocks with the expected keys; a chart never comes with empty
data (a friendly note instead); a view with no runs is the headline, the scope line and one note."""
from __future__ import annotations

import subprocess
import sys

import pytest

from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story.blocks import (
    Bullets,
    Chart,
    Choice,
    Columns,
    Details,
    Headline,
    Metrics,
    Note,
    Outline,
    Scope,
    Table,
    Tabs,
    Text,
    charts,
    walk,
)
from basstory.story.charts.common import MAX_POINTS
from basstory.story.narrative.glossary import GLOSSARY
from basstory.story.registry import CHAPTERS
from tests.staged_fixtures import org, run, staged_connection

CHART_KEYS = {
    "cover": [],
    "interaction": ["int_heatmap", "int_month", "int_due", "int_sessions", "int_lag", "int_users",
                    "int_channel_type", "int_managed"],
    "comparison": ["cmp_activity", "cmp_usage", "cmp_plans", "cmp_quarters", "cmp_take_up", "cmp_per_entity",
                   "cmp_repeats", "cmp_plan_family", "cmp_tax_period", "cmp_channel_type"],
    "seasonality": ["sea_months", "sea_cycle", "sea_forecast", "sea_daily_full", "sea_daily_simple", "sea_weekly",
                    "sea_quarter", "sea_dom", "sea_load", "sea_concurrency", "sea_runtime"],
    "outage": ["out_heatmap"],
    "recommendation": ["rec_compare", "rec_due"],
}
FULL_ONLY = StoryFilters(systems=("full",))
CHAPTER_BY_NAME = {c.url_path: c for c in CHAPTERS}


@pytest.fixture(scope="module")
def build_on_sample(sample_data_dir):
    """`build_on_sample(name, filters, *choices)`: the chapter built on the test sample (once per module)."""
    con = connect_version(DatasetStore(sample_data_dir / "store").current())
    built = {}

    def build(name: str, filters: StoryFilters, *choices):
        if (name, filters, choices) not in built:
            built[name, filters, choices] = CHAPTER_BY_NAME[name].build_whole(con, filters, *choices)
        return built[name, filters, choices]

    return build


def keys(blocks) -> list[str]:
    return [c.key for c in charts(blocks)]


def notes(blocks) -> list[str]:
    return [b.text for b in walk(blocks) if isinstance(b, Note)]


def assert_sound(blocks) -> None:
    """Headline and scope first; every chart has rows, at most MAX_POINTS of them, and a title; keys unique."""
    assert isinstance(blocks[0], Headline) and blocks[0].title and blocks[0].finding
    assert isinstance(blocks[1], Scope) and "runs counted" in blocks[1].text
    for chart in charts(blocks):
        assert len(chart.data) > 0, chart.key
        spec = chart.chart.to_dict()
        assert spec["title"], chart.key
        assert max(len(rows) for rows in spec.get("datasets", {}).values()) <= MAX_POINTS, chart.key
    assert len(keys(blocks)) == len(set(keys(blocks)))


@pytest.mark.parametrize("name", list(CHART_KEYS))
def test_default_filters(build_on_sample, name):
    blocks = build_on_sample(name, StoryFilters())
    assert_sound(blocks)
    assert keys(blocks) == CHART_KEYS[name]
    assert blocks[1].text.startswith("**Active, paying organisations**")


def charts_outside_folds(blocks) -> list[str]:
    """The keys of the charts a reader sees without opening a Details fold."""
    found = []
    for block in blocks:
        if isinstance(block, Details):
            continue
        if isinstance(block, (Columns, Tabs)):
            inner = block.columns if isinstance(block, Columns) else [content for _, content in block.tabs]
            found += [k for content in inner for k in charts_outside_folds(content)]
        elif isinstance(block, Chart):
            found.append(block.key)
    return found


MAIN_CHARTS = {"cover": [], "interaction": ["int_heatmap", "int_month", "int_due"],
               "comparison": ["cmp_activity", "cmp_usage", "cmp_plans"],
               "seasonality": ["sea_months", "sea_cycle", "sea_forecast"], "outage": ["out_heatmap"],
               "recommendation": ["rec_compare", "rec_due"]}


@pytest.mark.parametrize("name", list(CHART_KEYS))
def test_each_chapter_leads_with_at_most_three_charts_and_folds_the_rest(build_on_sample, name):
    """The finding, then the charts that carry it; every other chart is in a Details fold, none is dropped."""
    blocks = build_on_sample(name, StoryFilters())
    assert charts_outside_folds(blocks) == MAIN_CHARTS[name]
    folded = [c.key for b in blocks if isinstance(b, Details) for c in charts(b.blocks)]
    assert sorted(MAIN_CHARTS[name] + folded) == sorted(CHART_KEYS[name])
    assert all(b.title for b in walk(blocks) if isinstance(b, Details))


def test_cover_has_the_five_key_data_points_the_summary_and_the_outline(build_on_sample):
    blocks = build_on_sample("cover", StoryFilters())
    summary = next(b for b in blocks if isinstance(b, Bullets))
    assert [line.split(".** ")[0] for line in summary.items] == [
        "**How and when users run the reports", "**How the two systems compare",
        "**The seasonality that should drive compute capacity", "**The two-hour outage window"]
    assert "busiest on" in summary.items[0] and "carries" in summary.items[1]
    assert "Schedule the outage for Full BAS on day" in summary.items[3] and "Simple BAS on day" in summary.items[3]
    glossary = blocks[-1]
    assert isinstance(glossary, Details) and glossary.title.startswith("Glossary")
    assert len(glossary.blocks[0].items) == len(GLOSSARY)
    cards = next(b for b in blocks if isinstance(b, Metrics))
    assert [m.label for m in cards.items] == ["Busiest month", "Orgs using both", "Users of either",
                                              "Multi-org users", "Top plan"]
    assert all(m.value and m.caption and m.help for m in cards.items)
    outline = next(b for b in blocks if isinstance(b, Outline))
    assert [link.path for link in outline.links] == [c.path for c in CHAPTERS[1:]]


@pytest.mark.parametrize("name, missing, note", [
    ("interaction", ["int_lag"], "No Simple BAS runs with a statement period in this view."),
    ("comparison", ["cmp_take_up"], "Switching needs both systems in view"),
    ("seasonality", ["sea_daily_simple"], None),
    ("outage", [], None),
    ("recommendation", [], None),
])
def test_full_bas_only(build_on_sample, name, missing, note):
    blocks = build_on_sample(name, FULL_ONLY)
    assert_sound(blocks)
    assert keys(blocks) == [k for k in CHART_KEYS[name] if k not in missing]
    assert blocks[1].text.startswith("**Filtered view**") and "Simple BAS" not in blocks[1].text
    if note:
        assert any(text.startswith(note) for text in notes(blocks))
    for chart in charts(blocks):
        title = chart.chart.to_dict()["title"]
        assert "Simple BAS" not in str(title.get("text", "")), chart.key


@pytest.mark.parametrize("name", list(CHART_KEYS))
def test_a_view_with_no_runs_is_one_friendly_note(build_on_sample, name):
    blocks = build_on_sample(name, StoryFilters(statuses=()))
    assert [type(b) for b in blocks] == [Headline, Scope, Note]
    assert blocks[2].tone == "warning" and blocks[2].text.startswith("No report runs match these filters.")


def test_comparison_choices_shape_the_activity_chart(build_on_sample):
    blocks = build_on_sample("comparison", StoryFilters(), "users", "week")
    chosen = {b.key: b.value for b in walk(blocks) if isinstance(b, Choice)}
    assert chosen == {"cmp_metric": "users", "cmp_grain": "week"}
    activity = charts(blocks)[0]
    assert activity.key == "cmp_activity"
    raw = activity.chart.to_dict()["layer"][1]["encoding"]
    assert raw["y"]["field"] == "users" and raw["x"]["title"] == "Week (Sydney dates)"


def test_outage_default_system_is_the_first_selected(build_on_sample):
    simple_only = StoryFilters(systems=("simple",))
    blocks = build_on_sample("outage", simple_only)
    assert {b.key: b.value for b in walk(blocks) if isinstance(b, Choice)} == {"outage_system": "simple",
                                                                             "outage_metric": "runs"}
    assert keys(blocks) == ["out_heatmap"]
    # the page passes the control's value: Full BAS is not in the view, so a note and no chart
    blocks = build_on_sample("outage", simple_only, "full", "runs")
    assert keys(blocks) == [] and "Full BAS is not selected in the sidebar." in notes(blocks)


def test_outage_measure_simple_bas_lacks_falls_back_to_runs(build_on_sample):
    blocks = build_on_sample("outage", StoryFilters(), "simple", "compute_s")
    assert any("records no runtime" in text for text in notes(blocks))
    heatmap = charts(blocks)[0].chart.to_dict()
    assert heatmap["layer"][0]["encoding"]["color"]["field"] == "runs_mean"
    assert [b.key for b in walk(blocks) if isinstance(b, Table)] == ["out_best", "out_choice"]


def test_outage_times_in_another_zone(build_on_sample):
    blocks = build_on_sample("outage", StoryFilters(tz="Australia/Perth"), "full", "users")
    best = next(b for b in walk(blocks) if isinstance(b, Table) and b.key == "out_best")
    assert "In Perth time" in best.data.columns
    assert charts(blocks)[0].chart.to_dict()["layer"][0]["encoding"]["color"]["field"] == "users_mean"


def test_recommendation_one_column_per_selected_system(build_on_sample):
    columns = next(b for b in build_on_sample("recommendation", FULL_ONLY) if isinstance(b, Columns))
    assert len(columns.columns) == 1
    card, evidence = columns.columns[0]
    assert isinstance(card, Metrics) and card.items[0].label == "Full BAS window"
    assert isinstance(evidence, Bullets) and evidence.items
    blocks = build_on_sample("recommendation", StoryFilters())
    findings = [b for b in blocks if isinstance(b, Bullets) and b.ordered]
    assert len(findings) == 1 and len(findings[0].items) >= 3


def test_seasonality_states_its_method_and_capacity(build_on_sample):
    blocks = build_on_sample("seasonality", StoryFilters())
    text = " ".join(b.markdown for b in walk(blocks) if isinstance(b, Text))
    assert "centred 28-day moving average" in text and "Little's law" in text
    assert any(b.tone == "success" and b.text.startswith("Provision for **") for b in blocks if isinstance(b, Note))
    hours = next(b for b in walk(blocks) if isinstance(b, Table))
    assert hours.collapsed and set(hours.columns) <= set(hours.data.columns)


# --- A tiny dataset: two weeks of runs, too short for trends, cycles or a forecast ------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    orgs = [org("A"), org("B", plan="Premium", tax_period="Monthly")]
    runs = [run("full", f"u{i % 3}", "AB"[i % 2], local=f"2017-02-{1 + i % 14:02d} {9 + i % 8}:15", runtime=30.0)
            for i in range(40)]
    runs += [run("simple", "u9", "A", local=f"2017-02-{2 + i:02d} 11:00", statement=(2017, 1)) for i in range(5)]
    return staged_connection(tmp_path_factory.mktemp("tiny"), runs, orgs)


@pytest.mark.parametrize("name", list(CHART_KEYS))
def test_a_tiny_dataset_gives_notes_where_charts_have_nothing_to_show(tiny, name):
    blocks = CHAPTER_BY_NAME[name].build_whole(tiny, StoryFilters())
    assert_sound(blocks)
    assert set(keys(blocks)) <= set(CHART_KEYS[name])


def test_a_tiny_dataset_explains_the_missing_seasonal_charts(tiny):
    blocks = CHAPTER_BY_NAME["seasonality"].build_whole(tiny, StoryFilters())
    said = notes(blocks)
    assert "sea_daily_full" not in keys(blocks)
    assert "Full BAS: fewer than 28 days of runs, too few for a trend." in said
    assert "sea_forecast" not in keys(blocks) and said[-1]          # no forecast: the capacity note says why


def test_builders_do_not_import_streamlit():
    code = ("import sys, basstory.story.chapters, basstory.story.blocks, basstory.export.html; "
            "sys.exit('streamlit' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_annual_lodgers_get_a_note_instead_of_the_due_date_chart(tmp_path):
    """Annual lodgers have no monthly or quarterly due date: the chart of days before the due date gives way to a
    note; the chapter's other charts stay."""
    orgs = [org("A", tax_period="Annual"), org("B", tax_period="Annual")]
    runs = [run("full", f"u{i % 3}", "AB"[i % 2], local=f"2017-02-{1 + i % 14:02d} {9 + i % 8}:15", runtime=30.0)
            for i in range(40)]
    blocks = CHAPTER_BY_NAME["interaction"].build_whole(staged_connection(tmp_path, runs, orgs), StoryFilters())
    assert_sound(blocks)
    assert "int_due" not in keys(blocks) and "int_heatmap" in keys(blocks)
    assert Note("No runs of monthly or quarterly lodgers in this view.") in list(walk(blocks))
