"""The story as one self-contained HTML file, and each chart as PNG, SVG or CSV.

`story_html` builds every chapter for the filters (basstory.story.chapters, each selector at its default) and writes one
HTML document: a header naming the dataset version, the filters in words and the time of export, a table of
contents, then every chapter's blocks. Vega, Vega-Lite and Vega-Embed are inlined once (vl_convert's JavaScript
bundle, the same script `vegalite_to_html(..., bundle=True)` inlines) and every chart's Vega-Lite spec is embedded
as JSON, so the file opens with the network off and every chart stays interactive (tooltips, PNG/SVG from the
chart's menu).

The document is a Jinja2 template (`templates/story.html.j2`, autoescaped; its look is `templates/story.css`); the
narrative's Markdown is rendered by markdown-it with raw HTML escaped and images off, so text from data can only
ever come out as text.

The CSV of a chart is the frame behind it, made safe for spreadsheets (`spreadsheet_safe`). No streamlit here: the
CLI (`python -m basstory export`) and the app's download buttons both use this module.
"""
from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import jinja2
import pandas as pd
from markdown_it import MarkdownIt
from markupsafe import Markup

from basstory.core.schema import CONTRACT_TZ, DISPLAY_TZS, SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_day, zone_name
from basstory.query.filters import MANAGED_CHOICES, PAYING_CHOICES, StoryFilters
from basstory.story import blocks as B
from basstory.story.narrative.common import dataset_notice
from basstory.story.registry import CHAPTERS, TRACKS, Chapter, track_chapters
from basstory.story.theme import ACCENT_COLOR, BOTH_COLOR, FONT, MUTED_COLOR, SYSTEM_COLORS

#: Width in pixels of a chart saved as PNG or SVG when the chart itself does not set one (in the app and the HTML
#: such a chart fills its container).
IMAGE_WIDTH = 900
#: A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (OWASP's list: the
#: four formula characters, and tab and carriage return, which some spreadsheets strip before the formula).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}

BuildChapter = Callable[..., list[B.Block]]


# --- CSV ------------------------------------------------------------------------------------------------------------

def escape_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with `'` so it is shown as text; any other
    value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names cannot run as formulas (`escape_cell`).

    Only text is escaped: numeric columns stay numbers, so -3 in a number column is written as -3 and a spreadsheet
    reads it as the number it is (a number is never run as a formula). '-3' in a text column is text, and is
    escaped like any other text starting with '-'.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)
                or pd.api.types.is_bool_dtype(series)):
            out[column] = series.map(escape_cell, na_action="ignore")
    out.columns = [escape_cell(str(c)) for c in out.columns]
    return out


def chart_csv(chart: B.Chart) -> bytes:
    """The frame behind a chart as CSV (UTF-8 with a byte-order mark, so Excel reads 'Full BAS – …' right)."""
    return spreadsheet_safe(chart.data).to_csv(index=False).encode("utf-8-sig")


# --- Images ---------------------------------------------------------------------------------------------------------

def chart_spec(chart: B.Chart, width: int | str = IMAGE_WIDTH) -> dict:
    """The chart's Vega-Lite spec (theme included) with `width` where the chart leaves its width to the page.
    Faceted and concatenated charts keep their own sizes."""
    spec = dict(chart.spec)
    if "width" not in spec and not any(k in spec for k in ("facet", "hconcat", "vconcat", "concat", "repeat")):
        spec["width"] = width
    return spec


def chart_png(chart: B.Chart, scale: float = 2) -> bytes:
    import vl_convert

    return vl_convert.vegalite_to_png(chart_spec(chart), scale=scale)


def chart_svg(chart: B.Chart) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(chart_spec(chart))


