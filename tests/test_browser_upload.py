"""Browser: an analyst uploads a new Full BAS extract on the Data page, enters the password, checks and activates it,
and the cover's figures change. Runs its own app server on its own copy of the test store, so the dataset the other
browser tests see is untouched."""
from __future__ import annotations

import shutil

import pytest

from basstory.analyses.facts import key_facts
from basstory.story.narrative import fmt_int
from basstory.ingest.store import DatasetStore
from basstory.query.tables import connect_version
from tests.conftest import serve_app, wait_idle

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def upload_app(sample_data_dir, tmp_path_factory):
    """(base URL, data dir) of an app served over a private copy of the test store, with an analyst password."""
    data_dir = tmp_path_factory.mktemp("upload-data")
    shutil.copytree(sample_data_dir / "store", data_dir / "store", ignore=shutil.ignore_patterns("tmp", ".lock"))
    with serve_app(data_dir, {"BASSTORY_ANALYST_PASSWORD": PASSWORD}) as base:
        yield base, data_dir


def metric_values(page) -> dict[str, str]:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values)}


def test_upload_activate_and_the_cover_changes(browser, upload_app, sample_data_dir, tmp_path):
    base, data_dir = upload_app
    store = DatasetStore(data_dir / "store")
    first = store.current()
    extract = tmp_path / "fullbas-first-3000.csv"
    lines = (sample_data_dir / "sample" / "fullbas.csv").read_text().splitlines(keepends=True)
    extract.write_text("".join(lines[:3001]))

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/")
    wait_idle(page)
    before = metric_values(page)

    page.goto(base + "/data")
    wait_idle(page)
    page.locator(".st-key-analyst_password input").fill(PASSWORD)
    page.locator(".st-key-analyst_password input").press("Enter")
    wait_idle(page)
    page.locator(".st-key-upload_fullbas input[type=file]").set_input_files(str(extract))
    wait_idle(page)
    page.locator(".st-key-upload_name input").fill("First 3,000 runs")
    page.locator(".st-key-upload_name input").press("Enter")
    wait_idle(page)
    page.locator(".st-key-check_upload button").click()
    wait_idle(page)
    assert page.get_by_text("Before it goes live: First 3,000 runs").count() == 1
    assert store.current() == first                                # checked, not live yet
    page.locator(".st-key-activate_upload button").click()
    wait_idle(page)
    assert page.get_by_text("every session now shows it").count() == 1
    new = store.current()
    assert new.name == "First 3,000 runs" and new.manifest["sources"]["fullbas"]["file"] == extract.name
    assert page.locator('[data-testid="stException"]').count() == 0

    page.goto(base + "/")
    wait_idle(page)
    after = metric_values(page)
    facts = key_facts(connect_version(new))
    assert after["Users of either"] == fmt_int(facts["users_either"])
    assert after["Users of either"] != before["Users of either"]
    assert not list((data_dir / "store" / "tmp").iterdir())        # the spooled upload is gone
    assert not errors, errors
    page.close()
