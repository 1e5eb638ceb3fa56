"""The story as a slide deck for a presenter, made from the blocks the chapter builders already return.

`PLAN` is the path through the story: the cover's tiles, how and when users interact, the two systems compared,
the chapters beyond the brief (segments, advisers, active users, spikes, the forecast, the most active and the
at-risk orgs) each by its headline chart, seasonality and capacity, the outage window of each system, the
recommendation. Each step names a chapter (by its
URL path in the registry), the page-level choices its builder is called with and the chart the slide shows (or
none: the chapter's metric cards, the tiles). `deck` turns chapters already built into slides:

* the headline is the chart's own title (the finding it carries) or, for a tiles slide, the chapter's headline;
* the caption is the chart's subtitle (what is shown, how it is counted);
* the speaker notes are the chapter's finding and the supporting sentences around the chart (text, bullets, notes
  and captions of its section, or of the whole chapter);
* both systems are on one slide (the charts chosen draw both, side by side or layered), or on a slide each: the
  outage chapter is built once per system, so no slide needs a selector.

Nothing here is written by hand: a headline, caption and note is a value of a block. A step whose chart the view
does not have (a system filtered out, too few days, no runs) is left out; a view with no runs at all is the cover
and the note saying what to change.

`slide_spec` sizes a slide's chart to the space a screen leaves it. Pure module: no streamlit.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

from basstory.core.text import md_escape
from basstory.query.filters import StoryFilters
from basstory.story import blocks as B
from basstory.story.registry import CHAPTERS, Chapter
from basstory.story.theme import merge_config

#: A chapter built for some choices: (chapter URL path, the builder's page-level choices).
ChapterView = tuple[str, tuple[str, ...]]
#: `build(chapter, choices) -> blocks`: how the deck gets a chapter's blocks (the app passes its cached builder).
BuildView = Callable[[Chapter, tuple[str, ...]], list[B.Block]]


@dataclass(frozen=True)
class Step:
    """One slide of the plan: the chapter, the chart shown (None: the chapter's metric cards), the builder's
    page-level choices (None: the chapter's defaults) and where the notes come from ('section': the chart's
    section, between two headings; 'chapter': every supporting sentence of the chapter)."""
    chapter: str
    chart: str | None = None
    choices: tuple[str, ...] | None = None
    notes: Literal["section", "chapter"] = "section"
    label: str = ""          # a short name for the step when a chapter has several slides ("Full BAS")


PLAN: tuple[Step, ...] = (
    Step("cover"),
    Step("interaction", "int_heatmap"),
    Step("interaction", "int_month"),
    Step("interaction", "int_due"),
    Step("interaction", "int_sessions"),
    Step("interaction", "int_users"),
    Step("comparison", "cmp_activity"),
    Step("comparison", "cmp_usage"),
    Step("segments", "seg_declared"),
    Step("advisers", "adv_timing"),
    Step("activity", "act_flows"),
    Step("seasonality", "sea_months"),
    Step("seasonality", "sea_cycle"),
    Step("seasonality", "sea_load"),
    Step("seasonality", "sea_forecast"),
    Step("spikes", "spk_full_runs", label="Full BAS"),
    Step("spikes", "spk_simple_runs", label="Simple BAS"),
    Step("forecast", "fc_days"),
    Step("outage", "out_heatmap", ("full", "runs"), notes="chapter", label="Full BAS"),
    Step("outage", "out_heatmap", ("simple", "runs"), notes="chapter", label="Simple BAS"),
    Step("orgs", "orgs_most"),
    Step("at_risk", "risk_orgs"),
    Step("recommendation", "rec_compare"),
    Step("recommendation", notes="chapter"),
)
#: The deck's length for a view with both systems and enough data.
MIN_SLIDES, MAX_SLIDES = 12, 24


@dataclass(frozen=True, eq=False)
class Slide:
    """One slide: a headline and one chart or the tiles (or, when the view has nothing to show, a message), and
    the speaker notes. `headline`, `caption`, `notes` and the tiles' fields are Markdown (chart titles from the
    narrative are escaped, so they show as written)."""
    number: int                       # 1-based
    chapter: str                      # the chapter's URL path
    section: str                      # the chapter's title, with the step's label
    headline: str
    caption: str = ""
    chart: B.Chart | None = None
    tiles: tuple[B.Metric, ...] = ()
    message: B.Note | None = None
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable within the plan: the chart's key (with the step's label) or the chapter's URL path."""
        return self.chart.key if self.chart is not None else self.chapter


# --- Building ---------------------------------------------------------------------------------------------------------