@functools.cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script that sets window.vegaEmbed (about 0.9 MB; the first call in a
    process takes about a second)."""
    import vl_convert

    return vl_convert.javascript_bundle().replace("</script", "<\\/script")


# --- Filters from the command line ----------------------------------------------------------------------------------

def _items(text: str | None) -> tuple[str, ...] | None:
    """'a, b,c' -> ('a', 'b', 'c'); None (not given) stays None: no restriction."""
    if text is None:
        return None
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _one_of(name: str, given: str, choices: Sequence[str], aliases: dict[str, str] | None = None) -> str:
    key = given.strip().lower().replace("-", " ").replace("_", " ")
    by_key = {c.lower(): c for c in choices} | (aliases or {})
    if key not in by_key:
        raise ValueError(f"--{name} must be one of {', '.join(choices)} (not {given!r})")
    return by_key[key]


def _day(name: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--{name} must be a date as YYYY-MM-DD (not {text!r})") from None


def parse_filters(start: str | None = None, end: str | None = None, systems: str | None = None,
                  statuses: str | None = None, paying: str | None = None, plan_families: str | None = None,
                  plans: str | None = None, tax_periods: str | None = None, channel_types: str | None = None,
                  managed: str | None = None, tz: str | None = None) -> StoryFilters:
    """StoryFilters from the export command's options (text as typed; None = the default, the contract's scope).

    Lists are comma-separated. Systems are codes or labels (`full,simple`, `Full BAS`); the time zone a name from
    the sidebar's list, with or without `Australia/` (`Perth`). A value that is not allowed raises ValueError
    naming the option and what it accepts.
    """
    default = StoryFilters()
    first, last = _day("start", start), _day("end", end)
    if first and last and first > last:
        raise ValueError(f"--start {first} is after --end {last}")
    chosen_systems = default.systems
    if systems is not None:
        aliases = {label.lower(): code for code, label in SYSTEM_LABELS.items()}
        picked = {_one_of("systems", s, SYSTEMS, aliases) for s in _items(systems) or ()}
        chosen_systems = tuple(s for s in SYSTEMS if s in picked)
    zones = {z.split("/")[-1].lower(): z for z in DISPLAY_TZS}
    return StoryFilters(
        start=first, end=last, systems=chosen_systems,
        statuses=_items(statuses) if statuses is not None else default.statuses,
        paying=_one_of("paying", paying, PAYING_CHOICES) if paying else default.paying,
        plan_families=_items(plan_families), plans=_items(plans), tax_periods=_items(tax_periods),
        channel_types=_items(channel_types),
        managed=(_one_of("managed", managed, MANAGED_CHOICES, {"managed": MANAGED_CHOICES[1]})
                 if managed else default.managed),
        tz=_one_of("tz", tz, DISPLAY_TZS, zones) if tz else default.tz,
    )


# --- Words for the header -------------------------------------------------------------------------------------------

def zone_words(tz: str) -> str:
    """'Sydney time (the contract's zone)', 'Perth time', 'UTC'."""
    return zone_name(tz, CONTRACT_TZ)


def _choice_words(chosen: Sequence[str] | None, everything: str) -> str:
    return everything if chosen is None else (", ".join(chosen) if chosen else "none")


def filters_in_words(filters: StoryFilters) -> list[tuple[str, str]]:
    """The filters as (what, chosen) pairs in the sidebar's order, in words."""
    if filters.start and filters.end:
        period = (fmt_day(filters.start) if filters.start == filters.end
                  else f"{fmt_day(filters.start)} to {fmt_day(filters.end)}")
    elif filters.start:
        period = f"from {fmt_day(filters.start)}"
    elif filters.end:
        period = f"up to {fmt_day(filters.end)}"
    else:
        period = "the whole period of the data"
    paying = {"paying": "paying organisations only", "not paying": "organisations not paying only",
              "all": "paying or not"}.get(filters.paying, filters.paying)
    managed = {MANAGED_CHOICES[0]: "managed by a practice or not"}.get(filters.managed, filters.managed)
    statuses = list(filters.statuses)
    pairs = [
        ("Period", period + (" (Sydney dates)" if filters.start or filters.end else "")),
        ("Systems", " and ".join(SYSTEM_LABELS[s] for s in SYSTEMS if s in filters.systems) or "none"),
        ("Org status", ", ".join(statuses) if statuses else "none"),
        ("Paying", paying),
    ]
    if filters.plans is not None:
        pairs.append(("Plan", _choice_words(filters.plans, "all plans")))
    else:
        pairs.append(("Plan family", _choice_words(filters.plan_families, "all plans")))
    pairs += [
        ("Sales tax period", _choice_words(filters.tax_periods, "all")),
        ("Channel type", _choice_words(filters.channel_types, "all")),
        ("Practice-managed", managed),
        ("Times shown in", zone_words(filters.tz)),
    ]
    return pairs


