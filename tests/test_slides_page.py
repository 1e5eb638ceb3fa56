"""The slides page under AppTest (one slide at a time, `?slide=N`, previous/next, notes, downloads), its layout for
a window, the deck's offline HTML export and the command line's `export --slides`."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from streamlit.testing.v1 import AppTest

from basstory.app import slides as page_slides
from basstory.export import slides as deck_export
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story import slides as S
from basstory.story.registry import SLIDES_PAGE
from tests.app_helpers import APP
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def sample_version(sample_data_dir):
    return DatasetStore(sample_data_dir / "store").current()


@pytest.fixture(scope="module")
def deck(sample_version):
    return S.slides(connect_version(sample_version), StoryFilters())


def open_slides(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(SLIDES_PAGE.path)
    at.run()
    return at


def shown_number(at: AppTest) -> str:
    return next(m.value for m in at.markdown if re.fullmatch(r"\d+ / \d+", m.value))


def headline_of(at: AppTest) -> str:
    """The slide's headline: the markdown after the kicker (the chapter's title)."""
    return at.markdown[1].value


# --- The page ---------------------------------------------------------------------------------------------------------

def test_the_first_slide_is_the_cover_with_its_tiles(sample_data_dir, deck):
    at = open_slides()
    assert not at.exception, at.exception
    assert shown_number(at) == f"1 / {len(deck)}"
    assert headline_of(at) == deck[0].headline
    assert [m.label for m in at.metric] == [m.label for m in deck[0].tiles]
    assert at.query_params["slide"] in ("1", ["1"]), "the link says which slide is shown"
    assert at.button(key="slide_prev").disabled and not at.button(key="slide_next").disabled


def test_a_link_opens_its_slide_with_its_chart_and_notes(sample_data_dir, deck):
    at = open_slides(slide="3")
    assert not at.exception, at.exception
    assert shown_number(at) == f"3 / {len(deck)}"
    assert headline_of(at) == deck[2].headline
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1 and "title" not in json.loads(charts[0].proto.spec)
    notes = [e for e in at.expander if e.label == "Speaker notes"]
    assert len(notes) == 1
    assert all(note in notes[0].markdown[0].value for note in deck[2].notes)
    main = at.main
    assert not main.get("tabs") and not main.get("radio") and not main.get("segmented_control"), "no selector"


def test_next_and_previous_move_one_slide_and_rewrite_the_link(sample_data_dir, deck):
    at = open_slides(slide="2")
    at.button(key="slide_next").click().run()
    assert not at.exception
    assert shown_number(at) == f"3 / {len(deck)}" and at.query_params["slide"] in ("3", ["3"])
    at.button(key="slide_prev").click().run()
    at.button(key="slide_prev").click().run()
    assert shown_number(at) == f"1 / {len(deck)}" and at.query_params["slide"] in ("1", ["1"])


def test_the_last_slide_has_no_next(sample_data_dir, deck):
    at = open_slides(slide=str(len(deck)))
    assert shown_number(at) == f"{len(deck)} / {len(deck)}"
    assert at.button(key="slide_next").disabled
    assert [m.label for m in at.metric] == [m.label for m in deck[-1].tiles]


@pytest.mark.parametrize("value, shown", [("99", "last"), ("0", 1), ("two", 1)])
def test_a_slide_outside_the_deck_shows_the_nearest_and_says_so(sample_data_dir, deck, value, shown):
    at = open_slides(slide=value)
    assert not at.exception, at.exception
    number = len(deck) if shown == "last" else shown
    assert shown_number(at) == f"{number} / {len(deck)}"
    assert any("slide" in w.value and "Ignored from the link" in w.value for w in at.warning)


def test_the_filters_of_the_link_apply_to_the_slides(sample_data_dir, sample_version):
    at = open_slides(systems="Full BAS", slide="1")
    assert not at.exception
    deck = S.slides(connect_version(sample_version), StoryFilters(systems=("full",)))
    assert shown_number(at) == f"1 / {len(deck)}"
    assert headline_of(at) == deck[0].headline


def test_the_notes_button_opens_the_fold(sample_data_dir):
    at = open_slides(slide="2")
    assert not at.session_state["slide_notes"] if "slide_notes" in at.session_state else True
    at.button(key="slide_notes_toggle").click().run()
    assert not at.exception
    assert at.session_state["slide_notes"] is True


def test_the_page_offers_the_deck_as_html(sample_data_dir):
    at = open_slides()
    assert any(b.label == "Slides as HTML" for b in at.get("download_button"))


# --- Layout for a window ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("width, height", [(1366, 768), (1920, 1080)])
def test_the_chart_takes_what_the_window_leaves(deck, width, height):
    for slide in deck:
        sizes = page_slides.layout(width, height, slide.headline, slide.caption)
        assert page_slides.MIN_CHART_HEIGHT <= sizes.chart_height < height - 8 * sizes.base
        assert sizes.chart_width < width
    small = page_slides.layout(1366, 768, "x", "")
    large = page_slides.layout(1920, 1080, "x", "")
    assert (small.base, large.base) == (16, 22)
    assert large.chart_height > small.chart_height


def test_a_longer_headline_leaves_less_room():
    short = page_slides.layout(1366, 768, "Short", "")
    long = page_slides.layout(1366, 768, "A long headline " * 10, "And a caption " * 10)
    assert long.chart_height < short.chart_height


# --- The export -------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deck_page(deck, sample_version):
    return deck_export.deck_html(deck, StoryFilters(), sample_version, datetime(2026, 11, 22, 1, 2, tzinfo=UTC))


def test_the_exported_deck_has_every_slide_number_and_its_notes(deck, deck_page):
    assert deck_page.count('class="slide') == len(deck)
    for slide in deck:
        assert f'data-testid="slide-number">{slide.number} / {len(deck)}</span>' in deck_page
    assert deck_page.count('<aside class="notes"') == len(deck)
    specs = json.loads(re.search(r'id="basstory-slide-charts">(.*?)</script>', deck_page, re.S).group(1))
    assert len(specs) == sum(s.chart is not None for s in deck)
    assert all("title" not in item["spec"] for item in specs.values())


def test_the_exported_deck_needs_no_network(deck_page):
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="?https?:', deck_page)
    assert "vegaEmbed" in deck_page
    assert len(deck_page.encode()) < 5_000_000


def test_the_exported_deck_names_the_data_on_every_slide(deck, deck_page, sample_version):
    assert deck_page.count('<p class="notice') == len(deck)
    assert deck_page.count(sample_version.id) >= len(deck)


def run_cli(data_dir, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "basstory", "export", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, env={"BASSTORY_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}, timeout=300)


def test_cli_exports_the_slides(sample_data_dir, tmp_path):
    out = tmp_path / "deck.html"
    done = run_cli(sample_data_dir, "--slides", "--out", str(out), "--systems", "full")
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert "The outage window · Full BAS" in page and "The outage window · Simple BAS" not in page


def test_cli_pdf_needs_slides(sample_data_dir, tmp_path):
    done = run_cli(sample_data_dir, "--pdf", "--out", str(tmp_path / "story.html"))
    assert done.returncode == 2 and "--slides" in done.stderr
    assert not (tmp_path / "story.html").exists()


def test_a_progress_bar_names_each_chapter_while_the_deck_is_prepared_and_is_gone_after(monkeypatch):
    """A deck for a new view builds every chapter: the page says which one it prepares, and how many are left, and
    shows no bar once the deck is ready."""
    shown: list[tuple[float, str]] = []
    cleared: list[bool] = []

    class Slot:
        def progress(self, value, text=None):
            shown.append((value, text))

        def empty(self):
            cleared.append(True)

    monkeypatch.setattr(page_slides.st, "empty", lambda: Slot())
    at = open_slides(period="Custom range", dates=["2017-03-02", "2017-05-30"])
    assert not at.exception
    needed = S.views()
    assert [value for value, _ in shown] == [i / len(needed) for i in range(len(needed))]
    assert shown[0][1] == f"Preparing the slides for this view: Cover (1 of {len(needed)})"
    assert shown[-1][1].endswith(f"({len(needed)} of {len(needed)})")
    assert cleared == [True]
    assert not at.get("progress")
