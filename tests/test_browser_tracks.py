"""Browser: the reader tracks. A link with `?track=` opens the story on that track (the navigation lists the
track's chapters first); the cover's picker switches tracks and writes the track to the URL; the next button
follows the track and keeps it in the link."""
import pytest

from basstory.story.registry import TRACKS, track_chapters
from tests.conftest import wait_idle

pytestmark = pytest.mark.browser
VIEWPORT = {"width": 1400, "height": 1000}


def nav_sections(page) -> list[str]:
    return page.locator('[data-testid="stSidebarNav"] header, [data-testid="stNavSectionHeader"]').all_inner_texts()


def test_a_track_link_the_picker_and_the_next_button(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(app_url + "/?track=operations")
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_text(f"{TRACKS['operations'].label} track", exact=True).count() == 1
    assert sidebar.get_by_text("More of the story", exact=True).count() == 1

    main = page.locator('[data-testid="stMain"]')
    main.locator(".st-key-track_picker").get_by_text(TRACKS["product"].label, exact=True).click()
    page.wait_for_url(lambda url: "track=product" in url)
    wait_idle(page)
    assert sidebar.get_by_text(f"{TRACKS['product'].label} track", exact=True).count() == 1

    following = track_chapters("product")[1]
    main.get_by_role("link", name=f"{following.title} →").click()
    page.wait_for_url(lambda url: f"/{following.url_path}" in url and "track=product" in url)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert main.get_by_role("link", name="← Cover").count() == 1
    assert not errors, errors
    context.close()
