"""Browser: a view's URL is a deep link. Set filters (and a custom date range, and a page's own choice) with the
mouse and keyboard, take the URL, open it in a fresh browser context (no shared session, cookies or storage) and
see the same numbers; the link to copy is that URL; a bad link shows its note and is tidied."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import link_to_view, wait_idle

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}


def same_link(a: str, b: str) -> bool:
    """Same page and the same parameters (each key's values in order; the keys' order does not matter)."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc, pa.path.rstrip("/"), parse_qs(pa.query)) == (pb.netloc, pb.path.rstrip("/"), parse_qs(pb.query))


def view_of(page) -> dict:
    """What the reader sees that the filters decide: the cover's metrics, the scope banner, the headline."""
    main = page.locator('[data-testid="stMain"]')
    return {
        "metrics": main.locator('[data-testid="stMetricValue"]').all_inner_texts(),
        "banner": main.locator('[data-testid="stCaptionContainer"]', has_text="runs counted").first.inner_text(),
        "headline": main.locator("h4").first.inner_text(),
    }


def open_fresh(browser, url: str):
    """The URL in a new browser context, as a colleague opening the link would."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    return context, page, errors


def open_select(page, combobox) -> None:
    """Open a select box as a reader does: scroll the sidebar to it first (a select's list closes when the page
    scrolls under it), then click."""
    combobox.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    combobox.click()


def settle(page, url_has: str) -> None:
    """Wait for the change to reach the URL, then for the run it started to finish."""
    page.wait_for_url(lambda url: url_has in url)
    wait_idle(page)


def test_a_copied_link_opens_the_same_view(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(app_url + "/")
    wait_idle(page)
    default = view_of(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Full BAS").click()          # Simple BAS only
    settle(page, "systems=Simple")
    open_select(page, sidebar.get_by_role("combobox", name="Show times in"))
    page.get_by_role("option", name="Perth").click()
    settle(page, "tz=Perth")
    url = page.url
    query = parse_qs(urlsplit(url).query)
    assert query == {"systems": ["Simple BAS"], "tz": ["Perth"]}
    assert same_link(link_to_view(page), url)
    shown = view_of(page)
    assert shown != default and "runs counted: Simple BAS" in shown["banner"]

    fresh, again, errors = open_fresh(browser, url)
    assert view_of(again) == shown
    assert same_link(again.url, url), "opening the link does not rewrite it"
    assert not errors, errors
    fresh.close()
    context.close()


def test_a_custom_date_range_survives_in_the_link(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(app_url + "/")
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    open_select(page, sidebar.get_by_role("combobox", name="Period"))
    page.get_by_role("option", name="Custom range").click()
    settle(page, "period=Custom")
    sidebar.get_by_role("spinbutton", name="day, Dates (Sydney) start date").click()
    page.keyboard.type("01022017")
    sidebar.get_by_role("spinbutton", name="day, Dates (Sydney) end date").click()
    page.keyboard.type("31032017")
    page.keyboard.press("Escape")
    page.locator('[data-testid="stMain"] h1').first.click()         # leave the field: the range is committed
    settle(page, "dates=2017-03-31")
    url = page.url
    assert parse_qs(urlsplit(url).query) == {"period": ["Custom range"], "dates": ["2017-02-01", "2017-03-31"]}
    assert same_link(link_to_view(page), url)
    shown = view_of(page)
    assert "outside the date range" in shown["banner"]

    fresh, again, errors = open_fresh(browser, url)
    assert view_of(again) == shown
    start = again.locator('[data-testid="stSidebar"]').get_by_role("spinbutton", name="day, Dates (Sydney) start date")
    assert start.get_attribute("aria-valuenow") == "1"
    assert not errors, errors
    fresh.close()
    context.close()


def test_a_bad_link_is_tidied_and_a_page_choice_survives(browser, app_url):
    context, page, errors = open_fresh(browser, app_url + "/outage?tz=Mars&utm_source=x&outage_system=simple")
    main = page.locator('[data-testid="stMain"]')
    note = main.locator('[data-testid="stAlert"]').first.inner_text()
    for part in ("Ignored from the link: time zone 'Mars' is not one of", "'utm_source' is not a setting",
                 "system 'simple' is not one of Full BAS, Simple BAS"):
        assert part in note
    assert urlsplit(page.url).query == "", "the bad values left the URL"
    assert same_link(link_to_view(page), page.url)

    main.get_by_role("radiogroup", name="System").get_by_role("radio", name="Simple BAS").click()
    settle(page, "outage_system=")
    url = page.url
    assert urlsplit(url).path.endswith("/outage")
    assert parse_qs(urlsplit(url).query) == {"outage_system": ["Simple BAS"]}
    assert same_link(link_to_view(page), url)
    assert "Ignored from the link" not in main.inner_text(), "the note went with the link's view"
    shown = main.locator("h3").all_inner_texts()

    fresh, again, fresh_errors = open_fresh(browser, url)
    chosen = again.locator('[data-testid="stMain"]').get_by_role("radiogroup", name="System")
    assert chosen.get_by_role("radio", name="Simple BAS").get_attribute("aria-checked") == "true"
    assert again.locator('[data-testid="stMain"] h3').all_inner_texts() == shown
    assert any("Simple BAS" in heading for heading in shown)
    assert not errors and not fresh_errors, errors + fresh_errors
    fresh.close()
    context.close()
