"""The story as one self-contained HTML file, and each chart as PNG, SVG or CSV.

`story_html` builds every chapter for the filters (basstory.story.chapters, each selector at its default) and writes one
HTML document: a header naming the dataset version, the filters in words and the time of export, a table of
contents, then every chapter's blocks. Vega, Vega-Lite and Vega-Embed are inlined once (vl_convert's JavaScript
bundle, the same script `vegalite_to_html(..., bundle=True)` inlines) and every chart's Vega-Lite spec is embedded
as JSON, so the file opens with the network off and every chart stays interactive (tooltips, PNG/SVG from the
chart's menu).

The CSV of a chart is the frame behind it, made safe for spreadsheets (`spreadsheet_safe`). No streamlit here: the
CLI (`python -m basstory export`) and the app's download buttons both use this module.
"""
from __future__ import annotations

import functools
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from types import ModuleType
from typing import Any

import duckdb
import pandas as pd

from basstory.story import blocks as B
from basstory.story.chapters import BUILDERS
from basstory.query.filters import MANAGED_CHOICES, PAYING_CHOICES, StoryFilters
from basstory.core.schema import CONTRACT_TZ, DISPLAY_TZS, SYSTEM_LABELS, SYSTEMS
from basstory.story.registry import CHAPTERS, Chapter
from basstory.story.theme import ACCENT_COLOR, BOTH_COLOR, FONT, MUTED_COLOR, SYSTEM_COLORS

#: Width in pixels of a chart saved as PNG or SVG when the chart itself does not set one (in the app and the HTML
#: such a chart fills its container).
IMAGE_WIDTH = 900
#: A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (OWASP's list: the
#: four formula characters, and tab and carriage return, which some spreadsheets strip before the formula).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EMBED_OPTIONS = {"renderer": "svg", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}

BuildChapter = Callable[[ModuleType, StoryFilters], list[B.Block]]


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
    spec = chart.chart.to_dict()
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

def fmt_day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def zone_words(tz: str) -> str:
    return ("Sydney time (the contract's zone)" if tz == CONTRACT_TZ
            else "UTC" if tz == "UTC" else f"{tz.split('/')[-1].replace('_', ' ')} time")


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
        text += f" ({fmt_day(local.date())} {local:%H:%M} {zone_words(tz).split(' (')[0]})"
    return text


