"""Draw a chapter's blocks (basstory.story.blocks) in the Streamlit page, with a download menu under every chart and the
story's HTML export button. The content itself comes from the chapter builders (basstory.story.chapters)."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

import streamlit as st

from basstory.app import ui
from basstory.export import html as export
from basstory.query.filters import StoryFilters
from basstory.story import blocks as B
from basstory.story.narrative.common import dataset_notice
from basstory.story.registry import TRACKS, chapter_at

#: Streamlit's icons for the note tones.
NOTE_BOXES = {"info": st.info, "success": st.success, "warning": st.warning}
#: Whether the blocks being drawn are inside a Details fold (an expander).
_FOLDED: ContextVar[bool] = ContextVar("folded", default=False)


# --- The data the story shows ---------------------------------------------------------------------------------------

def dataset_banner(version) -> None:
    """Above every page (presentation mode too): for the bundled sample, that the data is synthetic and its findings
    illustrate the method; for a real extract, its name."""
    from basstory.ingest.versions import is_bundled

    bundled = is_bundled(version)
    text = dataset_notice(version.name, version.id, bundled)
    with st.container(key="dataset_notice"):
        if bundled:
            st.warning(text, icon=":material/science:")
        else:
            st.caption(text)


# --- A chapter's page -----------------------------------------------------------------------------------------------

def story_page(path: str) -> StoryFilters:
    """A chapter's whole page body: the sidebar's filters, the page's own choices (declared in the registry), the
    chapter built (cached) and drawn. Returns the filters, for what the page adds below."""
    spec = chapter_at(path)
    filters = ui.story_filters()
    blocks = ui.compute(spec.module().build, filters, *spec.builder_args(choices(*spec.choices), ui.reader_track()))
    chapter(blocks)
    return filters


# --- Page-level choices ---------------------------------------------------------------------------------------------

def choices(*specs: B.Choice) -> list[str]:
    """The option each page-level selector holds for this run, for the builder (which runs before the selector is
    drawn): the widget's value from the last run, else the URL's (a deep link), else the default. Should the widget
    come up with another value, drawing it reruns the page (`_choice`), so the page never shows a stale chapter."""
    values = []
    for spec in specs:
        given = st.session_state[spec.key] if spec.key in st.session_state else st.query_params.get(spec.key)
        values.append(spec.parse(given))
    return values


def _choice(choice: B.Choice) -> None:
    value = st.segmented_control(choice.label, choice.options, default=choice.default, required=True,
                                 format_func=choice.label_of, key=choice.key, bind="query-params")
    if value is not None and value != choice.value:
        st.rerun()


# --- Blocks ---------------------------------------------------------------------------------------------------------

def chapter(blocks: Iterable[B.Block]) -> None:
    """Draw the blocks in order."""
    for block in blocks:
        draw(block)


def draw(block: B.Block) -> None:
    match block:
        case B.Headline():
            ui.headline(block.title, block.finding)
        case B.Scope():
            if notice := ui.take_update_notice():       # another session activated a new dataset
                st.info(notice, icon=":material/update:")
            st.caption(block.text)
        case B.Heading():
            st.subheader(block.text)
        case B.Text():
            st.markdown(block.markdown)
        case B.Bullets():
            st.markdown("\n".join(f"{i}. {item}" if block.ordered else f"- {item}"
                                  for i, item in enumerate(block.items, 1)))
        case B.Caption():
            st.caption(block.text)
        case B.Note():
            NOTE_BOXES[block.tone](block.text, icon=block.icon)
        case B.Metrics():
            _metrics(block)
        case B.Chart():
            if block.data is None or len(block.data) == 0:
                st.info(block.empty_note, icon=":material/info:")
            else:
                ui.chart(block.spec, key=block.key)
                downloads(block)
        case B.Table():
            _table(block)
        case B.Choice():
            _choice(block)
        case B.Columns():
            widths = list(block.widths or [1] * len(block.columns))
            for column, content in zip(st.columns(widths), block.columns, strict=True):
                with column:
                    chapter(content)
        case B.Tabs():
            labels = [label for label, _ in block.tabs]
            # only the selected tab is drawn: a tab not shown costs the browser nothing (picking another reruns
            # the page, whose chapter comes from the cache)
            tabs = st.tabs(labels, key=tabs_key(labels), on_change="rerun")
            for tab, (_, content) in zip(tabs, block.tabs, strict=True):
                if tab.open:
                    with tab:
                        chapter(content)
        case B.Details():
            if _FOLDED.get():       # Streamlit does not nest expanders: a fold inside a fold is drawn open
                st.markdown(f"**{block.title}**")
                chapter(fold_blocks(block))
            else:
                token = _FOLDED.set(True)
                try:
                    # drawn only while open: a closed fold costs the browser nothing, and a lazy one the server
                    # nothing (opening it reruns the page, whose chapter comes from the cache)
                    with st.expander(block.title, icon=":material/unfold_more:", key=fold_key(block.title),
                                     on_change="rerun") as fold:
                        if fold.open:
                            chapter(fold_blocks(block))
                finally:
                    _FOLDED.reset(token)
        case B.Outline():
            _outline(block)
        case _:
            raise TypeError(f"cannot draw {type(block).__name__}")


#: The track picker's option for the whole story, and its widget key.
WHOLE_STORY = "all"
TRACK_PICKER = "track_picker"


def _track_picked() -> None:
    value = st.session_state.get(TRACK_PICKER)
    ui.choose_track(None if value in (None, WHOLE_STORY) else value)


def _outline(block: B.Outline) -> None:
    """The reader-track picker, then links to the chapters of the chosen track (the recommendation ends every
    track); previous/next on every page then follow the track (ui.page_footer)."""
    track = ui.reader_track()
    labels = {WHOLE_STORY: "The whole story", **{key: t.label for key, t in TRACKS.items()}}
    st.session_state[TRACK_PICKER] = track or WHOLE_STORY        # the picker follows the link
    st.segmented_control(
        "Read the story as", list(labels), required=True, format_func=labels.get, key=TRACK_PICKER,
        on_change=_track_picked,
        help="A track shows the chapters one reader needs, in order, and the recommendation leads with that "
             "reader's actions. The link keeps the track (track=…).")
    if track is not None:
        st.caption(f"For {TRACKS[track].label.lower()}: {TRACKS[track].reader}.")
    query = ui.current_query()
    last = block.links[-1].path if block.links else None
    for link in block.links:
        if track is None or track in link.tracks or link.path == last:
            st.page_link(link.path, label=f"**{link.title}** — {link.question}", icon=link.icon,
                         query_params=query)


def fold_blocks(block: B.Details) -> tuple[B.Block, ...]:
    """A fold's content: its blocks, or for a lazy fold what its builder makes (cached like a chapter)."""
    if block.source is None:
        return block.blocks
    return tuple(ui.compute(block.source.builder_function(), block.source.filters, *block.source.args))


