"""Browser: the slide deck as a presenter uses it, in the app and as the exported file, at 1366×768 and 1920×1080.

In the app: the arrow keys move a slide at a time and the link follows; every slide fits the window without
scrolling; the notes open with `n`. The exported deck, opened from a file with the network blocked: every slide fits
the window, its chart is drawn, the arrow keys and a click move, `n` shows the speaker notes."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from basstory.export import slides as deck_export
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story import slides as S
from tests.conftest import files_only, wait_idle

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1920, 1080)]
#: How far the page may scroll before it counts as not fitting (rounding of CSS pixels).
SLACK_PX = 2
MAIN_OVERFLOW_JS = """() => { const m = document.querySelector('[data-testid="stMain"]');
  return m.scrollHeight - m.clientHeight; }"""
NUMBER_JS = """() => { const t = [...document.querySelectorAll('.st-key-slide_number p')].map(p => p.textContent);
  return t.length ? t[0].trim() : null; }"""


@pytest.fixture(scope="module")
def deck(sample_data_dir):
    return S.slides(connect_version(DatasetStore(sample_data_dir / "store").current()), StoryFilters())


def _wait_for_number(page, expected: str) -> None:
    page.wait_for_function(f"() => ({NUMBER_JS})() === {expected!r}", timeout=60_000)
    wait_idle(page)


@pytest.mark.parametrize("width, height", SIZES)
def test_the_arrow_keys_walk_the_deck_and_every_slide_fits(browser, app_url, deck, width, height):
    total = len(deck)
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{app_url}/slides?slide=1")
    _wait_for_number(page, f"1 / {total}")
    page.wait_for_timeout(500)       # the window's size reaches the server, which lays the slide out for it
    wait_idle(page)
    for number in range(1, total + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
            _wait_for_number(page, f"{number} / {total}")
            assert re.search(rf"[?&]slide={number}(&|$)", page.url), page.url
        overflow = page.evaluate(MAIN_OVERFLOW_JS)
        assert overflow <= SLACK_PX, f"slide {number} at {width}x{height} scrolls by {overflow}px"
        assert page.locator('[data-testid="stException"]').count() == 0
    page.keyboard.press("ArrowLeft")
    _wait_for_number(page, f"{total - 1} / {total}")
    page.close()


def test_n_opens_the_speaker_notes(browser, app_url, deck):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{app_url}/slides?slide=2")
    _wait_for_number(page, f"2 / {len(deck)}")
    notes = page.locator('[data-testid="stExpander"]').filter(has_text="Speaker notes")
    assert notes.count() == 1
    assert notes.locator("details").get_attribute("open") is None
    page.keyboard.press("n")
    page.wait_for_function("""() => { const d = [...document.querySelectorAll('[data-testid="stExpander"] details')]
        .find(x => x.textContent.includes('Speaker notes')); return d && d.open; }""", timeout=30_000)
    first_note = re.sub(r"\*\*|\\", "", deck[1].notes[0])[:40]
    assert first_note.split()[0] in notes.inner_text()
    page.close()


@pytest.fixture(scope="module")
def exported_deck(sample_data_dir, deck, tmp_path_factory):
    version = DatasetStore(sample_data_dir / "store").current()
    html = deck_export.deck_html(deck, StoryFilters(), version, datetime(2026, 12, 3, tzinfo=UTC))
    path = tmp_path_factory.mktemp("deck") / "slides.html"
    path.write_text(html, encoding="utf-8")
    return path


VISIBLE_JS = """() => [...document.querySelectorAll('section.slide')]
  .findIndex(x => x.classList.contains('current')) + 1"""
#: How far the shown slide's content, its chart and its footer reach past the window (and the page past it).
FITS_JS = """() => { const s = document.querySelector('section.slide.current');
  const past = el => el ? Math.max(el.getBoundingClientRect().bottom - innerHeight,
                                   el.getBoundingClientRect().right - innerWidth) : -1;
  const svg = s.querySelector('.chart svg');
  return {overflow: Math.max(s.scrollHeight - s.clientHeight, document.documentElement.scrollHeight - innerHeight,
                             document.documentElement.scrollWidth - innerWidth),
          chart: past(svg), footer: past(s.querySelector('footer.bottom')),
          charts: s.querySelectorAll('.chart').length, drawn: s.querySelectorAll('.chart svg.marks').length}; }"""
CHART_DRAWN_JS = """() => document.querySelector('section.slide.current .chart svg.marks') !== null"""


@pytest.mark.parametrize("width, height", SIZES)
def test_the_exported_deck_works_offline_and_every_slide_fits(browser, exported_deck, deck, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    blocked = files_only(context)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(exported_deck.as_uri())
    total = len(deck)
    for number in range(1, total + 1):
        if number > 1:
            page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({VISIBLE_JS})() === {number}", timeout=10_000)
        if deck[number - 1].chart is not None:
            page.wait_for_function(CHART_DRAWN_JS, timeout=20_000)
        fit = page.evaluate(FITS_JS)
        assert max(fit["overflow"], fit["chart"], fit["footer"]) <= SLACK_PX, \
            f"slide {number} at {width}x{height}: {fit}"
        assert fit["drawn"] == fit["charts"]
    page.keyboard.press("Home")
    page.wait_for_function(f"() => ({VISIBLE_JS})() === 1")
    page.locator("section.slide.current h1.headline").click()       # a click on the slide moves on
    page.wait_for_function(f"() => ({VISIBLE_JS})() === 2")
    page.keyboard.press("n")
    assert page.evaluate("() => document.body.classList.contains('notes-on')")
    notes = page.locator("section.slide.current aside.notes")
    assert notes.is_visible() and notes.locator("li").count() == len(deck[1].notes)
    assert not errors and not blocked, (errors, blocked)
    context.close()