def _zone(tz: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(tz)


def file_name(version, exported_at: datetime) -> str:
    """'basstory-story-0123456789abcdef-20261122-0102.html' (UTC time of export)."""
    return f"basstory-story-{version.id}-{exported_at.astimezone(UTC):%Y%m%d-%H%M}.html"


# --- The document ---------------------------------------------------------------------------------------------------

def build_chapters(con: duckdb.DuckDBPyConnection, filters: StoryFilters, build: BuildChapter | None = None
                   ) -> list[tuple[Chapter, list[B.Block]]]:
    """Every chapter's blocks for the filters, each page-level selector at its default; `build(module, filters)`
    replaces `module.build(con, filters)` (the app passes its cached version)."""
    build = build or (lambda module, f: module.build(con, f))
    return [(chapter, build(BUILDERS[chapter.url_path], filters)) for chapter in CHAPTERS]


def story_html(con: duckdb.DuckDBPyConnection, filters: StoryFilters, version, exported_at: datetime,
               build: BuildChapter | None = None) -> str:
    """The whole story for the filters as one offline HTML document (see the module docstring)."""
    return document(build_chapters(con, filters, build), filters, version, exported_at)


def document(chapters: Sequence[tuple[Chapter, list[B.Block]]], filters: StoryFilters, version,
             exported_at: datetime) -> str:
    """The HTML document for chapters already built."""
    writer = _Writer()
    body = [writer.chapter(i, chapter, blocks) for i, (chapter, blocks) in enumerate(chapters)]
    toc = "".join(f'<li><a href="#{c.url_path}">{_esc(c.title)}</a> <span>{_esc(c.question)}</span></li>'
                  for c, _ in chapters)
    filters_list = "".join(f"<li><b>{_esc(what)}:</b> {_esc(chosen)}</li>"
                           for what, chosen in filters_in_words(filters))
    scope = ('<p class="caption">These are the contract\'s scope: active, paying organisations.</p>'
             if filters.is_contract_scope() else "")
    specs = json.dumps(writer.specs, separators=(",", ":"), default=str).replace("</", "<\\/").replace("<!--", "<\\!--")
    return f"""<!DOCTYPE html>
<html lang="en-AU">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="basstory">
<title>BAS usage story · {_esc(version.name)} · exported {exported_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC</title>
<style>{STYLE}</style>
<script>{vega_bundle()}</script>
</head>
<body>
<header class="masthead">
<p class="kicker">basstory · exported story</p>
<h1>Full BAS and Simple BAS: the BAS usage story</h1>
<dl class="meta">
<dt>Dataset</dt><dd data-testid="dataset">{_esc(dataset_words(version))}</dd>
<dt>Filters</dt><dd data-testid="filters"><ul class="filters">{filters_list}</ul>{scope}</dd>
<dt>Exported</dt><dd data-testid="exported">{_esc(exported_words(exported_at, filters.tz))}</dd>
</dl>
<p class="how">Charts are interactive: hover for the numbers; each chart's <b>…</b> menu saves it as PNG or SVG.
Selectors of the app (measure, time grain, system) are shown at their default values.</p>
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>
</header>
<main>
{"".join(body)}
</main>
<footer><p>Exported from basstory on {_esc(exported_words(exported_at, filters.tz))}. Everything above is computed
from dataset version {_esc(version.id)} with the filters listed at the top.</p></footer>
<script type="application/json" id="basstory-charts">{specs}</script>
<script>
(function () {{
  const specs = JSON.parse(document.getElementById("basstory-charts").textContent);
  const options = {json.dumps(EMBED_OPTIONS)};
  for (const [id, spec] of Object.entries(specs)) {{
    vegaEmbed("#" + id, spec, options).catch(function (error) {{
      document.getElementById(id).textContent = "This chart could not be drawn: " + error;
    }});
  }}
}})();
</script>
</body>
</html>
"""


class _Writer:
    """Writes blocks as HTML and collects the charts' specs by element id."""

    def __init__(self):
        self.specs: dict[str, dict] = {}
        self.chapter_path = ""

    def chapter(self, index: int, chapter: Chapter, blocks: list[B.Block]) -> str:
        self.chapter_path = chapter.url_path
        kicker = "Cover" if index == 0 else f"Chapter {index} · {chapter.title}"
        inner = "\n".join(self.block(b) for b in blocks)
        return (f'<section class="chapter" id="{chapter.url_path}">\n<p class="kicker">{_esc(kicker)}</p>\n'
                f"{inner}\n</section>\n")

    def blocks(self, blocks: Iterable[B.Block]) -> str:
        return "\n".join(self.block(b) for b in blocks)

    def block(self, b: B.Block) -> str:
        match b:
            case B.Headline():
                return f'<h2>{_esc(b.title)}</h2>\n<p class="finding">{inline_markdown(b.finding)}</p>'
            case B.Scope():
                return f'<p class="scope">{inline_markdown(b.text)}</p>'
            case B.Heading():
                return f"<h3>{_esc(b.text)}</h3>"
            case B.Text():
                return markdown_html(b.markdown)
            case B.Bullets():
                tag = "ol" if b.ordered else "ul"
                return f"<{tag}>" + "".join(f"<li>{inline_markdown(i)}</li>" for i in b.items) + f"</{tag}>"
            case B.Caption():
                return f'<p class="caption">{inline_markdown(b.text)}</p>'
            case B.Note():
                return f'<div class="note {b.tone}">{inline_markdown(b.text)}</div>'
            case B.Metrics():
                cards = "".join(
                    f'<div class="metric" title="{_esc(m.help)}"><div class="label">{_esc(m.label)}</div>'
                    f'<div class="value">{_esc(m.value)}</div>'
                    + (f'<div class="caption">{inline_markdown(m.caption)}</div>' if m.caption else "") + "</div>"
                    for m in b.items)
                return f'<div class="metrics">{cards}</div>'
            case B.Chart():
                return self.chart(b)
            case B.Table():
                table = table_html(b)
                if b.collapsed:
                    return f'<details class="more"><summary>{_esc(b.collapsed)}</summary>{table}</details>'
                return table
            case B.Choice():
                value = b.label_of(b.value if b.value is not None else b.default)
                return f'<p class="choice"><span>{_esc(b.label)}</span> {_esc(value)}</p>'
            case B.Columns():
                widths = b.widths or (1,) * len(b.columns)
                template = " ".join(f"minmax(0, {w}fr)" for w in widths)
                cells = "".join(f'<div class="column">{self.blocks(c)}</div>' for c in b.columns)
                return f'<div class="columns" style="grid-template-columns: {template}">{cells}</div>'
            case B.Tabs():
                return "".join(f'<div class="tab"><h4>{_esc(label)}</h4>{self.blocks(content)}</div>'
                               for label, content in b.tabs)
            case B.Outline():
                paths = {c.path: c.url_path for c in CHAPTERS}
                items = "".join(f'<li><a href="#{paths.get(link.path, "")}">{_esc(link.title)}</a> — '
                                f"{_esc(link.question)}</li>" for link in b.links)
                return f'<ol class="outline">{items}</ol>'
        raise TypeError(f"no HTML for {type(b).__name__}")

    def chart(self, b: B.Chart) -> str:
        if b.data is None or len(b.data) == 0:
            return f'<div class="note info">{inline_markdown(b.empty_note)}</div>'
        element_id = f"chart-{self.chapter_path}-{b.key}".replace("_", "-")
        self.specs[element_id] = chart_spec(b, width="container")
        return f'<figure class="chart"><div id="{element_id}" class="vega-chart"></div></figure>'


# --- Markdown and tables --------------------------------------------------------------------------------------------

_INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*(.+?)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+|#[\w-]+)\)"), r'<a href="\2">\1</a>'),
]


