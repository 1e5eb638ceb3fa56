"""Browser: the active users, spikes and drops, and daily and hourly forecast pages open by their links, draw
their charts, open their lazy fold, and follow the operations track from spikes to the forecast."""
import pytest

from tests.conftest import wait_idle

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}


@pytest.mark.parametrize("path, charts, title", [
    ("activity", 3, "Active users and organisations"),
    ("spikes", 1, "Spikes and drops"),            # one series a tab: the selected one is drawn
    ("forecast", 3, "Daily and hourly forecast"),
])
def test_page_by_its_link_draws_its_charts(browser, app_url, path, charts, title):
    page = browser.new_page(viewport=VIEWPORT)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{path}")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('[data-testid="stException"]').count() == 0
    assert main.locator("h1").first.inner_text() == title
    drawn = main.locator('[data-testid="stVegaLiteChart"]')
    assert drawn.count() == charts
    for i in range(charts):                                        # each chart has drawn its marks
        assert drawn.nth(i).locator("svg, canvas").count() >= 1
    assert main.get_by_role("button", name="Download").count() >= charts     # each chart's data to download
    assert not errors, errors
    page.close()


def test_picking_another_series_tab_draws_that_series(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/spikes")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    tab = main.get_by_role("tab", name="Simple BAS runs")
    tab.click()
    wait_idle(page)
    assert tab.get_attribute("aria-selected") == "true"
    drawn = main.locator('[data-testid="stVegaLiteChart"]')
    assert drawn.count() == 1 and drawn.first.locator("svg, canvas").count() >= 1
    assert main.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_the_unusual_hours_fold_builds_when_opened(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/spikes")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stExpander"] summary', has_text="Details: unusual hours").click()
    wait_idle(page)
    fold = main.locator('[data-testid="stExpander"]', has_text="Details: unusual hours")
    assert fold.get_by_text("How an hour is judged", exact=False).count() == 1
    assert main.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_the_operations_track_goes_from_spikes_to_the_forecast(browser, app_url):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"{app_url}/spikes?track=operations")
    wait_idle(page)
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("link", name="← Seasonality and capacity").count() == 1
    main.get_by_role("link", name="Daily and hourly forecast →").click()
    page.wait_for_url(lambda url: "/forecast" in url and "track=operations" in url)
    wait_idle(page)
    assert main.locator('[data-testid="stException"]').count() == 0
    assert main.locator("h1").first.inner_text() == "Daily and hourly forecast"
    page.close()
