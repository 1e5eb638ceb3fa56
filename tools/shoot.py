#!/usr/bin/env python3
"""Screenshot every page of the basstory app, as a reader's browser shows it.

Starts the app on a free loopback port, opens each page of the navigation in headless Chromium, waits until the
page has finished running, and saves one full-length PNG per page. Prints a line per page: seconds until idle,
exceptions shown, charts and metric cards on the page, and the PNG's path. Exits 1 when a page shows an exception.

    .venv/bin/python tools/shoot.py [--out /tmp/shots] [--query 'present=1'] [--width 1400] [--pages cover,outage]
    .venv/bin/python tools/shoot.py --out docs --pages cover --width 1200 --height 900 --crop   # the README's picture

Needs the `playwright` package (requirements.txt) and Debian's Chromium at /usr/bin/chromium
(`apt-get install -y chromium`); it never downloads a browser.
"""
from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: A page has finished when the script is not running and no stale element, skeleton or spinner is left.
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.dataset.testScriptState === 'notRunning' && !document.querySelector(
    '[data-stale="true"],[data-testid="stSkeleton"],[data-testid="stAppSkeleton"],[data-testid="stSpinner"]');
}"""
MAIN_HEIGHT_JS = """() => {
  const m = document.querySelector('[data-testid="stMain"]'); return m ? m.scrollHeight : 0;
}"""
#: The navigation's pages as [title, href]; the icon's ligature text is taken out of the title (the sidebar may be
#: hidden, as in presentation mode, so the text is read from the DOM, not from what is drawn).
NAV_JS = r"""() => [...document.querySelectorAll('[data-testid="stSidebarNavLink"],[data-testid="stTopNavLink"]')]
  .map(e => {
    const c = e.cloneNode(true);
    c.querySelectorAll('[data-testid="stIconMaterial"]').forEach(i => i.remove());
    return [c.textContent.trim(), e.getAttribute('href')];
  })"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(app: str, port: int, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none",
               "--browser.gatherUsageStats", "false"]
    with log.open("w") as out:
        return subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=1).read() == b"ok":
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the app did not start within {seconds:.0f} s")


def wait_idle(page, timeout_ms: int) -> None:
    """Twice, with a pause: a rerun can start right after the first idle moment."""
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)


def screenshot(page, path: Path, height: int | None, crop: bool) -> None:
    """Streamlit scrolls inside stMain, so a full-page shot shows only the viewport: grow the viewport to the
    content first (or keep it at `height` with --crop)."""
    width = page.viewport_size["width"]
    tall = height if crop and height else min(max(900, page.evaluate(MAIN_HEIGHT_JS) + 40), 12000)
    page.set_viewport_size({"width": width, "height": tall})
    page.wait_for_timeout(200)
    page.screenshot(path=str(path), full_page=not crop)
    page.set_viewport_size({"width": width, "height": height or 900})


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "page"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app", default="streamlit_app.py", help="the router script, relative to the project")
    parser.add_argument("--out", default="/tmp/shots", help="folder for the PNGs and the server's log")
    parser.add_argument("--query", default="", help="query string added to every page's URL, e.g. 'present=1'")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900, help="viewport height (with --crop: the picture's)")
    parser.add_argument("--crop", action="store_true", help="only the first screen of each page, not its length")
    parser.add_argument("--pages", default="", help="comma-separated URL paths to shoot (default: every page)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds a page may take to become idle")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_app(args.app, port, out / "streamlit.log")
    query = f"?{args.query}" if args.query else ""
    wanted = [p for p in args.pages.split(",") if p]
    failures = 0
    try:
        wait_healthy(base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"{base}/{query}")
            wait_idle(page, args.timeout * 1000)
            nav = page.evaluate(NAV_JS) or [["home", "/"]]
            for index, (name, href) in enumerate(nav):
                path = (href or "/").split("?")[0].replace(base, "").strip("/")
                if wanted and (path or "cover") not in wanted:
                    continue
                started = time.perf_counter()
                page.goto(f"{base}/{path}{query}")
                wait_idle(page, args.timeout * 1000)
                took = time.perf_counter() - started
                errors = page.locator('[data-testid="stException"]').count()
                charts = page.locator('[data-testid="stVegaLiteChart"]').count()
                metrics = page.locator('[data-testid="stMetric"]').count()
                failures += errors > 0
                png = out / f"{index:02d}-{slug(name)}.png"
                screenshot(page, png, args.height, args.crop)
                print(f"{name[:40]:40s} {took:6.2f}s  exceptions={errors}  charts={charts}  metrics={metrics}  {png}")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
