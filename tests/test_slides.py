"""The slide deck (basstory.story.slides): on the test sample, 12–16 slides, each a headline and one chart or the
tiles, with notes, every headline the value of a chapter block, both systems on screen without a selector; on
hand-made blocks, where the headline, caption and notes come from; on a tiny hand-made dataset and an empty view,
a deck still stands. `slide_spec` sizes a chart to a slide."""
from __future__ import annotations

import altair as alt
import pandas as pd
import pytest

from basstory.core.text import md_escape
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story import blocks as B
from basstory.story import slides as S
from basstory.story.registry import CHAPTERS
from tests.staged_fixtures import org, run, staged_connection

CHAPTER = {c.url_path: c for c in CHAPTERS}


@pytest.fixture(scope="module")
def sample_con(sample_data_dir):
    return connect_version(DatasetStore(sample_data_dir / "store").current())


@pytest.fixture(scope="module")
def built(sample_con):
    return S.build_views(sample_con, StoryFilters())


@pytest.fixture(scope="module")
def deck(built):
    return S.deck(built)


# --- On the test sample -----------------------------------------------------------------------------------------------

def test_the_deck_is_12_to_16_slides_numbered_in_order(deck):
    assert S.MIN_SLIDES <= len(deck) <= S.MAX_SLIDES
    assert [s.number for s in deck] == list(range(1, len(deck) + 1))
    assert len(S.PLAN) <= S.MAX_SLIDES


def test_every_slide_is_a_headline_one_chart_or_the_tiles_and_notes(deck):
    for slide in deck:
        assert slide.headline.strip(), slide.key
        assert (slide.chart is not None) != bool(slide.tiles), f"{slide.key}: one chart or the tiles"
        if slide.chart is not None:
            assert len(slide.chart.data) > 0
        assert slide.notes and all(n.strip() for n in slide.notes), f"{slide.key} has no notes"
        assert slide.message is None


def test_the_path_through_the_brief(deck):
    chapters = [s.chapter for s in deck]
    assert chapters[0] == "cover" and deck[0].tiles
    assert chapters == sorted(chapters, key=[c.url_path for c in CHAPTERS].index), "in the story's order"
    assert set(chapters) == {c.url_path for c in CHAPTERS}, "every chapter has a slide"
    assert [s.section for s in deck if s.chapter == "outage"] == ["The outage window · Full BAS",
                                                                  "The outage window · Simple BAS"]
    assert chapters[-1] == "recommendation" and deck[-1].tiles


def test_headlines_and_notes_are_the_chapter_blocks_values(deck, built):
    for slide in deck:
        step = next(s for s in S.PLAN if s.chapter == slide.chapter and (
            slide.chart is None and s.chart is None or slide.chart is not None and s.chart == slide.chart.key)
            and (not s.label or slide.section.endswith(s.label)))
        choices = step.choices if step.choices is not None else tuple(CHAPTER[step.chapter].default_choices())
        blocks = built[(step.chapter, choices)]
        headline = next(b for b in blocks if isinstance(b, B.Headline))
        texts = {headline.finding} | {b.markdown for b in B.walk(blocks) if isinstance(b, B.Text)} | {
            i for b in B.walk(blocks) if isinstance(b, B.Bullets) for i in b.items} | {
            b.text for b in B.walk(blocks) if isinstance(b, (B.Note, B.Caption))}
        assert set(slide.notes) <= texts, f"{slide.key}: a note that is no block's text"
        if slide.chart is not None:
            assert any(c is slide.chart for c in B.charts(blocks)), "the chapter's own chart"
            title = slide.chart.chart.to_dict()["title"]
            text = title["text"] if isinstance(title["text"], str) else " ".join(title["text"])
            assert slide.headline == md_escape(text)
        elif slide.chapter == "cover":
            assert slide.headline == headline.title and slide.caption == headline.finding
            assert slide.tiles == tuple(m for b in blocks if isinstance(b, B.Metrics) for m in b.items)
        else:
            assert slide.headline == headline.finding


