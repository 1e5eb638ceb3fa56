"""Text from data, file and version names and the URL shows literally: in every page of the app and in the export.

A dataset whose most popular plan and a channel type are hostile Markdown, named with Markdown itself, is opened on
every page with a link that carries Markdown too. Every Markdown element the app sends (markdown, captions, notes,
metric labels and values, titles) must hold the hostile text only escaped (core.text.md_escape), so Streamlit shows
it as typed: no image fetched, no link, no LaTeX, no colour, no bold. The exported story must show it as text.
"""
from __future__ import annotations

import csv
import re
from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt

from basstory.core.text import md_escape
from basstory.export import html as export
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story.registry import CHAPTERS, DATA_PAGE
from tests.app_helpers import open_page, shown_dataset

PLAN = "$x^2$ ![px](http://host/px.png) :red[RED] **x** [t](http://e.com)"
CHANNEL = "Book :blue[keeper] _x_ <b>y</b>"
NAME = "Extract $5 ![n](http://host/n.png) :red[N]"
LINK_VALUE = "![p](http://host/px.png)"
#: What would come out as an image, a link, LaTeX, colour or emphasis if it reached Markdown unescaped.
LIVE = ["![px](", "![p](", "![n](", "[t](", ":red[", ":blue[", "**x**", "$x^2$", "$5", "_x_", "<b>"]


def hostile_orgcard(extracts) -> None:
    """'Standard' renamed PLAN and 'Bookkeeper' renamed CHANNEL in the org table."""
    orgcard = extracts / "orgcard.csv"
    with orgcard.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["productoption"] = PLAN if row["productoption"] == "Standard" else row["productoption"]
        row["channeltype"] = CHANNEL if row["channeltype"] == "Bookkeeper" else row["channeltype"]
    with orgcard.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_data_dir(sample_data_dir, tmp_path_factory):
    """The test sample with a hostile plan and channel type, named NAME, shown by the app for this module."""
    with shown_dataset(sample_data_dir / "sample", tmp_path_factory.mktemp("hostile"), NAME, hostile_orgcard) as d:
        yield d


def markdown_sources(at) -> list[str]:
    """Every string the page hands to Streamlit's Markdown renderer."""
    sources = []
    for kind in ("markdown", "caption", "warning", "info", "error", "success", "title", "subheader", "header"):
        sources += [element.value for element in getattr(at, kind)]
    for metric in at.metric:
        sources += [metric.label, metric.value]
    return sources


def unescaped(text: str) -> list[str]:
    """The LIVE fragments left in `text` once every escaped character is taken out."""
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", text)
    return [fragment for fragment in LIVE if fragment in bare]


def test_md_escape_renders_as_the_text_itself():
    md = MarkdownIt("commonmark", {"html": False})
    for text in (PLAN, CHANNEL, NAME, LINK_VALUE, "a\\b", "1. not a list", "# not a heading"):
        assert md.renderInline(md_escape(text)) == md.renderInline(md_escape(text))  # deterministic
        rendered = md.render(md_escape(text)).strip()
        assert rendered == "<p>" + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
            .replace('"', "&quot;") + "</p>"


@pytest.mark.parametrize("page", [c.path for c in CHAPTERS] + [DATA_PAGE.path])
def test_every_page_shows_hostile_text_literally(hostile_data_dir, page):
    at = open_page(page, plan_families=LINK_VALUE)
    assert not at.exception, at.exception
    sources = markdown_sources(at)
    live = {source: found for source in sources if (found := unescaped(source))}
    assert not live, live


def test_the_hostile_values_are_there_escaped(hostile_data_dir):
    """The cover names the top plan and the dataset; the link's value is in the note: all escaped."""
    at = open_page(None, plan_families=LINK_VALUE)
    sources = "\n".join(markdown_sources(at))
    assert md_escape(PLAN) in sources
    assert md_escape(NAME) in sources
    assert md_escape(LINK_VALUE) in sources


def test_the_export_shows_hostile_text_as_text(hostile_data_dir):
    version = DatasetStore(hostile_data_dir / "store").current()
    page = export.story_html(connect_version(version), StoryFilters(), version, datetime(2026, 3, 2, 1, 30, tzinfo=UTC))
    text = re.sub(r"<script\b.*?</script>", "", page, flags=re.S)          # the charts' data is JSON for Vega
    assert "<img" not in text
    assert not re.search(r'href="https?://(host|e\.com)', text)
    assert "<strong>x</strong>" not in text and "<em>x</em>" not in text and "<b>y</b>" not in text
    assert PLAN in text                                   # as typed (it holds no character HTML must escape)
    assert NAME in text
