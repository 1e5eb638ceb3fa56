"""The export (basstory.export.html): CSV cells that cannot run as formulas, PNG/SVG of a chart, the filters in words,
the one-file HTML story (dataset, filters, every chart embedded once, Vega inlined once, no network, under 10 MB) and
the `export` command."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from basstory.export import html as export
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story import blocks as B
from basstory.story import chapters
from basstory.story.blocks import Chart, Column, Table, charts
from basstory.story.registry import CHAPTERS, track_chapters

EXPORTED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
MAX_BYTES = 10 * 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parents[1]


# --- CSV ------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"),
    ("+x", "'+x"),
    ("-3", "'-3"),                   # text that looks like a number is still text
    ("@a", "'@a"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Full BAS", "Full BAS"),
    ("a=b", "a=b"),                  # only the first character counts
    ("", ""),
    (-3, -3),                        # numbers are never escaped
    (2.5, 2.5),
    (None, None),
])
def test_escape_cell(cell, written):
    assert export.escape_cell(cell) == written


def test_spreadsheet_safe_escapes_text_and_keeps_numbers_numeric():
    frame = pd.DataFrame({"label": ["=SUM(A1)", "-3", "ok", None], "change": [-3, 4, 0, -1],
                          "share": [-0.5, 0.25, 0.0, 1.0], "=bad name": ["@x", "y", "z", "+1"]})
    safe = export.spreadsheet_safe(frame)
    assert safe["label"].tolist()[:3] == ["'=SUM(A1)", "'-3", "ok"] and pd.isna(safe["label"].iloc[3])
    assert safe["change"].tolist() == [-3, 4, 0, -1] and pd.api.types.is_integer_dtype(safe["change"])
    assert safe["share"].tolist() == [-0.5, 0.25, 0.0, 1.0]
    assert list(safe.columns) == ["label", "change", "share", "'=bad name"]
    assert safe["'=bad name"].tolist() == ["'@x", "y", "z", "'+1"]
    assert frame["label"].iloc[0] == "=SUM(A1)"          # the chart's own frame is untouched


def test_chart_csv_is_the_frame_behind_the_chart():
    frame = pd.DataFrame({"system": ["=HYPERLINK(\"x\")", "Simple BAS"], "runs": [-3, 5]})
    block = Chart("k", alt.Chart(frame).mark_bar().encode(x="runs:Q", y="system:N"), frame)
    text = export.chart_csv(block).decode("utf-8-sig")
    assert text.splitlines() == ["system,runs", "\"'=HYPERLINK(\"\"x\"\")\",-3", "Simple BAS,5"]


# --- Images ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bar_chart() -> Chart:
    frame = pd.DataFrame({"system_label": ["Full BAS", "Simple BAS"], "runs": [3, 5]})
    return Chart("bars", alt.Chart(frame).mark_bar().encode(x="runs:Q", y="system_label:N")
                 .properties(title="Runs"), frame)


def test_png_and_svg_of_a_chart(bar_chart):
    png = export.chart_png(bar_chart)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width >= 2 * export.IMAGE_WIDTH                    # scale 2 of a chart that leaves its width to the page
    svg = export.chart_svg(bar_chart)
    assert svg.lstrip().startswith("<svg") and "Full BAS" in svg


def test_a_chart_that_sets_its_width_keeps_it(bar_chart):
    fixed = Chart("fixed", bar_chart.chart.properties(width=300), bar_chart.data)
    assert export.chart_spec(fixed)["width"] == 300
    assert export.chart_spec(bar_chart, width="container")["width"] == "container"


# --- Words ----------------------------------------------------------------------------------------------------------

def test_filters_in_words_default_and_narrowed():
    default = export.filters_sentence(StoryFilters())
    assert default.startswith("Period: the whole period of the data; Systems: Full BAS and Simple BAS; "
                              "Org status: Active; Paying: paying organisations only;")
    assert default.endswith("These are the contract's scope.")
    narrowed = dict(export.filters_in_words(StoryFilters(
        start=date(2017, 1, 1), end=date(2017, 3, 31), systems=("simple",), statuses=("Active", "Suspended"),
        paying="all", tax_periods=("Monthly",), managed="not managed", tz="Australia/Perth")))
    assert narrowed["Period"] == "1 Jan 2017 to 31 Mar 2017 (Sydney dates)"
    assert narrowed["Systems"] == "Simple BAS"
    assert narrowed["Org status"] == "Active, Suspended"
    assert narrowed["Paying"] == "paying or not"
    assert (narrowed["Sales tax period"], narrowed["Channel type"]) == ("Monthly", "all")
    assert narrowed["Practice-managed"] == "not managed"
    assert narrowed["Times shown in"] == "Perth time"


def test_exported_time_in_utc_and_the_display_zone():
    sydney = export.exported_words(EXPORTED_AT, "Australia/Sydney")
    assert sydney == "2 Mar 2026 01:30 UTC (2 Mar 2026 12:30 Sydney time)"
    assert export.exported_words(EXPORTED_AT, "UTC") == "2 Mar 2026 01:30 UTC"


@pytest.mark.parametrize("options, expected", [
    ({}, StoryFilters()),
    ({"systems": "full"}, StoryFilters(systems=("full",))),
    ({"systems": "Simple BAS, full"}, StoryFilters(systems=("full", "simple"))),
    ({"start": "2017-01-01", "end": "2017-03-31"}, StoryFilters(start=date(2017, 1, 1), end=date(2017, 3, 31))),
    ({"statuses": "Active,Not in org table"}, StoryFilters(statuses=("Active", "Not in org table"))),
    ({"paying": "not-paying", "managed": "managed"},
     StoryFilters(paying="not paying", managed="managed by a practice")),
    ({"plan_families": "Standard,Premium", "tax_periods": "Monthly", "channel_types": "Direct"},
     StoryFilters(plan_families=("Standard", "Premium"), tax_periods=("Monthly",), channel_types=("Direct",))),
    ({"tz": "Perth"}, StoryFilters(tz="Australia/Perth")),
    ({"tz": "utc"}, StoryFilters(tz="UTC")),
])
def test_parse_filters(options, expected):
    assert export.parse_filters(**options) == expected


@pytest.mark.parametrize("options, message", [
    ({"systems": "full,both"}, "--systems must be one of full, simple"),
    ({"start": "1/2/2017"}, "--start must be a date as YYYY-MM-DD"),
    ({"start": "2017-03-01", "end": "2017-01-01"}, "is after --end"),
    ({"paying": "sometimes"}, "--paying must be one of"),
    ({"managed": "yes"}, "--managed must be one of"),
    ({"tz": "Mars"}, "--tz must be one of"),
])
def test_parse_filters_refuses_what_the_app_does_not_offer(options, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        export.parse_filters(**options)


# --- Markdown and tables --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, html", [
    ("**7 runs** at <b>", "<strong>7 runs</strong> at &lt;b&gt;"),
    ("a `code` & *this*", "a <code>code</code> &amp; <em>this</em>"),
    ("2 × 3 * 4", "2 × 3 * 4"),
    ("[docs](https://example.org/x)", '<a href="https://example.org/x">docs</a>'),
    ("[bad](javascript:alert(1))", "[bad](javascript:alert(1))"),
    ("![px](http://host/px.png)", '!<a href="http://host/px.png">px</a>'),   # images are off: never an <img>
    ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    # a link to a page of the app (an org page) has nowhere to go offline: its text stays, the link goes
    ("[\\!abc12](org?org=%21abc12) — Standard", "!abc12 — Standard"),
    ("[top](#cover)", '<a href="#cover">top</a>'),
])
def test_inline_markdown(text, html):
    assert export.markdown_inline(text) == html


def test_markdown_lists_and_paragraphs():
    assert export.markdown_block("- a\n- **b**") == "<ul>\n<li>a</li>\n<li><strong>b</strong></li>\n</ul>"
    assert export.markdown_block("1. a\n2. b") == "<ol>\n<li>a</li>\n<li>b</li>\n</ol>"
    assert export.markdown_block("one\n\ntwo") == "<p>one</p>\n<p>two</p>"


def test_table_formats_its_columns():
    frame = pd.DataFrame({"hour": [pd.Timestamp("2017-02-27 09:00")], "share": [0.125], "rate": [0.12345],
                          "runs": [1234], "note": ["<ok>"]})
    html = export.table_html(Table("t", frame, {"hour": Column("Hour", "datetime", "D MMM YYYY HH:mm"),
                                                "share": Column("Share", format="percent"),
                                                "rate": Column("Rate", format="%.3f")}))
    assert "<th>Hour</th><th>Share</th><th>Rate</th><th>runs</th><th>note</th>" in html
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html)
    assert cells == ["27 Feb 2017 09:00", "12.5%", "0.123", "1,234", "&lt;ok&gt;"]


# --- The story ------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_version(sample_data_dir):
    version = DatasetStore(sample_data_dir / "store").current()
    return version, connect_version(version)


@pytest.fixture(scope="module")
def story(sample_version):
    """(html, chapters) for the default filters: the chapters are built once and written once."""
    version, con = sample_version
    built = export.build_chapters(con, StoryFilters())
    return export.document(built, StoryFilters(), version, EXPORTED_AT), built


def embedded_specs(html: str) -> dict[str, dict]:
    found = re.search(r'<script type="application/json" id="basstory-charts">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_story_states_dataset_filters_and_time(story, sample_version):
    html, _ = story
    version, _ = sample_version
    assert f"version {version.id}" in html and version.name in html
    assert "<li><b>Systems:</b> Full BAS and Simple BAS</li>" in html
    assert "These are the contract's scope" in html
    assert "2 Mar 2026 01:30 UTC (2 Mar 2026 12:30 Sydney time)" in html


def test_story_has_every_chapter_and_a_table_of_contents(story):
    html, built = story
    for chapter, blocks in built:
        assert f'<section class="chapter" id="{chapter.url_path}">' in html
        assert f'<a href="#{chapter.url_path}">' in html
        assert f"<h2>{blocks[0].title}</h2>" in html


#: Charts with data each chapter exports for the default view of the test sample.
CHARTS_PER_CHAPTER = {"cover": 0, "interaction": 8, "comparison": 10, "segments": 5, "advisers": 2, "activity": 3,
                      "seasonality": 11, "spikes": 4, "forecast": 4, "outage": 1, "orgs": 2, "at_risk": 3,
                      "recommendation": 2}


def test_story_embeds_every_chart_once(story):
    html, built = story
    specs = embedded_specs(html)
    expected = [c for _, blocks in built for c in charts(blocks) if len(c.data)]
    assert len(specs) == len(expected) == sum(CHARTS_PER_CHAPTER.values())
    assert {chapter.url_path: len([c for c in charts(blocks) if len(c.data)]) for chapter, blocks in built} == \
        CHARTS_PER_CHAPTER
    assert html.count('class="vega-chart"') == len(specs)
    assert all(f'id="{element_id}"' in html for element_id in specs)
    assert all(spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/") for spec in specs.values())


def test_story_is_one_offline_file_under_10_mb(story):
    html, _ = story
    assert len(html.encode("utf-8")) < MAX_BYTES
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags and all("src" not in tag and "http" not in tag for tag in tags)
    assert not re.search(r"<link\b[^>]*href=[\"']?https?:", html)
    assert html.count("window.vegaEmbed=") == 1                 # Vega bundled once, not per chart
    assert html.count('vegaEmbed("#" + id') == 1


def test_story_header_of_one_system(sample_version):
    version, con = sample_version
    simple = StoryFilters(systems=("simple",))
    html = export.document([(CHAPTERS[0], chapters.cover.build(con, simple))], simple, version, EXPORTED_AT)
    filters = re.search(r'<dd data-testid="filters">(.*?)</dd>', html, re.S).group(1)
    assert "<b>Systems:</b> Simple BAS</li>" in filters and "Full BAS" not in filters
    assert "contract&#x27;s scope" not in html and "contract's scope" not in html
    assert "<strong>Filtered view</strong> · runs counted: Simple BAS" in html


def test_story_of_a_view_with_no_runs(sample_version):
    version, con = sample_version
    html = export.story_html(con, StoryFilters(statuses=()), version, EXPORTED_AT)
    assert embedded_specs(html) == {}
    assert html.count('<div class="note warning">No report runs match these filters.') == len(CHAPTERS)
    assert "<b>Org status:</b> none" in html


# --- The command ----------------------------------------------------------------------------------------------------

def run_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "basstory", "export", *args], cwd=PROJECT_ROOT, text=True,
                          capture_output=True, env={**os.environ, "BASSTORY_DATA_DIR": str(data_dir)}, timeout=300)


def test_cli_export_of_full_bas_only(sample_data_dir, tmp_path):
    out = tmp_path / "reports" / "story.html"
    done = run_cli(sample_data_dir, "--out", str(out), "--systems", "full", "--tz", "UTC")
    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    filters = re.search(r'<dd data-testid="filters">(.*?)</dd>', html, re.S).group(1)
    assert "<b>Systems:</b> Full BAS</li>" in filters and "Simple BAS" not in filters
    assert "<b>Times shown in:</b> UTC" in filters
    assert DatasetStore(sample_data_dir / "store").current().id in html
    assert "Systems: Full BAS;" in done.stdout and f"wrote {out}" in done.stdout
    assert list(out.parent.iterdir()) == [out]                  # no temporary file left behind


@pytest.mark.parametrize("args, message", [
    (["--systems", "fullbas"], "--systems must be one of"),
    (["--dataset", "0000000000000000"], "there is no dataset version"),
])
def test_cli_export_refuses_bad_options(sample_data_dir, tmp_path, args, message):
    out = tmp_path / "story.html"
    done = run_cli(sample_data_dir, "--out", str(out), *args)
    assert done.returncode == 2 and message in done.stderr
    assert not out.exists()


def test_story_of_one_reader_track(sample_version):
    """An export for the operations track holds that track's chapters in reading order, the cover's outline lists
    only them, the header names the track and the recommendation leads with the track's actions."""
    version, con = sample_version
    built = export.build_chapters(con, StoryFilters(), track="operations")
    assert [c for c, _ in built] == list(track_chapters("operations"))
    assert len(built) < len(CHAPTERS)
    html = export.document(built, StoryFilters(), version, EXPORTED_AT, "operations")
    assert re.search(r'<dd data-testid="track">Operations: ', html)
    outline = re.search(r'<ol class="outline">(.*?)</ol>', html, re.S).group(1)
    assert outline.count("<li>") == len(built) - 1                      # every chapter after the cover
    for chapter in CHAPTERS[1:]:
        assert (f'href="#{chapter.url_path}"' in outline) is (chapter in track_chapters("operations"))
    recommendation = dict((c.url_path, blocks) for c, blocks in built)["recommendation"]
    headings = [b.text for b in recommendation if isinstance(b, B.Heading)]
    assert headings[0] == "For operations: what to do"
    actions = next(b for b in recommendation if isinstance(b, B.Bullets))
    assert actions.items[0].startswith("**Book the Full BAS outage for ")


def test_cli_export_refuses_a_track_for_the_slides(sample_data_dir, tmp_path):
    out = tmp_path / "deck.html"
    done = run_cli(sample_data_dir, "--out", str(out), "--slides", "--track", "product")
    assert done.returncode == 2 and "--track shapes the story, not the slide deck" in done.stderr
    assert not out.exists()