def test_both_systems_are_on_screen_without_a_selector(deck):
    assert not any(isinstance(b, (B.Choice, B.Tabs)) for s in deck for b in ([s.chart] if s.chart else []))
    for slide in deck:
        if slide.chart is None or slide.chapter in ("outage", "spikes"):       # a slide per system
            continue
        data = slide.chart.data
        column = next((c for c in ("system", "system_label") if c in data.columns), None)
        if column and not slide.key.startswith(("sea_load", "sea_forecast", "fc_")):   # Full BAS only
            assert data[column].nunique() == 2, f"{slide.key} shows one system"


def test_one_system_leaves_out_the_other_systems_outage_slide(sample_con):
    deck = S.slides(sample_con, StoryFilters(systems=("full",)))
    assert [s.section for s in deck if s.chapter == "outage"] == ["The outage window · Full BAS"]
    assert all(s.notes and (s.chart is not None or s.tiles) for s in deck)


def test_a_view_without_runs_is_the_cover_and_what_to_change(sample_con):
    deck = S.slides(sample_con, StoryFilters(statuses=()))
    assert len(deck) == 1
    assert deck[0].chapter == "cover" and deck[0].message is not None and deck[0].notes
    assert "No report runs match" in deck[0].message.text


def test_a_tiny_hand_made_dataset_makes_a_deck(tmp_path):
    orgs = [org("a1", "!a1"), org("b2", "!b2", plan="Premium 5")]
    runs = [run("full", "u1", "a1", local=f"2017-0{m}-{d} 10:{d:02d}", runtime=2.0) for m in (1, 2, 3)
            for d in (5, 20, 21)]
    runs += [run("simple", "u2", "b2", local=f"2017-0{m}-21 11:00", statement=(2017, m)) for m in (1, 2, 3)]
    con = staged_connection(tmp_path, runs, orgs)
    deck = S.slides(con, StoryFilters())
    assert 1 <= len(deck) <= S.MAX_SLIDES
    assert deck[0].chapter == "cover" and deck[0].tiles
    for slide in deck:
        assert slide.headline and slide.notes and (slide.chart is not None or slide.tiles)


# --- On hand-made blocks ----------------------------------------------------------------------------------------------

def _chart(key: str, title: str, subtitle: str = "", facet: bool = False) -> B.Chart:
    data = pd.DataFrame({"x": [1, 2, 3, 4], "y": [3, 1, 2, 5], "system_label": ["Full BAS", "Full BAS",
                                                                               "Simple BAS", "Simple BAS"]})
    chart = alt.Chart(data).mark_bar().encode(x="x:O", y="y:Q")
    chart = chart.facet(row="system_label:N") if facet else chart
    return B.Chart(key, chart.properties(title=alt.TitleParams(text=title, subtitle=subtitle)), data)


HAND_PLAN = (S.Step("cover"), S.Step("interaction", "int_a"), S.Step("interaction", "int_b"),
             S.Step("interaction", "int_gone"), S.Step("recommendation", notes="chapter"))


def hand_built():
    cover = [B.Headline("The title", "The **finding**."), B.Scope("scope"), B.Text("Covers **a** to **b**."),
             B.Metrics((B.Metric("Busiest month", "Feb 2017"), B.Metric("Orgs", "12"))), B.Heading("The story"),
             B.Text("not a note: after the first heading")]
    interaction = [B.Headline("How", "Chapter finding."), B.Scope("scope"),
                   B.Heading("A"), _chart("int_a", "A title with 50% *and* [x]", "What A shows."),
                   B.Text("A's sentence."), B.Details("Method", (B.Text("A's method, in a fold."),)),
                   B.Heading("B"), _chart("int_b", ["B title on", "two lines"]), B.Note("B's note."),
                   B.Heading("Gone"), B.Note("No runs in this view for this chart.")]
    recommendation = [B.Headline("Recommendation", "Do **this**."), B.Scope("scope"),
                      B.Columns(((B.Metrics((B.Metric("Full BAS window", "Day 12"),)), B.Bullets(("why full",))),
                                 (B.Metrics((B.Metric("Simple BAS window", "Day 2"),)), B.Bullets(("why simple",))))),
                      B.Heading("Key findings"), B.Bullets(("one", "two"), ordered=True)]
    return {("cover", ()): cover, ("interaction", ()): interaction, ("recommendation", ()): recommendation}


