"""The slides page: the story as a deck (basstory.story.slides), one slide at a time, for a presenter.

The sidebar, header and toolbar are hidden as in presentation mode (the sidebar's filters still apply: they come from
the link, or from the story page the presenter came from). `?slide=N` is the slide shown, so every slide has its own
link; the previous/next buttons answer the arrow keys (Streamlit's button shortcuts), the Notes button the `n` key.
The chart is sized to the browser's window, which a small component reports (`viewport`); until it has, the deck is
laid out for 1366×768. The deck downloads as one offline HTML file, and as PDF where Chromium is installed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from basstory.app import links, presentation, render, ui
from basstory.export import slides as deck_export
from basstory.story import blocks as B
from basstory.story import slides as S
from basstory.story import theme
from basstory.story.registry import CHAPTERS, SLIDES_PAGE

SLIDE = links.SLIDE
NOTES = "slide_notes"
VIEWPORT = "slide_viewport"
#: The window a deck is laid out for before the browser has said what it is.
DEFAULT_VIEWPORT = (1366, 768)

#: Reports the window's size as the component's state `viewport` ({width, height}), when mounted and after a resize.
VIEWPORT_JS = """
export default function (component) {
  const { setStateValue } = component;
  let last = "";
  function report() {
    const size = { width: window.innerWidth, height: window.innerHeight };
    const text = size.width + "x" + size.height;
    if (text !== last) { last = text; setStateValue("viewport", size); }
  }
  let pending = null;
  function later() { clearTimeout(pending); pending = setTimeout(report, 250); }
  window.addEventListener("resize", later);
  report();
  return () => { window.removeEventListener("resize", later); clearTimeout(pending); };
}
"""


@st.cache_resource
def _viewport_component():
    return st.components.v2.component("basstory_slide_viewport", js=VIEWPORT_JS)


def viewport() -> tuple[int, int]:
    """The browser window's (width, height) in CSS pixels, as the component last reported it."""
    size = None
    try:
        result = _viewport_component()(key=VIEWPORT, on_viewport_change=lambda: None, height=0)
        size = result.get("viewport") if hasattr(result, "get") else getattr(result, "viewport", None)
    except Exception:  # noqa: BLE001 - no browser (AppTest) or no component support: lay out for the default
        size = None
    if isinstance(size, dict) and size.get("width") and size.get("height"):
        return int(size["width"]), int(size["height"])
    return DEFAULT_VIEWPORT


# --- Layout: how big the type and the chart are for a window (pure) --------------------------------------------------

@dataclass(frozen=True)
class Layout:
    """Sizes in CSS pixels for one slide in a window: the base type, the headline's and caption's type, the chart's
    box (width, height)."""
    base: int
    headline: int
    caption: int
    chart_width: int
    chart_height: int


#: Around the slide: the dataset notice, the page's padding, the footer with the buttons and the closed notes fold,
#: and the gaps between them, in units of the base type size (measured at 1366×768 and 1920×1080).
CHROME_EMS = 14.5
HEADLINE_LINE, CAPTION_LINE = 1.2, 1.35
#: Average width of a character as a share of the type size (bold headline, regular caption), rounded up.
HEADLINE_CHAR, CAPTION_CHAR = 0.56, 0.5
MIN_CHART_HEIGHT = 180


def layout(width: int, height: int, headline: str, caption: str) -> Layout:
    """The slide's sizes for a window of `width` × `height`: type grows with the width (17 px at 1366, 22 at 1920);
    the chart takes the height the headline, caption and the page's frame leave it."""
    base = max(15, min(24, round(width * 0.0115)))
    head_px, caption_px = round(base * 1.75), round(base * 0.85)
    inner = width * 0.94 - 2 * base
    head_lines = _lines(_plain(headline), inner, head_px * HEADLINE_CHAR)
    caption_lines = _lines(_plain(caption), inner, caption_px * CAPTION_CHAR) if caption else 0
    used = (CHROME_EMS * base + head_lines * head_px * HEADLINE_LINE + caption_lines * caption_px * CAPTION_LINE)
    return Layout(base, head_px, caption_px, int(inner), max(MIN_CHART_HEIGHT, int(height - used)))


