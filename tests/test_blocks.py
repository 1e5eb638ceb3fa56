"""Blocks: walking nested content, the chart-or-note rule and how a page-level choice reads a stored or URL value."""
from __future__ import annotations

import pickle

import altair as alt
import pandas as pd
import pytest

from basstory.story.blocks import (
    NO_RUNS_NOTE,
    Chart,
    Choice,
    Columns,
    Details,
    Heading,
    Metric,
    Metrics,
    Note,
    Tabs,
    Text,
    chart_or_note,
    charts,
    lazy_details,
    walk,
    with_folds,
)

FRAME = pd.DataFrame({"x": [1, 2], "y": [3, 4]})


def a_chart(key: str) -> Chart:
    return Chart(key, alt.Chart(FRAME).mark_bar().encode(x="x:Q", y="y:Q"), FRAME)


def test_walk_goes_through_columns_and_tabs_in_reading_order():
    content = [Heading("A"), Columns(((a_chart("left"),), (Text("t"), a_chart("right")))),
               Tabs((("one", (a_chart("tab1"),)), ("two", (Note("n"),)))), a_chart("last")]
    assert [type(b).__name__ for b in walk(content)] == ["Heading", "Columns", "Chart", "Text", "Chart", "Tabs",
                                                         "Chart", "Note", "Chart"]
    assert [c.key for c in charts(content)] == ["left", "right", "tab1", "last"]


def fold_content(con, filters, label):
    """A fold builder for the lazy-fold tests: what it was given, in blocks."""
    return [Text(f"{label} for {filters} on {con}"), a_chart(label)]


def test_a_lazy_fold_holds_only_a_reference_until_it_is_built():
    fold = lazy_details("More", fold_content, "the filters", "extra")
    assert fold.lazy and fold.blocks == () and charts([fold]) == []
    assert pickle.loads(pickle.dumps(fold)) == fold                 # a reference pickles (the app's cache)
    assert fold.source.builder.endswith("test_blocks:fold_content") and fold.source.builder_function() is fold_content
    content = [Heading("A"), Columns(((fold,), (Text("t"),))), Tabs((("one", (fold,)),))]
    built = with_folds(content, lambda source: source.build("con"))
    assert [c.key for c in charts(built)] == ["extra", "extra"]
    inner = next(b for b in walk(built) if isinstance(b, Details))
    assert not inner.lazy and inner.title == "More"
    assert inner.blocks[0] == Text("extra for the filters on con")
    assert with_folds([Text("plain")], lambda source: pytest.fail("no fold to build")) == [Text("plain")]


def test_walk_goes_into_a_details_fold():
    content = [a_chart("lead"), Details("Details", (Text("method"), a_chart("more"), Details("inner", (Note("n"),))))]
    assert [type(b).__name__ for b in walk(content)] == ["Chart", "Details", "Text", "Chart", "Details", "Note"]
    assert [c.key for c in charts(content)] == ["lead", "more"]


@pytest.mark.parametrize("data", [None, FRAME.iloc[0:0]])
def test_chart_or_note_gives_a_note_and_never_builds_a_chart_for_no_rows(data):
    def build():
        raise AssertionError("no chart is built for an empty frame")

    assert chart_or_note("k", data, build) == Note(NO_RUNS_NOTE)
    assert chart_or_note("k", data, build, "Nothing here.") == Note("Nothing here.")


def test_chart_or_note_keeps_the_frame_behind_the_chart():
    block = chart_or_note("k", FRAME, lambda: alt.Chart(FRAME).mark_point(), "empty")
    assert isinstance(block, Chart) and block.key == "k" and block.data is FRAME and block.empty_note == "empty"


METRIC = Choice("cmp_metric", "Measure", ("runs", "users"), "runs", {"runs": "Runs", "users": "Active users"})


@pytest.mark.parametrize("given, option", [
    ("users", "users"),             # the widget's stored value
    ("Active users", "users"),      # the URL carries the label the control shows
    ("Runs", "runs"),
    (None, "runs"),                 # nothing stored, no URL parameter
    ("nonsense", "runs"),           # an edited URL
    ("", "runs"),
])
def test_choice_parses_a_stored_or_url_value(given, option):
    assert METRIC.parse(given) == option


def test_a_chosen_choice_keeps_its_spec():
    chosen = METRIC.chosen("users")
    assert (chosen.key, chosen.options, chosen.default, chosen.value) == ("cmp_metric", ("runs", "users"), "runs",
                                                                          "users")
    assert METRIC.value is None and chosen.label_of("users") == "Active users"


def test_blocks_pickle_so_the_app_can_cache_a_chapter():
    content = [Metrics((Metric("Runs", "1,234", "caption", "help"),)), a_chart("c"), METRIC.chosen("users")]
    again = pickle.loads(pickle.dumps(content))
    assert again[0] == content[0] and again[2] == content[2]
    assert again[1].chart.to_dict() == content[1].chart.to_dict()
    pd.testing.assert_frame_equal(again[1].data, FRAME)
