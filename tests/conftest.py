"""Shared fixtures: a small generated dataset in a temporary data folder, and the app served for browser tests."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Small enough to generate and ingest in a few seconds, big enough for every chart to have data.
TEST_SAMPLE_SCALE = 0.1
# The in-process app tests build many small versions: no warm-up process for each (tests/test_warm_up.py runs it),
# and no look-ahead thread computing the rest of each view (tests/test_look_ahead.py tests it).
# The servers the browser tests start keep it on (serve_app), as a reader's server does.
os.environ.setdefault("BASSTORY_WARM_UP", "off")
os.environ.setdefault("BASSTORY_LOOK_AHEAD", "off")


def pytest_collection_modifyitems(items: list) -> None:
    """The Spark tests first: `make test` runs the test files on two workers, in this order (pytest-xdist,
    --dist loadfile --no-loadscope-reorder), and test_spark.py runs on one of them for several minutes, so the other
    worker takes the rest meanwhile instead of leaving it alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("xdist_group") is None)


@pytest.fixture(scope="session")
def sample_data_dir(tmp_path_factory) -> Path:
    """A data folder holding a generated sample (scale 0.1) ingested as the current dataset.

    BASSTORY_DATA_DIR points at it for the whole session, so the app under test never touches data/.
    """
    from basstory.ingest.build import ingest
    from basstory.ingest.sample import generate_sample
    from basstory.ingest.store import DatasetStore

    data_dir = tmp_path_factory.mktemp("data")
    os.environ["BASSTORY_DATA_DIR"] = str(data_dir)
    generate_sample(data_dir / "sample", scale=TEST_SAMPLE_SCALE, seed=7)
    ingest(data_dir / "sample", DatasetStore(data_dir / "store"), name="Test sample", activate=True)
    return data_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("BASSTORY_REQUIRE_BROWSER"):
        pytest.fail("/usr/bin/chromium is missing: `apt-get install -y chromium` (CI's .ci/run does this)")
    pytest.skip("browser test: /usr/bin/chromium is not installed (apt-get install -y chromium)")


@contextmanager
def serve_app(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app on 127.0.0.1 and a free port over the data folder `data_dir`; yields its base URL."""
    _require_chromium()
    port = _free_port()
    log_path = data_dir / f"streamlit-{port}.log"
    env = {**os.environ, "BASSTORY_DATA_DIR": str(data_dir), "BASSTORY_WARM_UP": "on", **(extra_env or {})}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"the app did not start; see {log_path}")
            yield base
        finally:
            server.terminate()
            server.wait(10)


@pytest.fixture(scope="session")
def app_url(sample_data_dir) -> Iterator[str]:
    """The app served over the test sample for the whole session."""
    with serve_app(sample_data_dir) as base:
        yield base


@pytest.fixture(scope="session")
def browser(app_url):
    """Debian's Chromium driven by playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


IDLE_JS = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return !!a && a.dataset.testScriptState === 'notRunning'
    && !document.querySelector('[data-stale="true"],[data-testid="stSkeleton"],'
                               + '[data-testid="stAppSkeleton"],[data-testid="stSpinner"]'); }"""


def wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished the run (checked twice, a short pause apart)."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


def link_to_view(page) -> str:
    """The link the sidebar offers to copy: open its popover, read the link, close the popover again."""
    page.locator('[data-testid="stSidebar"] [data-testid="stPopover"] button', has_text="Link to this view").click()
    code = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]')
    code.wait_for()
    link = code.inner_text().strip()
    page.keyboard.press("Escape")
    code.wait_for(state="hidden")
    return link


def files_only(context) -> list[str]:
    """Let a browser context load only local files (an exported story or deck opened offline); every other request
    is refused and its URL appended to the list returned."""
    blocked: list[str] = []

    def route(request_route):
        if request_route.request.url.startswith("file:"):
            request_route.continue_()
        else:
            blocked.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    return blocked


def has_chromium() -> bool:
    return CHROMIUM.exists() and shutil.which(str(CHROMIUM)) is not None


@pytest.fixture(autouse=True)
def navigation_pages_only(monkeypatch):
    """Make AppTest run the router on every rerun, as the real server does.

    AppTest resets `PagesManager.uses_pages_directory` before each run, and because this project keeps its page
    scripts in `pages/`, Streamlit would then take the legacy pages-directory path and run the page script alone on
    reruns (no router, no sidebar). The real server sets the flag to False once `st.navigation` has run; so do we.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
