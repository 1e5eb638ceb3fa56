"""The slide deck as one self-contained HTML file, and as a PDF printed from that file by headless Chromium.

`deck_html` writes the slides of `basstory.story.slides` into `templates/slides.html.j2`: one slide a screen, the
headline, the chart (or the tiles) sized to the window, the slide number, the dataset notice; the speaker notes on
each slide, shown with the `n` key. A small inline script moves between slides (arrow keys, Page Up/Down, space,
Home/End, the on-screen buttons, a click on the slide) and keeps the slide number in the address (`#3`). Vega,
Vega-Lite and Vega-Embed are inlined as in the story's export (`html.vega_bundle`), so the file opens with the network
off. Printed (`@media print`), every slide is one landscape page of 1280×720 CSS pixels; `deck_pdf` prints the file
with `chromium --headless --print-to-pdf` when Chromium is installed. No streamlit here.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup

from basstory.export import html
from basstory.query.filters import StoryFilters
from basstory.story import slides as S
from basstory.story import theme
from basstory.story.narrative.common import dataset_notice

#: The browsers `deck_pdf` looks for, in order (Debian's Chromium first, as the tests and tools use).
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
#: One printed slide, in CSS pixels (13.33 × 7.5 inches at 96 per inch, a 16:9 page).
PAGE_WIDTH, PAGE_HEIGHT = 1280, 720
#: A chart's height before the page's script sizes it to the window (any value: it is replaced).
DRAFT_HEIGHT = 400


#: Charts on a slide: SVG, no menu (the slide is for showing; the story's export has the menus).
EMBED_OPTIONS = {"renderer": "svg", "actions": False}


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(html.TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["markdown"] = html.markdown_block
    env.filters["markdown_inline"] = html.markdown_inline
    return env


def chart_specs(deck: Sequence[S.Slide]) -> dict[str, dict]:
    """Each slide's chart as {'spec', 'rows'} by element id: the spec without its title, in the slides' larger
    type; `rows` tells the page's script how many rows a faceted chart shares its height between."""
    config = theme.app_overrides("light", present=True)
    specs = {}
    for slide in deck:
        if slide.chart is not None:
            spec = S.slide_spec(slide.chart, None, DRAFT_HEIGHT, config)
            specs[chart_id(slide)] = {"spec": spec, "rows": S.facet_rows(spec) if "facet" in spec else 0}
    return specs


def chart_id(slide: S.Slide) -> str:
    return f"slide-chart-{slide.number}"


def deck_html(deck: Sequence[S.Slide], filters: StoryFilters, version, exported_at: datetime) -> str:
    """The slides as one offline HTML document."""
    from basstory.ingest.versions import is_bundled

    bundled = is_bundled(version)
    template = _environment().get_template("slides.html.j2")
    return template.render(
        slides=deck, total=len(deck), version=version, bundled=bundled, chart_id=chart_id,
        dataset_notice=dataset_notice(version.name, version.id, bundled),
        filters=html.filters_sentence(filters), exported=html.exported_words(exported_at, filters.tz),
        exported_utc=f"{exported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        css=Markup((html.TEMPLATES / "slides.css").read_text(encoding="utf-8")),
        colors={"full": theme.SYSTEM_COLORS["full"], "simple": theme.SYSTEM_COLORS["simple"],
                "accent": theme.ACCENT_COLOR, "font": Markup(theme.FONT)},
        layout=html.script_json({"overheadY": S.FACET_OVERHEAD_Y, "rowGap": S.FACET_ROW_GAP,
                                 "overheadX": S.FACET_OVERHEAD_X}),
        specs=html.script_json(chart_specs(deck)), embed_options=html.script_json(EMBED_OPTIONS),
        vega_bundle=Markup(html.vega_bundle()), page={"width": PAGE_WIDTH, "height": PAGE_HEIGHT},
    )


def slides_html(con: duckdb.DuckDBPyConnection, filters: StoryFilters, version, exported_at: datetime,
                build: S.BuildView | None = None) -> str:
    """The deck for the filters as one offline HTML document (`build` as in `slides.build_views`)."""
    return deck_html(S.slides(con, filters, build), filters, version, exported_at)


def file_name(version, exported_at: datetime, suffix: str = "html") -> str:
    """'basstory-slides-0123456789abcdef-20261122-0102.html' (UTC time of export)."""
    return f"basstory-slides-{version.id}-{exported_at.astimezone(UTC):%Y%m%d-%H%M}.{suffix}"


def find_chromium() -> str | None:
    """The path of a Chromium to print with (BASSTORY_CHROMIUM first), or None when there is none."""
    for candidate in (os.environ.get("BASSTORY_CHROMIUM"), *CHROMIUM_CANDIDATES):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


class PdfUnavailable(RuntimeError):
    """No Chromium to print with, or it failed."""


def deck_pdf(page: str, chromium: str | None = None, timeout: float = 120) -> bytes:
    """The HTML deck `page` printed to PDF by headless Chromium: one slide a page, charts drawn. Raises
    PdfUnavailable without Chromium or when printing fails."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise PdfUnavailable("no Chromium to print the slides with (install chromium)")
    with tempfile.TemporaryDirectory(prefix="basstory-slides-") as scratch:
        source, target = Path(scratch) / "slides.html", Path(scratch) / "slides.pdf"
        source.write_text(page, encoding="utf-8")
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={Path(scratch) / 'profile'}", f"--window-size={PAGE_WIDTH},{PAGE_HEIGHT}",
                   "--run-all-compositor-stages-before-draw", "--virtual-time-budget=30000",
                   "--no-pdf-header-footer", f"--print-to-pdf={target}", source.as_uri() + "#print"]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise PdfUnavailable(f"Chromium could not print the slides: {error}") from error
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable("Chromium did not write the PDF")
        return target.read_bytes()


__all__ = ["PdfUnavailable", "chart_specs", "deck_html", "deck_pdf", "file_name", "find_chromium", "slides_html"]
