#!/usr/bin/env python3
"""Time every story page in a real browser: how long a deep link takes until the page is idle.

Starts the app (the router, streamlit_app.py) on a free loopback port with BASSTORY_DATA_DIR set to --data-dir,
opens the first page once as a warm-up (the server loads the dataset version then; reported on its own line), and
then opens each story page's deep link with --query, in --repeat passes over the pages: in the first pass each page
shows a view nobody has opened yet (unless the warm-up's default view is the same one), later passes find it cached.
With --navigate only the first page is opened by its link; the others are reached by clicking their navigation link
(the same session, no reload), as a reader does. With --change START:END each page is opened by its link (the
--query view, by default the whole period as a custom range, which the app's warm-up has computed), then its sidebar
dates are typed in as a range nobody has opened (START and END moved one day inwards per page, so every page gets
its own new view), and then back to the link's dates (a view already opened): the PM's case of changing a filter.

A visit is timed from the navigation until the app is idle: the script has stopped
(`data-test-script-state="notRunning"`), the page has drawn something and no stale element, skeleton or spinner is
left, checked again after a short pause (after a click: once a run has started). A visit by link is a fresh page
load, so a fresh Streamlit session, as when a reader opens a shared link. Also counted: the seconds the server spent
running the page on the first visit (from its log, BASSTORY_TRACE: the rest of the visit is the browser loading,
receiving and drawing the page), the bytes the server sent over the websocket on the first visit (the page's
elements and chart data), and the server's peak memory (VmHWM).

    .venv/bin/python tools/time_pages.py --data-dir /tmp/s10 \\
        --query 'period=Custom+range&dates=2017-02-03&dates=2017-08-27' [--repeat 2] [--navigate] [--settle 0] \\
        [--read 0]

    .venv/bin/python tools/time_pages.py --data-dir /tmp/s100 --settle 60 --change 2017-02-03:2017-08-27

Needs the `playwright` package and Debian's Chromium at /usr/bin/chromium; it never downloads a browser.
Exits 1 when a page shows an exception or does not become idle.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: True when a run has finished: script stopped, the page has drawn something, nothing stale, no skeleton, no spinner.
PAGE_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')) return false;
  return !document.querySelector('[data-stale="true"], [data-testid="stSkeleton"], '
    + '[data-testid="stAppSkeleton"], [data-testid="stSpinner"]');
}"""
SETTLE_MS = 300
#: Before an in-app click: note (synchronously, on every change of the script state) that a run has started.
WATCH_RUN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__timePagesRan = false;
  if (window.__timePagesWatch) window.__timePagesWatch.disconnect();
  window.__timePagesWatch = new MutationObserver(() => {
    if (app.dataset.testScriptState !== 'notRunning') window.__timePagesRan = true;
  });
  window.__timePagesWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
#: Click the navigation link to a url path (the links may sit in a collapsed sidebar: a script click still works).
CLICK_NAV = """(path) => {
  const links = [...document.querySelectorAll('[data-testid="stSidebarNavLink"], [data-testid="stTopNavLink"]')];
  const link = links.find(e => new URL(e.href, location.href).pathname.replace(/\\/+$/, '') === '/' + path
                               || (path === '' && new URL(e.href, location.href).pathname === '/'));
  if (!link) return false;
  link.click();
  return true;
}"""


def story_paths() -> list[tuple[str, str]]:
    """(URL path, title) of every story page in reading order; the first chapter is served at '/'."""
    from basstory.story.registry import CHAPTERS

    return [("" if i == 0 else c.url_path, c.url_path) for i, c in enumerate(CHAPTERS)]


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_server(app: str, port: int, data_dir: Path, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "BASSTORY_DATA_DIR": str(data_dir), "BASSTORY_TRACE": "1"}   # logs each page run's time
    args = [sys.executable, "-m", "streamlit", "run", app,
            "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    log = log_path.open("w")
    try:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    finally:
        log.close()


class ServerRuns:
    """The page runs the server logged ("page run /path 0.123 s", app.ui.reader_run) since the last call."""

    def __init__(self, log_path: Path) -> None:
        self.log_path, self.offset = log_path, 0

    def since_last(self) -> float:
        """Seconds of page runs logged since the last call (a visit may run its page more than once)."""
        with self.log_path.open("rb") as log:
            log.seek(self.offset)
            text = log.read()
        self.offset += len(text)
        return sum(float(m.group(1)) for m in RUN_LINE.finditer(text.decode("utf-8", "replace")))


RUN_LINE = re.compile(r"page run /\S* ([0-9.]+) s")


def await_health(base: str, server: subprocess.Popen, limit_s: float = 90) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the app exited (code {server.returncode}) before it was healthy")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the app was not healthy within {limit_s:.0f} s")


