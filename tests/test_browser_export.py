"""Browser: the exported story opens from a file with the network blocked and draws every chart; the app's export
button and a chart's download menu hand over the files."""
from __future__ import annotations

import json
import re

import pytest

from basstory.export import html as export
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from tests.conftest import files_only, wait_idle

pytestmark = pytest.mark.browser

SPECS_JS = "() => Object.keys(JSON.parse(document.getElementById('basstory-charts').textContent)).length"
DRAWN_JS = "() => document.querySelectorAll('.vega-embed svg.marks').length"


@pytest.fixture(scope="module")
def exported(sample_data_dir, tmp_path_factory):
    """The default story of the test sample written to a file: (path, number of charts embedded)."""
    from datetime import UTC, datetime

    version = DatasetStore(sample_data_dir / "store").current()
    html = export.story_html(connect_version(version), StoryFilters(), version, datetime.now(UTC))
    path = tmp_path_factory.mktemp("export") / "story.html"
    path.write_text(html, encoding="utf-8")
    n_specs = len(json.loads(re.search(r'id="basstory-charts">(.*?)</script>', html, re.S).group(1)))
    return path, n_specs


def test_the_exported_story_draws_every_chart_offline(browser, exported):
    path, n_specs = exported
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked, errors = files_only(context), []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: errors.append(f"failed: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_function(f"() => ({DRAWN_JS})() >= ({SPECS_JS})()", timeout=60_000)
    assert n_specs == page.evaluate(SPECS_JS) > 0
    assert page.evaluate(DRAWN_JS) == n_specs
    assert page.locator("text=This chart could not be drawn").count() == 0
    assert not blocked, blocked
    assert not errors, errors
    # interactive: hovering a mark shows its tooltip
    cell = page.locator(".vega-embed svg.marks").first.locator("g.mark-rect path").nth(200)
    cell.hover()
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
    context.close()


def test_the_cover_exports_the_story(browser, app_url, sample_data_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app_url + "/?systems=Full+BAS")
    wait_idle(page)
    button = page.get_by_role("button", name="Export the story (HTML)")
    assert button.count() == 1
    with page.expect_download(timeout=120_000) as download:
        button.click()
    assert download.value.suggested_filename.startswith("basstory-story-")
    html = open(download.value.path(), encoding="utf-8").read()
    assert DatasetStore(sample_data_dir / "store").current().id in html
    filters = re.search(r'<dd data-testid="filters">(.*?)</dd>', html, re.S).group(1)
    assert "<b>Systems:</b> Full BAS</li>" in filters and "Simple BAS" not in filters
    page.close()


def test_a_chart_downloads_its_data_as_csv(browser, app_url):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(app_url + "/comparison")
    wait_idle(page)
    page.locator('[data-testid="stMain"] [data-testid="stPopover"]').first.locator("button").click()
    item = page.get_by_role("button", name="Data as CSV").first
    item.wait_for(state="visible")
    with page.expect_download(timeout=60_000) as download:
        item.click()
    assert download.value.suggested_filename == "basstory-cmp-activity.csv"
    lines = open(download.value.path(), encoding="utf-8-sig").read().splitlines()
    assert {"system", "runs"} <= set(lines[0].split(",")) and len(lines) > 2
    page.close()
