"""Browser: the customer chapters render their charts, an org link opens the org page, the org page's link is a deep
link (a fresh browser opens the same org), and typing another org rewrites the link."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import link_to_view, wait_idle

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}
PAGES = {"segments": "Org segments by behaviour", "advisers": "Advisers", "orgs": "Most and least active orgs",
         "at_risk": "Dormant, cancelled and at risk"}


def open_fresh(browser, url: str):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    wait_idle(page)
    return context, page, errors


def assert_clean(page, errors) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not errors, errors


@pytest.mark.parametrize("url_path", list(PAGES))
def test_customer_pages_draw_their_charts(browser, app_url, url_path):
    context, page, errors = open_fresh(browser, f"{app_url}/{url_path}")
    try:
        assert_clean(page, errors)
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("h1").first.inner_text() == PAGES[url_path]
        page.wait_for_selector('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')
        assert main.locator('[data-testid="stVegaLiteChart"]').count() >= 1
    finally:
        context.close()


def test_a_segments_tab_draws_its_chart_when_picked(browser, app_url):
    # only the selected tab is drawn: picking another reruns the page, which draws that tab's chart instead
    context, page, errors = open_fresh(browser, f"{app_url}/segments")
    try:
        main = page.locator('[data-testid="stMain"]')
        panel = main.locator('[data-testid="stTabPanel"]')
        panel.locator('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas').first.wait_for()
        before = main.locator('[data-testid="stVegaLiteChart"]').count()
        first_chart = panel.locator('[data-testid="stVegaLiteChart"]').first.inner_text()
        main.get_by_role("tab", name="Who runs it").click()
        page.wait_for_function("() => document.querySelector('[data-testid=\"stApp\"]')"
                               ".dataset.testScriptState === 'notRunning'")
        wait_idle(page)
        assert_clean(page, errors)
        assert main.get_by_role("tab", name="Who runs it").get_attribute("aria-selected") == "true"
        panel.locator('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas').first.wait_for()
        assert main.locator('[data-testid="stVegaLiteChart"]').count() == before      # one tab's chart at a time
        assert panel.locator('[data-testid="stVegaLiteChart"]').first.inner_text() != first_chart
    finally:
        context.close()


def test_an_org_link_opens_its_page_and_the_page_is_a_deep_link(browser, app_url):
    context, page, errors = open_fresh(browser, f"{app_url}/orgs")
    try:
        assert_clean(page, errors)
        link = page.locator('[data-testid="stMain"] a[href*="org?org="]').first
        code = link.inner_text().strip()
        href = link.get_attribute("href")
        assert parse_qs(urlsplit(href).query)["org"] == [code]
        if link.get_attribute("target") == "_blank":
            with context.expect_page() as opened:
                link.click()
            org_page = opened.value
        else:
            link.click()
            org_page = page
        org_page.wait_for_url(lambda url: "/org?" in url)
        wait_idle(org_page)
        main = org_page.locator('[data-testid="stMain"]')
        assert main.locator("h1").first.inner_text() == f"Org {code}"
        assert main.locator('[data-testid="stMetricLabel"]').all_inner_texts()[:2] == ["Status", "Plan"]
        org_page.wait_for_selector('[data-testid="stVegaLiteChart"] svg, [data-testid="stVegaLiteChart"] canvas')
        shared = link_to_view(org_page)
        assert parse_qs(urlsplit(shared).query)["org"] == [code]           # the link to copy keeps the org
    finally:
        context.close()
    # the link in a fresh browser: the same org
    context, page, errors = open_fresh(browser, shared)
    try:
        assert_clean(page, errors)
        assert page.locator('[data-testid="stMain"] h1').first.inner_text() == f"Org {code}"
    finally:
        context.close()


def test_typing_another_org_rewrites_the_link(browser, app_url):
    context, page, errors = open_fresh(browser, f"{app_url}/org")
    try:
        assert_clean(page, errors)
        main = page.locator('[data-testid="stMain"]')
        assert main.locator("h4").first.inner_text() == "Which org?"
        box = main.get_by_label("Org (short code or organisation id)", exact=True).and_(main.locator("input"))
        box.fill("no-such-org")
        box.press("Enter")
        page.wait_for_url(lambda url: "org=no-such-org" in url)
        wait_idle(page)
        assert main.locator("h4").first.inner_text() == "No org no-such-org in this dataset."
    finally:
        context.close()