def timed_visit(page, url: str, timeout_ms: int) -> float:
    """Seconds from navigating to `url` until the page is idle and still idle after a short pause (a rerun may
    start right after the first idle moment; then the time runs on to the next idle moment)."""
    began = time.perf_counter()
    page.goto(url, wait_until="commit")
    while True:
        page.wait_for_function(PAGE_IDLE, timeout=timeout_ms, polling=50)
        idle_at = time.perf_counter()
        page.wait_for_timeout(SETTLE_MS)
        if page.evaluate(PAGE_IDLE):
            return idle_at - began
        if time.perf_counter() - began > timeout_ms / 1000:
            raise TimeoutError(f"{url} did not stay idle")


def timed_run(page, act, what: str, timeout_ms: int) -> float:
    """Seconds from `act()` (a click or a key that starts a run in the same session, no reload) until a run has
    started and ended and the page is idle, and still idle after a short pause; `what` names it in a timeout."""
    page.evaluate(WATCH_RUN)
    began = time.perf_counter()
    act()
    ran_and_idle = f"() => window.__timePagesRan === true && ({PAGE_IDLE})()"
    while True:
        page.wait_for_function(ran_and_idle, timeout=timeout_ms, polling=50)
        idle_at = time.perf_counter()
        page.wait_for_timeout(SETTLE_MS)
        if page.evaluate(PAGE_IDLE):
            return idle_at - began
        if time.perf_counter() - began > timeout_ms / 1000:
            raise TimeoutError(f"{what} did not stay idle")


def timed_click(page, path: str, timeout_ms: int) -> float:
    """Seconds from clicking the navigation link to `path` (an in-app page change) until the page is idle
    (`timed_run`)."""
    def click() -> None:
        if not page.evaluate(CLICK_NAV, path):
            raise LookupError(f"no navigation link to /{path}")

    return timed_run(page, click, f"/{path}", timeout_ms)


def date_field(page, which: str) -> date:
    """The sidebar date input's `which` ('start' or 'end') date as shown."""
    field = page.locator(f'[data-testid="stSidebar"] [data-range-field="{which}"] input[type="date"]')
    return date.fromisoformat(field.input_value())