def _lines(text: str, width: float, char: float) -> int:
    return max(1, math.ceil(len(text) * char / max(width, 1)))


def _plain(markdown: str) -> str:
    """Markdown as the characters it shows (escapes and emphasis marks dropped), for counting."""
    return markdown.replace("\\", "").replace("**", "")


# --- The page ---------------------------------------------------------------------------------------------------------

SLIDES_CSS = """
<style>
%(hidden)s { display: none !important; }
html { font-size: %(base)dpx !important; }
[data-testid="stMain"] { padding-top: 0 !important; }
[data-testid="stMainBlockContainer"] {
  max-width: 100vw !important; padding: 0.6rem 3vw 0 3vw !important;
}
[data-testid="stMainBlockContainer"] > div > [data-testid="stVerticalBlock"] { gap: 0.45rem !important; }
.st-key-dataset_notice [data-testid="stAlert"] { padding: 0 !important; }
.st-key-dataset_notice [data-testid="stAlertContainer"] { padding: 0.35rem 0.8rem !important; }
.st-key-dataset_notice p { font-size: 0.72rem !important; line-height: 1.3 !important; }
.st-key-slide { gap: 0.3rem !important; }
.st-key-slide_kicker p { font-size: 0.8rem !important; font-weight: 600; letter-spacing: 0.06em;
  text-transform: uppercase; color: %(primary)s !important; }
.st-key-slide_headline p { font-size: %(headline)dpx !important; line-height: 1.2 !important; font-weight: 700;
  border-left: 0.35rem solid %(primary)s; padding-left: 0.8rem; }
.st-key-slide_caption p { font-size: %(caption)dpx !important; line-height: 1.35 !important; }
.st-key-slide_footer { border-top: 1px solid #E4E7EB; padding-top: 0.4rem; }
.st-key-slide_number p { font-size: 1.1rem !important; font-weight: 600; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.st-key-slide_next button { background: %(primary)s; color: #FFFFFF; border-color: %(primary)s; }
.st-key-slide_notes details summary p { font-size: 0.9rem !important; }
/* the tiles sit where a chart would, so the footer stays in its place from slide to slide */
.st-key-slide_tiles, .st-key-slide_message { min-height: %(chart_height)dpx; justify-content: center; }
</style>
"""


def slides_css(sizes: Layout, primary: str = theme.LIGHT["primary"]) -> str:
    hidden = ",\n".join(f'[data-testid="{test_id}"]' for test_id in presentation.HIDDEN_TEST_IDS)
    return SLIDES_CSS % {"hidden": hidden, "base": sizes.base, "headline": sizes.headline,
                         "caption": sizes.caption, "primary": primary, "chart_height": sizes.chart_height}


def current_deck() -> list[S.Slide]:
    """The deck for this run's filters, from the chapters as the pages build them (cached). A deck for a view nobody
    has opened builds every chapter of the story (tens of seconds on a very large extract), so a progress bar names
    the chapter being prepared and how many are left; it is gone once the deck is ready."""
    filters = ui.story_filters()
    version = ui.current_version()
    needed = S.views()
    progress = st.empty()
    done = 0

    def build(chapter, choices):
        nonlocal done
        progress.progress(done / len(needed), text=f"Preparing the slides for this view: {chapter.title} "
                                                    f"({done + 1} of {len(needed)})")
        blocks = ui.compute(chapter.module().build, filters, *choices)
        done += 1
        return blocks

    deck = S.slides(ui.connection(version.id), filters, build)
    progress.empty()
    return deck


def slide_number(total: int) -> int:
    """The slide the link asks for (`?slide=N`), within 1..total; 1 when it asks for none or for something else."""
    raw = st.query_params.get(SLIDE)
    try:
        wanted = int(raw) if raw is not None else 1
    except ValueError:
        wanted = 1
    return max(1, min(total, wanted))


def _go(number: int) -> None:
    st.query_params[SLIDE] = str(number)


def _toggle_notes() -> None:
    st.session_state[NOTES] = not st.session_state.get(NOTES, False)