def test_deck_from_hand_made_blocks():
    deck = S.deck(hand_built(), HAND_PLAN)
    assert [s.key for s in deck] == ["cover", "int_a", "int_b", "recommendation"], "a chart the view lacks: no slide"
    cover, a, b, rec = deck
    assert (cover.headline, cover.caption) == ("The title", "The **finding**.")
    assert [m.value for m in cover.tiles] == ["Feb 2017", "12"]
    assert cover.notes == ("The **finding**.", "Covers **a** to **b**."), "the first section's sentences"
    assert a.headline == md_escape("A title with 50% *and* [x]") and a.caption == md_escape("What A shows.")
    assert a.notes == ("Chapter finding.", "A's sentence."), "the chapter's finding first; a fold's text is not said"
    assert b.headline == "B title on two lines" and b.notes == ("B's note.",)
    assert rec.headline == "Do **this**." and [m.label for m in rec.tiles] == ["Full BAS window", "Simple BAS window"]
    assert rec.notes == ("why full", "why simple", "one", "two")
    assert a.section == "How and when users interact"


def test_a_chart_slide_without_sentences_takes_the_chapters_finding():
    built = hand_built()
    built[("interaction", ())] = [B.Headline("How", "Chapter finding."), B.Heading("B"), _chart("int_b", "B")]
    deck = S.deck(built, (S.Step("interaction", "int_b"), S.Step("interaction", "int_b", label="again")))
    assert [s.notes for s in deck] == [("Chapter finding.",), ("Chapter finding.",)]
    assert deck[1].section == "How and when users interact · again"


def test_views_builds_each_chapter_once_per_choice():
    views = S.views()
    assert len(views) == len(set(views))
    assert ("outage", ("full", "runs")) in views and ("outage", ("simple", "runs")) in views
    assert ("comparison", tuple(CHAPTER["comparison"].default_choices())) in views


# --- A chart sized for a slide ----------------------------------------------------------------------------------------

def test_slide_spec_fits_a_single_chart_and_drops_its_title():
    spec = S.slide_spec(_chart("k", "Title", "Sub"), None, 420, {"axis": {"labelFontSize": 15}})
    assert "title" not in spec
    assert (spec["height"], spec["width"]) == (420, "container")
    assert spec["autosize"] == {"type": "fit", "contains": "padding"}
    assert spec["config"]["axis"]["labelFontSize"] == 15


def test_slide_spec_shares_the_height_between_facet_rows():
    chart = _chart("k", "Title", facet=True)
    spec = S.slide_spec(chart, 1200, 600)
    assert S.facet_rows(spec) == 2
    assert spec["spec"]["height"] == (600 - S.FACET_OVERHEAD_Y - S.FACET_ROW_GAP) // 2
    assert spec["spec"]["width"] == 1200 - S.FACET_OVERHEAD_X
    assert "title" not in spec
    assert "title" in chart.chart.to_dict(), "the chapter's chart is left as it was"


@pytest.mark.parametrize("height, at_least", [(100, 40), (10_000, 1000)])
def test_slide_spec_never_squeezes_a_facet_row_to_nothing(height, at_least):
    spec = S.slide_spec(_chart("k", "T", facet=True), 1000, height)
    assert spec["spec"]["height"] >= at_least