def type_dates(page, start: date, end: date) -> None:
    """Type a range into the sidebar's date input (a range field of day, month and year segments), not yet
    committed: the range is committed when the field is left with Escape (`timed_change`)."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    for which, day in (("start", start), ("end", end)):
        sidebar.locator(f'[data-range-field="{which}"] [data-type="day"]').click()
        page.keyboard.type(day.strftime("%d%m%Y"))


def timed_change(page, start: date, end: date, timeout_ms: int) -> float:
    """Type a new sidebar date range, then the seconds from committing it until the page is idle (`timed_run`): a
    reader changing a filter. Raises when the date field does not show the range afterwards."""
    type_dates(page, start, end)
    page.wait_for_function(PAGE_IDLE, timeout=timeout_ms, polling=50)     # a run the typing started, if any
    took = timed_run(page, lambda: page.keyboard.press("Escape"), page.url, timeout_ms)
    shown = date_field(page, "start"), date_field(page, "end")
    if shown != (start, end):
        raise RuntimeError(f"the date input shows {shown[0]}..{shown[1]}, not {start}..{end}")
    return took


def change_ranges(spec: str, count: int) -> list[tuple[date, date]]:
    """`count` date ranges nobody has opened, from 'START:END': the i-th is START and END moved i days inwards."""
    first, last = (date.fromisoformat(part) for part in spec.split(":"))
    if (last - first).days < 2 * count + 2:
        raise SystemExit(f"--change {spec}: the range is too short for {count} pages")
    return [(first + timedelta(days=i), last - timedelta(days=i)) for i in range(count)]


def format_change_table(rows: list[dict]) -> str:
    """Markdown: a row per page for --change."""
    lines = ["| page | by link s | new view s | server s | back to the link's view s | sent KB | exceptions |",
             "|---|---:|---:|---:|---:|---:|---:|"]

    def show(value):
        return "timeout" if value is None else f"{value:.2f}"

    for row in rows:
        lines.append(f"| {row['page']} | {show(row['link'])} | {show(row['new'])} | {row['server']:.2f} | "
                     f"{show(row['back'])} | {row['sent'] / 1024:,.0f} | {row['exceptions']} |")
    return "\n".join(lines)


def format_table(rows: list[dict], repeat: int) -> str:
    """Markdown: a row per page with each visit's seconds, the first visit's bytes over the websocket, charts and
    exceptions."""
    visits = " | ".join(["first s | server s" if i == 0 else f"visit {i + 1} s" for i in range(repeat)])
    lines = [f"| page | {visits} | sent KB | charts | exceptions |",
             "|---|" + "---:|" * (repeat + 1) + "---:|---:|---:|"]
    for row in rows:
        seconds = ["timeout" if s is None else f"{s:.2f}" for s in row["seconds"]]
        seconds.insert(1, f"{row['server']:.2f}")
        lines.append(f"| {row['page']} | {' | '.join(seconds)} | {row['sent'] / 1024:,.0f} | {row['charts']} | "
                     f"{row['exceptions']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", required=True, help="BASSTORY_DATA_DIR for the app (its store's current "
                                                          "version is the one timed)")
    parser.add_argument("--query", default="", help="query string of every page's deep link, e.g. "
                                                    "'period=Custom+range&dates=2017-02-03&dates=2017-08-27'")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the pages (2nd on: cached; default 2)")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--pages", default="", help="comma-separated url paths to time (default: every story page)")
    parser.add_argument("--warmup-query", default="", help="query string of the warm-up visit (default: none, the "
                                                           "default view)")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds to wait after the warm-up before timing (the app's background warm-up of the "
                             "default view runs meanwhile; default 0: time the pages while it runs)")
    parser.add_argument("--navigate", action="store_true",
                        help="open only the first page by its deep link, then reach the others by clicking their "
                             "navigation links (same session, no page reload), as a reader does")
    parser.add_argument("--read", type=float, default=0.0,
                        help="seconds a reader spends on each page before opening the next (default 0: at once; the "
                             "app's look-ahead computes the rest of the view meanwhile)")
    parser.add_argument("--change", default="", metavar="START:END",
                        help="open each page by its link, then type a new sidebar date range (START:END moved a day "
                             "inwards per page) and then the link's dates again, timing both changes")
    parser.add_argument("--timeout", type=int, default=300, help="seconds a page may take to become idle")
    parser.add_argument("--app", default="streamlit_app.py", help="the router script, relative to the project")
    parser.add_argument("--log", default="/tmp/time_pages-streamlit.log", help="the server's output")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    wanted = {p for p in args.pages.split(",") if p}
    pages = [(path, name) for path, name in story_paths() if not wanted or name in wanted or path in wanted]
    port = unused_port()
    base = f"http://127.0.0.1:{port}"
    query = f"?{args.query}" if args.query else ""
    server = launch_server(args.app, port, Path(args.data_dir), Path(args.log))
    rows: list[dict] = []
    failed = False
    warm_s = peak = None
    try:
        await_health(base, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            tab = browser.new_page(viewport={"width": args.width, "height": args.height})
            received = [0]

            def on_socket(ws) -> None:
                ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

            tab.on("websocket", on_socket)
            warm_query = f"?{args.warmup_query}" if args.warmup_query else ""
            warm_s = timed_visit(tab, f"{base}/{warm_query}", args.timeout * 1000)
            print(f"warm-up: first page ({warm_query or 'default view'}) idle after {warm_s:.2f} s "
                  f"(server start to first page: includes loading the dataset version)", flush=True)
            if args.settle:
                tab.wait_for_timeout(args.settle * 1000)
            runs = ServerRuns(Path(args.log))
            runs.since_last()                   # the warm-up visit's runs
            rows = [{"page": name, "seconds": [], "server": 0.0, "sent": 0, "charts": 0, "exceptions": 0}
                    for _, name in pages]
            if args.change:
                failed = change_pages(tab, base, pages, args, runs, received)
                browser.close()
                from basstory.bench import peak_rss_mb

                peak = peak_rss_mb(server.pid)
                print(f"\ndata dir {args.data_dir}; each page by its link ({args.query or 'the whole period'}), then a "
                      f"new date range in the sidebar, then back; warm-up {warm_s:.2f} s"
                      + (f"; server peak memory {peak:,.0f} MB" if peak else ""))
                return 1 if failed else 0
            here = None                         # the url path on screen (for --navigate)
            for visit in range(args.repeat):    # pass after pass over the pages: from the 2nd on, cached
                for (path, name), row in zip(pages, rows, strict=True):
                    if args.read and here is not None:
                        tab.wait_for_timeout(args.read * 1000)
                    received[0] = 0
                    how = "click" if args.navigate and here is not None and here != path else "link"
                    try:
                        if how == "click":
                            took = timed_click(tab, path, args.timeout * 1000)
                        else:
                            took = timed_visit(tab, f"{base}/{path}{query}", args.timeout * 1000)
                        here = path
                    except Exception as error:  # noqa: BLE001 - a page that never settles is reported, not fatal
                        print(f"{name}: visit {visit + 1} did not become idle: {error}", file=sys.stderr)
                        took, failed, here = None, True, None
                    row["seconds"].append(took)
                    if visit == 0:
                        row["sent"] = received[0]
                        row["server"] = runs.since_last()
                        row["charts"] = tab.locator('[data-testid="stVegaLiteChart"]').count()
                    row["exceptions"] = max(row["exceptions"], tab.locator('[data-testid="stException"]').count())
                    failed = failed or row["exceptions"] > 0
                    print(f"visit {visit + 1} ({how}) {name:16s} "
                          + ("timeout" if took is None else f"{took:6.2f} s")
                          + (f"  server={row['server']:.2f} s" if visit == 0 else "")
                          + f"  sent={received[0] / 1024:,.0f} KB exceptions={row['exceptions']}", flush=True)
            browser.close()
        from basstory.bench import peak_rss_mb

        peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    print()
    mode = "first page by its link, the others by clicking the navigation" if args.navigate else "each page by its link"
    mode += f", {args.read:g} s on each page" if args.read else ""
    print(f"data dir {args.data_dir}; query {args.query or '(none)'}; {mode}; warm-up {warm_s:.2f} s"
          + (f"; server peak memory {peak:,.0f} MB" if peak else ""))
    print(format_table(rows, args.repeat))
    timed = [s for r in rows for s in r["seconds"][:1] if s is not None]
    if timed:
        print(f"\nslowest first visit: {max(timed):.2f} s")
    return 1 if failed else 0


def change_pages(tab, base: str, pages: list[tuple[str, str]], args, runs: ServerRuns, received: list[int]) -> bool:
    """--change: each page by its link, then a new sidebar date range, then the link's dates again. Prints each
    visit and the table; True when a page failed."""
    query = f"?{args.query}" if args.query else ""
    if "Custom" not in query:
        query = "?period=Custom+range" + (f"&{args.query}" if args.query else "")
    failed = False
    rows = []
    for (path, name), (start, end) in zip(pages, change_ranges(args.change, len(pages)), strict=True):
        row = {"page": name, "link": None, "new": None, "back": None, "server": 0.0, "sent": 0, "exceptions": 0}
        rows.append(row)
        try:
            row["link"] = timed_visit(tab, f"{base}/{path}{query}", args.timeout * 1000)
            linked = date_field(tab, "start"), date_field(tab, "end")
            runs.since_last()
            received[0] = 0
            row["new"] = timed_change(tab, start, end, args.timeout * 1000)
            row["server"], row["sent"] = runs.since_last(), received[0]
            row["exceptions"] = tab.locator('[data-testid="stException"]').count()
            row["back"] = timed_change(tab, *linked, args.timeout * 1000)
            row["exceptions"] = max(row["exceptions"], tab.locator('[data-testid="stException"]').count())
        except Exception as error:  # noqa: BLE001 - a page that never settles is reported, not fatal
            print(f"{name}: {error}", file=sys.stderr)
            failed = True
        failed = failed or row["exceptions"] > 0
        print(f"{name:16s} link {row['link'] or 0:5.2f} s  new view {start}..{end} {row['new'] or 0:5.2f} s "
              f"(server {row['server']:.2f} s)  back {row['back'] or 0:5.2f} s  exceptions={row['exceptions']}",
              flush=True)
    print()
    print(format_change_table(rows))
    timed = [r["new"] for r in rows if r["new"] is not None]
    if timed:
        print(f"\nslowest new view: {max(timed):.2f} s; slowest return to an opened view: "
              f"{max(r['back'] for r in rows if r['back'] is not None):.2f} s")
    return failed


if __name__ == "__main__":
    sys.exit(main())
