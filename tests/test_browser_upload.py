"""Browser: an analyst uploads a new Full BAS extract in the analyst app, types the password, checks and activates
it, and the story's cover changes; and a second browser that presents the analyst's session id (as it appears in
every upload URL) resumes that session but cannot change anything. Each test serves its own apps over its own copy
of the test store, so the dataset the other browser tests see is untouched."""
from __future__ import annotations

import re
import shutil

import pytest

from basstory.analyses.facts import key_facts
from basstory.core.text import fmt_int
from basstory.ingest.store import DatasetStore
from basstory.query.tables import connect_version
from tests.conftest import _require_chromium, wait_idle
from tests.test_upload_endpoint import serve

pytestmark = pytest.mark.browser
PASSWORD = "browser-test-password"


@pytest.fixture
def data_dir(sample_data_dir, tmp_path):
    shutil.copytree(sample_data_dir / "store", tmp_path / "store", ignore=shutil.ignore_patterns("tmp", ".lock"))
    return tmp_path


@pytest.fixture
def analyst_app(data_dir):
    """The analyst app as `make analyst` serves it (1 GB uploads), with an analyst password."""
    _require_chromium()
    with serve("analyst_app.py", data_dir, "--server.maxUploadSize", "1024",
               env={"BASSTORY_ANALYST_PASSWORD": PASSWORD}) as (base, _):
        yield base


def metric_values(page) -> dict[str, str]:
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    return {label.strip(): value.strip() for label, value in zip(labels, values, strict=False)}


def first_rows(sample_data_dir, tmp_path, n: int):
    extract = tmp_path / f"fullbas-first-{n}.csv"
    lines = (sample_data_dir / "sample" / "fullbas.csv").read_text().splitlines(keepends=True)
    extract.write_text("".join(lines[: n + 1]))
    return extract


def check_files(page, base: str, extract, name: str) -> None:
    page.goto(base + "/")
    wait_idle(page)
    page.locator(".st-key-upload_fullbas input[type=file]").set_input_files(str(extract))
    wait_idle(page)
    page.locator(".st-key-upload_name input").fill(name)
    page.locator(".st-key-upload_password input").fill(PASSWORD)
    page.locator(".st-key-check_upload button").click()
    wait_idle(page)
    assert page.get_by_text(f"Before it goes live: {name}").count() == 1


def test_upload_activate_and_the_cover_changes(browser, app_url, analyst_app, data_dir, sample_data_dir, tmp_path):
    store = DatasetStore(data_dir / "store")
    first = store.current()
    extract = first_rows(sample_data_dir, tmp_path, 3000)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    with serve("streamlit_app.py", data_dir) as (story, _):
        page.goto(story + "/")
        wait_idle(page)
        before = metric_values(page)

        check_files(page, analyst_app, extract, "First 3,000 runs")
        assert store.current() == first                                # checked, not live yet
        page.locator(".st-key-review_password input").fill(PASSWORD)
        page.locator(".st-key-activate_upload button").click()
        wait_idle(page)
        assert page.get_by_text("every session now shows it").count() == 1
        new = store.current()
        assert new.name == "First 3,000 runs" and new.manifest["sources"]["fullbas"]["file"] == extract.name
        assert page.locator('[data-testid="stException"]').count() == 0

        page.goto(story + "/")
        wait_idle(page)
        after = metric_values(page)
    facts = key_facts(connect_version(new))
    assert after["Users of either"] == fmt_int(facts["users_either"])
    assert after["Users of either"] != before["Users of either"]
    assert not list((data_dir / "store" / "tmp").iterdir())        # the spooled upload is gone
    assert not errors, errors
    page.close()


#: Make the app's websocket present a given session id, as a browser resuming that session would (Streamlit's
#: frontend sends [protocol, XSRF token, session id to resume] as the websocket's subprotocols).
REPLAY_JS = """(stolen) => {
  const Original = window.WebSocket;
  function Replaying(url, protocols) {
    if (Array.isArray(protocols) && protocols[0] === 'streamlit') {
      protocols = ['streamlit', protocols[1] || 'PLACEHOLDER_AUTH_TOKEN', stolen];
    }
    return new Original(url, protocols);
  }
  Replaying.prototype = Original.prototype;
  for (const key of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Replaying[key] = Original[key];
  window.WebSocket = Replaying;
}"""


def test_a_replayed_session_id_cannot_change_data(browser, analyst_app, data_dir, sample_data_dir, tmp_path):
    """The analyst checks files (with the password) and closes the tab. A second browser presents that session's id,
    taken from the upload URL: it resumes the session (it sees the analyst's review), yet pressing Activate there
    does nothing but ask for the password, because the session holds no credential."""
    store = DatasetStore(data_dir / "store")
    first = store.current()
    extract = first_rows(sample_data_dir, tmp_path, 2000)
    analyst = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = analyst.new_page()
    upload_urls = []
    page.on("request", lambda r: upload_urls.append(r.url) if "/_stcore/upload_file/" in r.url else None)
    check_files(page, analyst_app, extract, "Checked by the analyst")
    (session_id,) = {re.search(r"/upload_file/([^/]+)/", url).group(1) for url in upload_urls}
    analyst.close()                                                     # the analyst's tab is gone

    attacker = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = attacker.new_page()
    page.add_init_script(f"({REPLAY_JS})({session_id!r})")
    page.goto(analyst_app + "/")
    wait_idle(page)
    assert page.get_by_text("Before it goes live: Checked by the analyst").count() == 1     # the session resumed
    assert page.locator(".st-key-review_password input").input_value() == ""
    page.locator(".st-key-activate_upload button").click()
    wait_idle(page)
    assert page.get_by_text("Type the analyst password to activate a dataset.").count() == 1
    assert store.current() == first
    attacker.close()
