"""The page-timing tool reads the server's time per page from its log: the router logs each page run's time
(app.ui.reader_run), and tools/time_pages.py sums the runs logged since its last reading."""
from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

import time_pages  # noqa: E402


def test_a_page_run_logs_its_page_and_time(caplog):
    from basstory.app import ui

    with caplog.at_level(logging.DEBUG, logger=ui.__name__), ui.reader_run("segments"):
        pass
    [line] = [r.getMessage() for r in caplog.records if r.name == ui.__name__]
    assert line.startswith("page run /segments ") and time_pages.RUN_LINE.search(line)


def test_the_tool_sums_the_runs_logged_since_it_last_read(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("2026-12-04 03:00:00 ScriptRunner page run / 0.500 s\nsome other line\n")
    runs = time_pages.ServerRuns(log)
    assert runs.since_last() == 0.5
    assert runs.since_last() == 0.0                                   # nothing new
    with log.open("a") as out:                                        # a visit that ran its page twice
        out.write("x page run /segments 1.250 s\ny basstory.analyses.segments.org_usage computed in 0.9 s\n"
                  "z page run /segments 0.125 s\n")
    assert runs.since_last() == 1.375


def test_each_page_gets_its_own_new_date_range_a_day_further_in():
    ranges = time_pages.change_ranges("2017-02-03:2017-08-27", 3)
    assert ranges == [(date(2017, 2, 3), date(2017, 8, 27)), (date(2017, 2, 4), date(2017, 8, 26)),
                      (date(2017, 2, 5), date(2017, 8, 25))]
    assert len(set(ranges)) == 3


def test_a_change_range_too_short_for_the_pages_is_refused():
    with pytest.raises(SystemExit, match="too short for 13 pages"):
        time_pages.change_ranges("2017-02-03:2017-02-20", 13)


def test_the_change_table_shows_each_page_and_a_timeout():
    rows = [{"page": "cover", "link": 1.234, "new": 0.5, "server": 0.25, "back": 0.2, "sent": 2048, "exceptions": 0},
            {"page": "segments", "link": 1.0, "new": None, "server": 0.0, "back": None, "sent": 0, "exceptions": 1}]
    table = time_pages.format_change_table(rows).splitlines()
    assert table[2] == "| cover | 1.23 | 0.50 | 0.25 | 0.20 | 2 | 0 |"
    assert table[3] == "| segments | 1.00 | timeout | 0.00 | timeout | 0 | 1 |"


@pytest.mark.browser
def test_the_tool_types_a_new_date_range_into_the_sidebar_and_times_its_run(browser, app_url):
    from tests.conftest import wait_idle

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(app_url + "/?period=Custom+range")
    wait_idle(page)
    shown = time_pages.date_field(page, "start"), time_pages.date_field(page, "end")
    took = time_pages.timed_change(page, date(2017, 2, 3), date(2017, 3, 27), 60_000)
    assert 0 < took < 60
    assert parse_qs(urlsplit(page.url).query)["dates"] == ["2017-02-03", "2017-03-27"]
    assert page.locator('[data-testid="stException"]').count() == 0
    time_pages.timed_change(page, *shown, 60_000)                     # back to the link's dates
    assert (time_pages.date_field(page, "start"), time_pages.date_field(page, "end")) == shown
    context.close()
