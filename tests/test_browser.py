"""Browser: open the app in headless Chromium (Debian's), walk the whole story by its navigation, fail on any
exception shown on a page or raised in the browser."""
import pytest

from basstory.story.registry import CHAPTERS, DATA_PAGE, SLIDES_PAGE
from tests.conftest import wait_idle

pytestmark = pytest.mark.browser


def test_walk_the_story(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url + "/")
    wait_idle(page)
    links = page.locator('[data-testid="stSidebarNavLink"]')
    titles = [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]
    assert titles == [c.title for c in CHAPTERS] + [SLIDES_PAGE.title, DATA_PAGE.title]
    for chapter in [*CHAPTERS, DATA_PAGE]:
        # the cover is the default page, served at '/'
        page.goto(f"{app_url}/" + ("" if chapter is CHAPTERS[0] else chapter.url_path))
        wait_idle(page)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {chapter.title}"
        assert page.locator("h1").count() >= 1, f"no title on {chapter.title}"
    # the story can also be read with the next buttons alone, cover to recommendation
    page.goto(app_url + "/")
    wait_idle(page)
    for chapter in CHAPTERS[1:]:
        page.locator('[data-testid="stPageLink"] a', has_text=chapter.title).last.click()
        wait_idle(page)
        assert page.url.split("?")[0].endswith("/" + chapter.url_path)
        assert page.locator('[data-testid="stException"]').count() == 0, f"exception on {chapter.title}"
    assert not errors, errors
    page.close()


def test_cover_shows_the_five_key_data_points(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app_url + "/")
    wait_idle(page)
    assert page.locator('[data-testid="stMetric"]').count() == 5
    page.close()


@pytest.fixture(scope="module")
def fresh_server(sample_data_dir):
    """A server whose very first request is a deep link (the shared server has already served '/')."""
    from tests.conftest import serve_app

    with serve_app(sample_data_dir) as base:
        yield base


def test_a_deep_link_as_the_first_request_goes_through_the_router(browser, fresh_server):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{fresh_server}/interaction?systems=Simple+BAS")
    wait_idle(page)
    page.wait_for_timeout(500)
    wait_idle(page)
    assert page.url.split("?")[0].endswith("/interaction")
    assert page.locator('[data-testid="stSidebar"]').get_by_text("Filters", exact=True).count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    banner = page.locator('[data-testid="stCaptionContainer"]', has_text="runs counted").first.inner_text()
    assert "runs counted: Simple BAS" in banner and "system not selected" in banner
    page.close()