def filters_sentence(filters: StoryFilters) -> str:
    """'Period: the whole period of the data; Systems: Full BAS and Simple BAS; Org status: Active; …'"""
    scope = " These are the contract's scope." if filters.is_contract_scope() else ""
    return "; ".join(f"{what}: {chosen}" for what, chosen in filters_in_words(filters)) + "." + scope


def dataset_words(version) -> str:
    """'Bundled sample (version 0123456789abcdef), runs from 2016-08-24 to 2019-02-28 (UTC), uploaded 2026-…'"""
    from basstory.ingest.versions import period_text, short_time

    period = period_text(version.manifest.get("period"))
    uploaded = short_time(version.created_at)
    return (f"{version.name} (version {version.id}), runs from {period} (UTC dates)"
            + (f", loaded {uploaded} UTC" if uploaded else ""))


def exported_words(exported_at: datetime, tz: str) -> str:
    """'22 Nov 2026 01:02 UTC (12:02 Sydney time)'."""
    utc = exported_at.astimezone(UTC)
    text = f"{fmt_day(utc.date())} {utc:%H:%M} UTC"
    if tz != "UTC":
        local = utc.astimezone(_zone(tz))
        text += f" ({fmt_day(local.date())} {local:%H:%M} {zone_name(tz)})"
    return text


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def file_name(version, exported_at: datetime) -> str:
    """'basstory-story-0123456789abcdef-20261122-0102.html' (UTC time of export)."""
    return f"basstory-story-{version.id}-{exported_at.astimezone(UTC):%Y%m%d-%H%M}.html"


# --- The document ---------------------------------------------------------------------------------------------------

TEMPLATES = Path(__file__).with_name("templates")
#: CommonMark without raw HTML (it is escaped) and without images (a data value can never fetch one).
MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable("image")


