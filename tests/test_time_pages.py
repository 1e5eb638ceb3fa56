"""The page-timing tool reads the server's time per page from its log: the router logs each page run's time
(app.ui.reader_run), and tools/time_pages.py sums the runs logged since its last reading."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

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
