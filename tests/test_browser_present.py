"""Browser: presentation mode (`?present=1`) on a 1920×1080 and a 1366×768 screen. No sidebar, no toolbar or Deploy
button; the headline and its finding large at the top; the next button visible and working, staying in
presentation mode with the link's filters; a way back out. Screenshots go to a temporary folder (printed)."""
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import wait_idle

pytestmark = pytest.mark.browser

CHROME = ["stSidebar", "stExpandSidebarButton", "stSidebarCollapseButton", "stHeader", "stToolbar",
          "stAppDeployButton", "stMainMenu"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    folder = tmp_path_factory.mktemp("present-shots")
    print(f"\npresentation screenshots: {folder}")
    return folder


def visible(page, test_id: str) -> bool:
    return page.locator(f'[data-testid="{test_id}"]').filter(visible=True).count() > 0


def font_px(locator) -> float:
    return float(locator.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px"))


def check_slide(page, title: str) -> None:
    """A presentation slide: no chrome; the title and the finding on the first screen, large."""
    assert page.locator('[data-testid="stException"]').count() == 0
    for test_id in CHROME:
        assert not visible(page, test_id), f"{test_id} is visible in presentation mode"
    main = page.locator('[data-testid="stMain"]')
    heading = main.locator(".st-key-headline h1")
    finding = main.locator(".st-key-headline h4")
    assert heading.inner_text().strip() == title
    height = page.viewport_size["height"]
    for element in (heading, finding):
        box = element.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height, "the headline is on the first screen"
    assert font_px(heading) >= 40 and font_px(finding) >= 28, "headline and finding are large"
    width = page.viewport_size["width"]
    block = main.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert block["width"] >= 0.9 * width, "the content uses the screen's width"


@pytest.mark.parametrize("width, height, start, following", [
    (1920, 1080, "cover", "interaction"),
    (1366, 768, "at_risk", "recommendation"),
])
def test_presentation_mode(browser, app_url, shots, width, height, start, following):
    from basstory.story.registry import CHAPTERS

    titles = {c.url_path: c.title for c in CHAPTERS}
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{app_url}/{'' if start == CHAPTERS[0].url_path else start}?present=1&tz=Perth")   # cover: "/"
    wait_idle(page)
    headline = {"cover": "How Australian organisations use Full BAS and Simple BAS"}.get(start, titles[start])
    check_slide(page, headline)
    page.screenshot(path=str(shots / f"{width}-{start}.png"))

    next_link = page.locator('.st-key-page_footer [data-testid="stPageLink"] a', has_text=titles[following])
    next_link.scroll_into_view_if_needed()
    assert next_link.is_visible()
    assert font_px(next_link.locator("p")) >= 20, "the next button is prominent"
    page.screenshot(path=str(shots / f"{width}-{start}-footer.png"))
    next_link.click()
    page.wait_for_url(f"**/{following}?*")
    wait_idle(page)
    url = urlsplit(page.url)
    assert url.path.endswith("/" + following)
    assert parse_qs(url.query) == {"present": ["1"], "tz": ["Perth"]}, "still presenting, same filters"
    check_slide(page, titles[following])
    page.screenshot(path=str(shots / f"{width}-{following}.png"))
    assert not errors, errors
    context.close()


def test_the_way_out_of_presentation_mode(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{app_url}/recommendation?present=1&systems=Full+BAS")
    wait_idle(page)
    assert not visible(page, "stSidebar")
    toggle = page.locator(".st-key-present_exit").get_by_text("Presentation mode (turn off to exit)")
    toggle.scroll_into_view_if_needed()
    toggle.click()
    page.wait_for_url(lambda url: "present=" not in url)
    wait_idle(page)
    assert parse_qs(urlsplit(page.url).query) == {"systems": ["Full BAS"]}
    assert visible(page, "stSidebar") and visible(page, "stHeader") and visible(page, "stMainMenu")
    assert page.locator('[data-testid="stException"]').count() == 0
    # and back in from the sidebar
    page.locator('[data-testid="stSidebar"]').get_by_text("Presentation mode", exact=True).click()
    page.wait_for_url(lambda url: "present=1" in url)
    wait_idle(page)
    assert parse_qs(urlsplit(page.url).query) == {"systems": ["Full BAS"], "present": ["1"]}
    assert not visible(page, "stSidebar")
    context.close()