#: A Markdown link to a page of the app (`[!abc12](org?org=%21abc12)`): no scheme, not an anchor in the document.
_APP_LINK = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\((?![#/]|[a-z][a-z0-9+.-]*:)[^)\s]*\)")


def app_links_as_text(text: str) -> str:
    """Markdown with its links to the app's pages (an org page) reduced to their text: the offline document has
    no page to go to."""
    return _APP_LINK.sub(r"\1", str(text))


def markdown_block(text: str) -> Markup:
    """Markdown (paragraphs, lists) as HTML."""
    return Markup(MARKDOWN.render(app_links_as_text(text)).strip())


def markdown_inline(text: str) -> Markup:
    """One line of Markdown (bold, italics, code, links) as HTML, without a paragraph around it."""
    return Markup(MARKDOWN.renderInline(app_links_as_text(text)))


def script_json(value: Any) -> Markup:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(value, separators=(",", ":"), default=str)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=False,
                             undefined=jinja2.StrictUndefined)
    env.filters["markdown"] = markdown_block
    env.filters["markdown_inline"] = markdown_inline
    env.globals.update(columns_template=_columns_template, table_cells=table_cells, unknown_block=_unknown_block,
                       url_paths={c.path: c.url_path for c in CHAPTERS})
    return env


def build_chapters(con: duckdb.DuckDBPyConnection, filters: StoryFilters, build: BuildChapter | None = None,
                   track: str | None = None) -> list[tuple[Chapter, list[B.Block]]]:
    """The chapters of reader track `track` (story.registry.TRACKS; None: every chapter of the registry) for the
    filters, each page-level selector at its default and the recommendation led by the track's actions;
    `build(module, filters, *args)` replaces `module.build(con, filters, *args)` (the app passes its cached
    version)."""
    build = build or (lambda module, f, *args: module.build(con, f, *args))
    return [(chapter, B.with_folds(build(chapter.module(), filters, *chapter.builder_args([], track)),
                                   lambda source: source.build(con)))
            for chapter in track_chapters(track)]


def story_html(con: duckdb.DuckDBPyConnection, filters: StoryFilters, version, exported_at: datetime,
               build: BuildChapter | None = None, track: str | None = None) -> str:
    """The whole story (or one reader track of it) for the filters as one offline HTML document (see the module
    docstring)."""
    return document(build_chapters(con, filters, build, track), filters, version, exported_at, track)


class _Charts:
    """The charts' Vega-Lite specs by element id, collected as the template writes each chart's place."""

    def __init__(self):
        self.specs: dict[str, dict] = {}

    def add(self, chapter: Chapter, chart: B.Chart) -> str:
        element_id = f"chart-{chapter.url_path}-{chart.key}".replace("_", "-")
        self.specs[element_id] = chart_spec(chart, width="container")
        return element_id

    def specs_json(self) -> Markup:
        return script_json(self.specs)


def document(chapters: Sequence[tuple[Chapter, list[B.Block]]], filters: StoryFilters, version,
             exported_at: datetime, track: str | None = None) -> str:
    """The HTML document for chapters already built."""
    from basstory.ingest.versions import is_bundled

    bundled = is_bundled(version)
    template = _environment().get_template("story.html.j2")
    return template.render(
        version=version, chapters=chapters, charts=_Charts(), bundled=bundled,
        included={chapter.path for chapter, _ in chapters},
        track=TRACKS[track] if track in TRACKS else None,
        dataset_notice=dataset_notice(version.name, version.id, bundled),
        dataset=dataset_words(version), filters=filters_in_words(filters),
        contract_scope=filters.is_contract_scope(),
        exported=exported_words(exported_at, filters.tz),
        exported_utc=f"{exported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
        css=Markup((TEMPLATES / "story.css").read_text(encoding="utf-8")),
        colors={"full": SYSTEM_COLORS["full"], "simple": SYSTEM_COLORS["simple"], "both": BOTH_COLOR,
                "accent": ACCENT_COLOR, "muted": MUTED_COLOR, "font": Markup(FONT)},
        vega_bundle=Markup(vega_bundle()), embed_options=script_json(EMBED_OPTIONS),
    )


def _columns_template(b: B.Columns) -> str:
    return " ".join(f"minmax(0, {w}fr)" for w in (b.widths or (1,) * len(b.columns)))


def _unknown_block(b: Any) -> str:
    raise TypeError(f"no HTML for {type(b).__name__}")


# --- Tables ---------------------------------------------------------------------------------------------------------

def format_value(value: Any, column: B.Column | None = None) -> str:
    """One table cell as text: the column's format where it has one, else thousands separators for numbers."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return "–"
    fmt = column.format if column else None
    if isinstance(value, (pd.Timestamp, datetime)):
        return f"{value.day} {value:%b %Y %H:%M}" if fmt or value.hour or value.minute else fmt_day(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        number = float(value)
        if fmt == "percent":
            return f"{100 * number:.1f}%"
        if fmt and fmt.startswith("%"):
            return fmt % number
        return f"{int(number):,}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


def table_cells(table: B.Table) -> tuple[list[str], list[list[tuple[str, bool]]]]:
    """A table's header texts and its rows as (cell text, is a number) pairs."""
    names = list(table.data.columns)
    head = [table.columns[n].label if n in table.columns else str(n) for n in names]
    rows = []
    for record in table.data.itertuples(index=False, name=None):
        rows.append([(format_value(value, table.columns.get(name)),
                      isinstance(value, (int, float)) and not isinstance(value, bool))
                     for name, value in zip(names, record, strict=True)])
    return head, rows


def table_html(table: B.Table) -> str:
    """One table as HTML (the template's `table` macro)."""
    return str(_environment().get_template("blocks.html.j2").module.table(table))


__all__ = ["chart_csv", "chart_png", "chart_spec", "chart_svg", "document", "escape_cell", "filters_in_words",
           "filters_sentence", "markdown_block", "markdown_inline", "spreadsheet_safe", "story_html"]