def tabs_key(labels: list[str]) -> str:
    """The widget key of a set of tabs on its page, from their labels."""
    return "tabs_" + hashlib.sha1("\x1f".join(labels).encode("utf-8")).hexdigest()[:12]


def fold_key(title: str) -> str:
    """The widget key of a Details fold on its page, from its title (a chapter's fold titles differ)."""
    return "fold_" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]


def _metrics(block: B.Metrics) -> None:
    if len(block.items) == 1:       # a card inside a column already
        _metric(block.items[0])
        return
    for column, metric in zip(st.columns(len(block.items)), block.items, strict=True):
        with column:
            _metric(metric)


def _metric(metric: B.Metric) -> None:
    st.metric(metric.label, metric.value, help=metric.help or None, border=True)
    if metric.caption:
        st.caption(metric.caption)


def _table(block: B.Table) -> None:
    config = {name: _column_config(column) for name, column in block.columns.items()}
    if block.collapsed and _FOLDED.get():   # already in a fold: a title, not a second expander
        st.markdown(f"**{block.collapsed}**")
    with st.expander(block.collapsed) if block.collapsed and not _FOLDED.get() else st.container():
        st.dataframe(block.data, hide_index=True, column_config=config or None)


def _column_config(column: B.Column):
    if column.kind == "datetime":
        return st.column_config.DatetimeColumn(column.label, format=column.format)
    if column.kind == "text":
        return st.column_config.TextColumn(column.label)
    return st.column_config.NumberColumn(column.label, format=column.format)


# --- Downloads ------------------------------------------------------------------------------------------------------

def downloads(chart: B.Chart) -> None:
    """A small menu under the chart: the chart as PNG or SVG, the data behind it as CSV. Each file is made only
    when its button is clicked."""
    name = f"basstory-{chart.key.replace('_', '-')}"
    row = st.container(horizontal=True, horizontal_alignment="right")
    with row.popover("Download", icon=":material/download:", type="tertiary", key=f"{chart.key}_downloads"):
        st.download_button("Chart as PNG", data=lambda: export.chart_png(chart), file_name=f"{name}.png",
                           mime="image/png", on_click="ignore", icon=":material/image:", key=f"{chart.key}_png",
                           width="stretch")
        st.download_button("Chart as SVG", data=lambda: export.chart_svg(chart), file_name=f"{name}.svg",
                           mime="image/svg+xml", on_click="ignore", icon=":material/draw:", key=f"{chart.key}_svg",
                           width="stretch")
        st.download_button("Data as CSV", data=lambda: export.chart_csv(chart), file_name=f"{name}.csv",
                           mime="text/csv", on_click="ignore", icon=":material/table:", key=f"{chart.key}_csv",
                           width="stretch")


def export_button(filters: StoryFilters, key: str) -> None:
    """'Export the story (HTML)': every chapter for the filters in one file that opens offline. Built on click,
    from the chapters already computed for these filters where the cache has them."""
    version = ui.current_version()
    con = ui.connection(version.id)

    track = ui.reader_track()

    def build(module, f: StoryFilters, *args) -> list[B.Block]:
        # Runs on click, outside the script run (no session state): the version is the one this run pinned.
        return ui.compute_for(version.id, module.build, f, *args)

    def story() -> bytes:
        return export.story_html(con, filters, version, datetime.now(UTC), build, track).encode("utf-8")

    label = "Export the story (HTML)" if track is None else f"Export the {TRACKS[track].label.lower()} track (HTML)"
    st.download_button(label, data=story,
                       file_name=export.file_name(version, datetime.now(UTC)), mime="text/html", on_click="ignore",
                       icon=":material/download:", key=key,
                       help=("One HTML file with every chapter" if track is None else
                             "One HTML file with the chapters of this track") +
                            ", as filtered now: titles, findings, numbers and interactive charts. It opens in any "
                            "browser without a network connection.")