def chapter_by_path(url_path: str) -> Chapter:
    for chapter in CHAPTERS:
        if chapter.url_path == url_path:
            return chapter
    raise KeyError(f"no chapter has the URL path {url_path!r}")


def views(plan: Sequence[Step] = PLAN) -> list[ChapterView]:
    """The chapter builds the plan needs, each once, in plan order."""
    needed: list[ChapterView] = []
    for step in plan:
        chapter = chapter_by_path(step.chapter)
        view = (step.chapter, step.choices if step.choices is not None else tuple(chapter.default_choices()))
        if view not in needed:
            needed.append(view)
    return needed


def build_views(con: duckdb.DuckDBPyConnection, filters: StoryFilters, build: BuildView | None = None,
                plan: Sequence[Step] = PLAN) -> dict[ChapterView, list[B.Block]]:
    """Every chapter the plan needs, built for the filters. `build(chapter, choices)` replaces
    `chapter.module().build(con, filters, *choices)` (the app passes its cached builds)."""
    build = build or (lambda chapter, choices: chapter.module().build(con, filters, *choices))
    return {view: B.with_folds(build(chapter_by_path(view[0]), view[1]), lambda source: source.build(con))
            for view in views(plan)}


def slides(con: duckdb.DuckDBPyConnection, filters: StoryFilters, build: BuildView | None = None,
           plan: Sequence[Step] = PLAN) -> list[Slide]:
    """The deck for the filters: `deck(build_views(...))`."""
    return deck(build_views(con, filters, build, plan), plan)


def deck(built: Mapping[ChapterView, list[B.Block]], plan: Sequence[Step] = PLAN) -> list[Slide]:
    """The slides for chapters already built (`built[(url_path, choices)]`, as `build_views` returns them)."""
    made: list[Slide] = []
    seen: set[str] = set()
    for step in plan:
        chapter = chapter_by_path(step.chapter)
        choices = step.choices if step.choices is not None else tuple(chapter.default_choices())
        blocks = built[(step.chapter, choices)]
        slide = _slide(step, chapter, blocks, first_of_chapter=step.chapter not in seen)
        if slide is None:
            continue
        seen.add(step.chapter)
        made.append(slide)
    if not made:                      # no runs in the view: the cover and what to change
        cover = PLAN[0]
        chapter = chapter_by_path(cover.chapter)
        made.append(_slide(cover, chapter, built[views([cover])[0]], True, required=True))
    return [Slide(**{**slide.__dict__, "number": i}) for i, slide in enumerate(made, 1)]


def _slide(step: Step, chapter: Chapter, blocks: list[B.Block], first_of_chapter: bool,
           required: bool = False) -> Slide | None:
    headline = next((b for b in blocks if isinstance(b, B.Headline)), None)
    section = f"{chapter.title} · {step.label}" if step.label else chapter.title
    finding = (headline.finding,) if headline else ()
    if step.chart is not None:
        chart = next((c for c in B.charts(blocks) if c.key == step.chart), None)
        if chart is None or chart.data is None or len(chart.data) == 0:
            return None
        title, subtitle = chart_title(chart)
        around = _sentences(_section_of(blocks, chart) if step.notes == "section" else blocks)
        # the chapter's finding opens the notes of its first slide, and of any slide with nothing else to say
        lead = finding if first_of_chapter or step.notes == "chapter" or not around else ()
        return Slide(0, chapter.url_path, section, md_escape(title), md_escape(subtitle), chart=chart,
                     notes=_unique((*lead, *around)))
    tiles = tuple(m for b in B.walk(blocks) if isinstance(b, B.Metrics) for m in b.items)
    if not tiles and not required:
        return None
    message = None if tiles else next((b for b in blocks if isinstance(b, B.Note)), None)
    # the cover leads with the story's title, its finding under it; a later chapter with its finding
    caption = ""
    if headline is None:
        lead, finding = md_escape(chapter.title), ()
    elif chapter is CHAPTERS[0]:
        lead, finding = headline.title, (headline.finding,)
        caption = headline.finding
    else:
        lead, finding = headline.finding, ()
    source = blocks if step.notes == "chapter" else _first_section(blocks)
    return Slide(0, chapter.url_path, section, lead, caption, tiles=tiles, message=message,
                 notes=_unique((*finding, *_sentences(source))) or (lead,))


def chart_title(chart: B.Chart) -> tuple[str, str]:
    """A chart's title and subtitle as one line each ('' when it has none): its title is the finding it carries."""
    title = getattr(chart.chart, "title", None)
    if title is None or not hasattr(title, "to_dict"):
        return (title if isinstance(title, str) else ""), ""
    spec = title.to_dict()
    return _line(spec.get("text", "")), _line(spec.get("subtitle", ""))