def page() -> None:
    """The whole slides page."""
    deck = current_deck()
    total = len(deck)
    number = slide_number(total)
    if st.query_params.get(SLIDE) != str(number):
        st.query_params[SLIDE] = str(number)            # the link always says which slide is shown
    slide = deck[number - 1]
    width, height = viewport()
    sizes = layout(width, height, slide.headline, slide.caption)
    st.html(slides_css(sizes))
    with st.container(key="slide"):
        _slide(slide, sizes)
    _footer(deck, number)


def _slide(slide: S.Slide, sizes: Layout) -> None:
    with st.container(key="slide_kicker"):
        st.markdown(slide.section)
    with st.container(key="slide_headline"):
        st.markdown(slide.headline)
    if slide.caption:
        with st.container(key="slide_caption"):
            st.caption(slide.caption)
    if slide.chart is not None:
        config = theme.app_overrides(getattr(st.context.theme, "type", None), present=True)
        spec = S.slide_spec(slide.chart, sizes.chart_width if "facet" in slide.chart.spec else None,
                            sizes.chart_height, config)
        with st.container(key="slide_chart"):
            st.vega_lite_chart(spec=spec, width="stretch", theme=None, key=f"slide_chart_{slide.number}")
    elif slide.tiles:
        with st.container(key="slide_tiles"):
            render.draw(B.Metrics(slide.tiles))
    elif slide.message is not None:
        with st.container(key="slide_message"):
            render.draw(slide.message)


def _footer(deck: list[S.Slide], number: int) -> None:
    total = len(deck)
    with st.container(key="slide_footer", horizontal=True, vertical_alignment="center"):
        st.button("Previous", key="slide_prev", icon=":material/arrow_back:", shortcut="Left",
                  disabled=number <= 1, on_click=_go, args=(number - 1,))
        with st.container(key="slide_number", width="content"):
            st.markdown(f"{number} / {total}")
        st.button("Next", key="slide_next", icon=":material/arrow_forward:", icon_position="right",
                  shortcut="Right", disabled=number >= total, on_click=_go, args=(number + 1,))
        st.space("stretch")
        st.button("Notes", key="slide_notes_toggle", icon=":material/speaker_notes:", shortcut="N",
                  type="tertiary", on_click=_toggle_notes, help="Show or hide the speaker notes (n)")
        _downloads()
        st.page_link(CHAPTERS[0].path, label="Leave the slides", icon=":material/close:",
                     query_params=ui.current_query())
    with st.expander("Speaker notes", key=NOTES, on_change="rerun"):
        st.markdown("\n".join(f"- {note}" for note in deck[number - 1].notes))


def _downloads() -> None:
    """The deck as one offline HTML file and, with Chromium, as PDF; each made only when its button is clicked."""
    filters = ui.story_filters()
    version = ui.current_version()
    con = ui.connection(version.id)

    def build(chapter, choices):
        # runs on click, outside the script run: the version is the one this run pinned
        return ui.compute_for(version.id, chapter.module().build, filters, *choices)

    def page_html() -> str:
        return deck_export.slides_html(con, filters, version, datetime.now(UTC), build)

    now = datetime.now(UTC)
    with st.popover("Download", icon=":material/download:", key="slide_downloads"):
        st.download_button("Slides as HTML", data=lambda: page_html().encode("utf-8"),
                           file_name=deck_export.file_name(version, now), mime="text/html", on_click="ignore",
                           icon=":material/slideshow:", key="slides_html", width="stretch",
                           help="One HTML file that opens offline: arrow keys or a click move, n shows the notes.")
        if deck_export.find_chromium():
            st.download_button("Slides as PDF", data=lambda: deck_export.deck_pdf(page_html()),
                               file_name=deck_export.file_name(version, now, "pdf"), mime="application/pdf",
                               on_click="ignore", icon=":material/picture_as_pdf:", key="slides_pdf",
                               width="stretch", help="One slide a page, printed from the HTML file by Chromium.")
        else:
            st.caption("PDF: needs Chromium on the server.")


__all__ = ["DEFAULT_VIEWPORT", "Layout", "SLIDES_PAGE", "layout", "page", "slide_number", "viewport"]