def inline_markdown(text: str) -> str:
    """The inline markdown the narrative uses (bold, italics, code, links) as HTML; everything else escaped."""
    out = _esc(text)
    for pattern, replacement in _INLINE:
        out = pattern.sub(replacement, out)
    return out


def markdown_html(text: str) -> str:
    """A paragraph, or a bulleted or numbered list when every line is an item."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines and all(line.lstrip().startswith(("- ", "* ")) for line in lines):
        return "<ul>" + "".join(f"<li>{inline_markdown(line.lstrip()[2:])}</li>" for line in lines) + "</ul>"
    if lines and all(re.match(r"\s*\d+\. ", line) for line in lines):
        return "<ol>" + "".join(f"<li>{inline_markdown(line.split('. ', 1)[1])}</li>" for line in lines) + "</ol>"
    return "".join(f"<p>{inline_markdown(p)}</p>" for p in re.split(r"\n\s*\n", text.strip()) if p.strip())


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


def table_html(table: B.Table) -> str:
    names = list(table.data.columns)
    head = "".join(f"<th>{_esc(table.columns[n].label if n in table.columns else str(n))}</th>" for n in names)
    rows = []
    for record in table.data.itertuples(index=False, name=None):
        cells = []
        for name, value in zip(names, record, strict=True):
            column = table.columns.get(name)
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            cells.append(f'<td{" class=num" if numeric else ""}>{_esc(format_value(value, column))}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="table"><table><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# --- Look: the app's colours and type -------------------------------------------------------------------------------

STYLE = f"""
:root {{ --full: {SYSTEM_COLORS["full"]}; --simple: {SYSTEM_COLORS["simple"]}; --both: {BOTH_COLOR};
  --accent: {ACCENT_COLOR}; --muted: {MUTED_COLOR}; --text: #31333f; --soft: #5f6368; --line: #e6e9ef; }}
* {{ box-sizing: border-box; }}
html {{ scroll-behavior: smooth; }}
body {{ margin: 0; font-family: {FONT}; color: var(--text); background: #fff; line-height: 1.55; font-size: 16px; }}
.masthead, main, footer {{ max-width: 1180px; margin: 0 auto; padding: 0 32px; }}
.masthead {{ padding-top: 28px; padding-bottom: 8px; border-top: 6px solid var(--full);
  border-image: linear-gradient(90deg, var(--full) 0 50%, var(--simple) 50% 100%) 1; }}
.kicker {{ text-transform: uppercase; letter-spacing: .06em; font-size: 12px; font-weight: 600; color: var(--full);
  margin: 0 0 4px; }}
h1 {{ font-size: 34px; line-height: 1.2; margin: 0 0 16px; font-weight: 700; }}
h2 {{ font-size: 28px; line-height: 1.25; margin: 0 0 8px; font-weight: 700; }}
h3 {{ font-size: 21px; margin: 32px 0 8px; font-weight: 600; }}
h4 {{ font-size: 17px; margin: 20px 0 4px; font-weight: 600; color: var(--soft); }}
.meta {{ display: grid; grid-template-columns: 110px 1fr; gap: 6px 16px; margin: 0 0 12px; font-size: 15px; }}
.meta dt {{ font-weight: 600; color: var(--soft); }}
.meta dd {{ margin: 0; }}
.filters {{ list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 4px 8px; }}
.filters li {{ background: #f0f2f6; border-radius: 12px; padding: 1px 10px; font-size: 14px; }}
.how {{ color: var(--soft); font-size: 14px; }}
.toc {{ border: 1px solid var(--line); border-radius: 8px; padding: 8px 20px 12px; margin: 16px 0 8px; }}
.toc h2 {{ font-size: 16px; margin: 6px 0; }}
.toc ol {{ margin: 0; padding-left: 22px; }}
.toc span {{ color: var(--soft); font-size: 14px; }}
a {{ color: var(--full); }}
.chapter {{ padding: 36px 0 24px; border-top: 1px solid var(--line); }}
.finding {{ font-size: 20px; font-weight: 600; margin: 4px 0 10px; }}
.scope, .caption {{ color: var(--soft); font-size: 14px; }}
.note {{ border-radius: 8px; padding: 12px 16px; margin: 12px 0; }}
.note.info {{ background: #e8f2fb; color: #0b4a75; }}
.note.success {{ background: #e6f5ee; color: #135d3b; }}
.note.warning {{ background: #fff6dd; color: #7a4d00; }}
.metrics {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin: 16px 0; }}
.metric {{ border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }}
.metric .label {{ font-size: 14px; color: var(--soft); }}
.metric .value {{ font-size: 30px; line-height: 1.25; font-weight: 400; }}
.metric .caption {{ font-size: 13px; color: var(--soft); margin-top: 6px; }}
.columns {{ display: grid; gap: 24px; align-items: start; }}
.choice {{ font-size: 14px; margin: 8px 0; }}
.choice span {{ color: var(--soft); margin-right: 6px; }}
.choice span::after {{ content: ":"; }}
.chart {{ margin: 16px 0 24px; overflow-x: auto; }}
.vega-chart {{ width: 100%; min-height: 40px; }}
.table {{ overflow-x: auto; margin: 12px 0; }}
table {{ border-collapse: collapse; font-size: 14px; }}
th, td {{ padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }}
th {{ font-weight: 600; color: var(--soft); background: #f8f9fb; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
details.more {{ margin: 12px 0; border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; }}
details.more summary {{ cursor: pointer; font-weight: 600; }}
ol li, ul li {{ margin: 4px 0; }}
code {{ background: #f0f2f6; padding: 0 4px; border-radius: 4px; font-size: 90%; }}
footer {{ color: var(--soft); font-size: 13px; border-top: 1px solid var(--line); padding-top: 12px;
  padding-bottom: 40px; }}
@media (max-width: 760px) {{ .columns {{ grid-template-columns: 1fr !important; }}
  .masthead, main, footer {{ padding: 0 16px; }} }}
@media print {{ .toc, .how {{ display: none; }} .chapter {{ break-before: page; }}
  .chart, .metric {{ break-inside: avoid; }} }}
"""

__all__ = ["chart_csv", "chart_png", "chart_spec", "chart_svg", "document", "escape_cell", "filters_in_words",
           "filters_sentence", "spreadsheet_safe", "story_html"]