def _line(text: Any) -> str:
    return " ".join(text) if isinstance(text, (list, tuple)) else str(text or "")


def _is_text(block: B.Block) -> bool:
    return isinstance(block, (B.Text, B.Bullets, B.Caption, B.Note))


def _section_of(blocks: list[B.Block], chart: B.Chart) -> list[B.Block]:
    """The blocks between the headings around `chart`, flattened (through columns, tabs and folds), without the
    content of a fold the chart is not in: a fold holds the secondary text, not what the presenter says."""
    sections: list[list[B.Block]] = [[]]
    for block in _flat(blocks, chart):
        if isinstance(block, B.Heading):
            sections.append([])
        else:
            sections[-1].append(block)
    return next((s for s in sections if any(b is chart for b in s)), [])


def _flat(blocks: Iterable[B.Block], keep: B.Block | None = None) -> Iterator[B.Block]:
    """Every block depth first, skipping folds (Details) that do not hold `keep`."""
    for block in blocks:
        if isinstance(block, B.Details):
            if keep is not None and any(b is keep for b in B.walk(block.blocks)):
                yield from _flat(block.blocks, keep)
            continue
        yield block
        if isinstance(block, B.Columns):
            for column in block.columns:
                yield from _flat(column, keep)
        elif isinstance(block, B.Tabs):
            for _, content in block.tabs:
                yield from _flat(content, keep)


def _first_section(blocks: list[B.Block]) -> list[B.Block]:
    """The blocks before the chapter's first heading."""
    first: list[B.Block] = []
    for block in blocks:
        if isinstance(block, B.Heading):
            break
        first.append(block)
    return first


def _sentences(blocks: Iterable[B.Block]) -> list[str]:
    """The supporting sentences among `blocks` (outside folds): text, bullets, notes and captions, as Markdown, in
    reading order."""
    found: list[str] = []
    for block in _flat(blocks):
        match block:
            case B.Text():
                found.append(block.markdown)
            case B.Bullets():
                found.extend(block.items)
            case B.Note() | B.Caption():
                found.append(block.text)
    return [s for s in found if s.strip()]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --- A chart on a slide -----------------------------------------------------------------------------------------------

#: Room a row-faceted chart needs besides its plots (legend on top, the first row's header, the x axis and its
#: title below; then per further row its header and the gap before it), and the width its row labels and y axis
#: take, in px at the slides' type size (measured in Chromium on the three-row due-date chart at 1366×768 and
#: 1920×1080).
FACET_OVERHEAD_Y, FACET_ROW_GAP, FACET_OVERHEAD_X = 160, 36, 170


def facet_rows(spec: Mapping) -> int:
    """How many rows a row-faceted spec draws (one per value of its row field in its data); 1 otherwise."""
    facet = spec.get("facet")
    if not isinstance(facet, Mapping) or "row" not in facet:
        return 1
    field = facet["row"].get("field") if isinstance(facet["row"], Mapping) else None
    name = spec.get("data", {}).get("name") if isinstance(spec.get("data"), Mapping) else None
    rows = spec.get("datasets", {}).get(name, []) if name else []
    values = {str(r.get(field)) for r in rows if isinstance(r, Mapping)} if field else set()
    return max(len(values), 1)


def slide_spec(chart: B.Chart, width: int | None, height: int, config: Mapping | None = None) -> dict:
    """The chart's Vega-Lite spec for a slide: no title (the slide's headline and caption say it), `height` px tall
    in all (legend and axes included) and `width` px wide (None: the container's width), with `config` merged over
    its own. A single or layered chart is fitted (autosize fit); a row-faceted one shares the height between its
    rows; a concatenated one keeps its own size."""
    spec = copy.deepcopy(chart.spec)
    spec.pop("title", None)
    if config:
        spec["config"] = merge_config(spec.get("config", {}), config)
    if "facet" in spec:
        rows = facet_rows(spec)
        inner = spec.setdefault("spec", {})
        inner["height"] = max(40, (height - FACET_OVERHEAD_Y - FACET_ROW_GAP * (rows - 1)) // rows)
        if width is not None:
            inner["width"] = max(200, width - FACET_OVERHEAD_X)
    elif not any(k in spec for k in ("hconcat", "vconcat", "concat", "repeat")):
        spec["height"] = height
        spec["width"] = width if width is not None else "container"
        spec["autosize"] = {"type": "fit", "contains": "padding"}
    return spec


__all__ = ["MAX_SLIDES", "MIN_SLIDES", "PLAN", "Slide", "Step", "build_views", "chart_title", "deck", "facet_rows",
           "slide_spec", "slides", "views"]
