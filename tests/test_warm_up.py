"""The warm-up: a child process at the lowest priority computes every chapter for the default view and hands the
results to the server through files (query.shared_results), which the server's memo reads instead of computing."""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from basstory.analyses.concurrency import org_set, period_profile
from basstory.app import warm_up
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from basstory.query import view
from basstory.query.filters import StoryFilters
from basstory.query.shared_results import SharedResults, is_plain
from basstory.query.tables import connect_version
from basstory.query.view import per_view, share_results
from basstory.story.registry import CHAPTERS
from tests.app_helpers import open_page, shown_dataset
from tests.conftest import PROJECT_ROOT
from tests.extract_fixtures import default_fullbas_rows, ingested_store, write_extracts
from tests.test_engines_agree import builder, canonical, differences

KEY = ("basstory.analyses.facts.busiest_month", StoryFilters(start=date(2017, 3, 1)), ("full", 3), ())


# --- The results folder ---------------------------------------------------------------------------------------------

def test_a_result_saved_by_one_process_is_read_by_another(tmp_path):
    saved = {"months": ["2017-03"], "runs": 12}
    assert SharedResults(tmp_path, writer=True).save(KEY, saved)
    found, value = SharedResults(tmp_path, writer=False).load(KEY)
    assert found and value == saved
    assert not list(tmp_path.glob(".*.part"))                      # written under a temporary name, then renamed
    assert SharedResults(tmp_path, writer=False).load(KEY[:3] + ((("x", 1),),)) == (False, None)   # another key


def test_only_plain_keys_are_shared():
    assert is_plain(KEY)
    assert not is_plain(("f", StoryFilters(), ({"a": 1},), ()))     # a dict's repr is not the same in every process
    assert not is_plain(("f", StoryFilters(), (object(),), ()))     # nor an object's (its address)
    assert SharedResults(Path("/nonexistent"), writer=False).path_for(("f", StoryFilters(), ({1},), ())) is None


def test_an_unreadable_result_is_a_miss(tmp_path, caplog):
    results = SharedResults(tmp_path, writer=True)
    results.path_for(KEY).write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING):
        assert SharedResults(tmp_path, writer=False).load(KEY) == (False, None)
    assert "could not be read" in caplog.text
    assert not results.save(KEY, 1)                                   # a file is never written twice


def test_the_memo_reads_what_the_writer_computed(tmp_path):
    calls: list[str] = []

    @per_view
    def counted(con, f: StoryFilters, label: str) -> dict:
        calls.append(label)
        return {"label": label, "rows": [1, 2, 3]}

    import duckdb

    writer, reader = duckdb.connect(), duckdb.connect()
    share_results(writer, SharedResults(tmp_path, writer=True))
    share_results(reader, SharedResults(tmp_path, writer=False))
    assert counted(writer, StoryFilters(), "a") == {"label": "a", "rows": [1, 2, 3]}
    assert calls == ["a"] and len(SharedResults(tmp_path, writer=False)) == 1
    got = counted(reader, StoryFilters(), "a")
    assert got == {"label": "a", "rows": [1, 2, 3]} and calls == ["a"]         # read, not computed
    got["rows"].append(4)                                                       # a caller's copy is its own
    assert counted(reader, StoryFilters(), "a")["rows"] == [1, 2, 3]
    assert counted(reader, StoryFilters(), "b")["label"] == "b" and calls == ["a", "b"]   # not there: computed
    share_results(reader, None)


# --- The warm-up program --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> DatasetStore:
    return ingested_store(tmp_path_factory.mktemp("warm"), "Warm")


def test_the_warm_up_runs_at_the_lowest_priority():
    shown = subprocess.run([sys.executable, "-c", "import os; from basstory.app.warm_up import lowest_priority; "
                                                  "lowest_priority(); print(os.nice(0))"],
                           cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "19"


def test_the_program_says_it_is_ready_before_it_imports_the_story():
    # the server pauses it only once it is ready: what it does before that competes with a reader's page
    script = ("import sys, basstory.app.warm_up; "
              "print(sorted({'pandas', 'duckdb', 'altair', 'numpy'} & set(sys.modules)))")
    shown = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                           check=True)
    assert shown.stdout.strip() == "[]"


def test_the_warm_up_computes_every_chapter_and_the_server_reads_it(store, tmp_path, caplog):
    version = store.current()
    results = tmp_path / "results"
    finished = subprocess.run([sys.executable, "-m", "basstory.app.warm_up", "--store", str(store.root),
                               "--version", version.id, "--results", str(results)],
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "failed" not in finished.stderr
    assert len(SharedResults(results, writer=False)) >= len(CHAPTERS)

    reader = connect_version(version)
    share_results(reader, SharedResults(results, writer=False))
    # the whole period's Full BAS concurrency, which every reader's date range takes its load from, is there too
    assert period_profile.known(reader, org_set(StoryFilters()))
    with caplog.at_level(logging.DEBUG, logger=view.__name__):
        shown = {c.url_path: canonical(builder(c.url_path)(reader, StoryFilters(), *c.default_choices()))
                 for c in CHAPTERS}
    messages = [r.getMessage() for r in caplog.records]
    computed = [m.split()[0] for m in messages if " computed in " in m]
    print("\n".join(computed))
    assert sum(" read from the warm-up " in m for m in messages) >= len(CHAPTERS)
    assert not computed, f"the reader computed what the warm-up had: {computed}"
    own = connect_version(version)                        # the same chapters, every analysis computed here
    for chapter in CHAPTERS:
        want = canonical(builder(chapter.url_path)(own, StoryFilters(), *chapter.default_choices()))
        assert not differences(shown[chapter.url_path], want), chapter.url_path


def test_the_warm_up_stops_when_its_version_is_no_longer_current(store, tmp_path):
    version = store.current()
    results = SharedResults(tmp_path / "gone", writer=True)
    assert warm_up.warm(store, version.id, results, parent=os.getppid() + 1) == 0   # its server has ended
    assert len(results) == 0
    other = tmp_path / "other"
    write_extracts(other, fullbas_rows=default_fullbas_rows()[:2])
    ingest(other, store, name="Other", activate=True)
    try:
        assert warm_up.warm(store, version.id, results) == 0                          # another version is current
        assert len(results) == 0
    finally:
        store.activate(version.id)


def test_the_app_starts_the_warm_up_once_per_version(tmp_path, monkeypatch):
    from basstory.app import ui

    monkeypatch.setenv("BASSTORY_WARM_UP", "on")
    ui.warm_up.clear()                          # other tests' versions may share this one's id, with it switched off
    write_extracts(tmp_path / "extracts")
    with shown_dataset(tmp_path / "extracts", tmp_path / "data", "Started") as data_dir:
        at = open_page()
        assert not at.exception
        version_id = DatasetStore(data_dir / "store").current().id
        child = ui.warm_up(version_id)
        assert isinstance(child, subprocess.Popen)
        assert ui.warm_up(version_id) is child                        # once per version and server process
        began = time.monotonic()
        assert child.wait(timeout=300) == 0
        assert len(SharedResults(ui.warm_up_results(version_id), writer=False)) >= len(CHAPTERS)
        assert time.monotonic() - began < 300
    monkeypatch.setenv("BASSTORY_WARM_UP", "off")
    assert ui.warm_up("not-started") is None                          # switched off: no process


# --- Readers first --------------------------------------------------------------------------------------------------

def process_state(pid: int) -> str:
    """The process's state letter (/proc/<pid>/stat): T when stopped, S or R otherwise."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def wait_for_state(pid: int, wanted: set[str], timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while (state := process_state(pid)) not in wanted and time.monotonic() < deadline:
        time.sleep(0.02)
    return state


@pytest.fixture
def sleeper(monkeypatch):
    """A stand-in warm-up process, registered as the warm-up of version 'v1'."""
    from basstory.app import ui

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.setitem(ui._warm_ups, "v1", child)
    yield child
    child.kill()
    child.wait()


def test_a_readers_page_pauses_the_warm_up_until_a_quiet_moment(sleeper, monkeypatch):
    from basstory.app import ui

    monkeypatch.setattr(ui, "WARM_UP_QUIET_S", 0.5)
    with ui.reader_run():
        assert wait_for_state(sleeper.pid, {"T"}) == "T"              # paused while the page runs
    time.sleep(0.25)
    with ui.reader_run():                                              # another page run: the quiet moment restarts
        assert process_state(sleeper.pid) == "T"
    ended = time.monotonic()
    assert process_state(sleeper.pid) == "T"
    assert wait_for_state(sleeper.pid, {"S", "R"}) in {"S", "R"}        # resumed once the readers were quiet
    assert time.monotonic() - ended >= 0.5 - 0.05
    assert ui.readers_running() == 0


def test_the_server_collects_garbage_once_its_readers_are_quiet_not_after_every_run(monkeypatch):
    import tomllib

    from basstory.app import ui

    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False              # Streamlit's collection after each run: off
    collections = []
    monkeypatch.setattr(ui.gc, "collect", lambda *args: collections.append(time.monotonic()))
    monkeypatch.setattr(ui, "WARM_UP_QUIET_S", 0.3)
    with ui.reader_run():
        pass
    time.sleep(0.1)
    with ui.reader_run():                                 # a run inside the quiet moment: the first one's is void
        pass
    ended = time.monotonic()
    deadline = ended + 5
    while not collections and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.4)
    assert len(collections) == 1                          # once, for the last run
    assert collections[0] - ended >= 0.3 - 0.05


def test_a_version_no_longer_current_loses_its_warm_up(sleeper):
    from basstory.app import ui

    ui.release_other_versions("v2")
    assert sleeper.wait(timeout=10) is not None                       # ended
    assert "v1" not in ui._warm_ups


def test_a_child_is_paused_only_once_it_will_end_with_the_server(monkeypatch, tmp_path):
    from basstory.app import ui

    monkeypatch.setattr(ui, "WARM_UP_QUIET_S", 0.3)
    go = tmp_path / "go"
    script = (f"import pathlib, time\nwhile not pathlib.Path({str(go)!r}).exists(): time.sleep(0.02)\n"
              "print('ready', flush=True)\ntime.sleep(60)\n")
    with ui.reader_run():
        child = ui._start_child([sys.executable, "-c", script])
        monkeypatch.setitem(ui._warm_ups, "v-ready", child)
        try:
            time.sleep(0.3)
            assert process_state(child.pid) in {"S", "R"}                 # not paused before it said "ready"
            go.touch()
            assert wait_for_state(child.pid, {"T"}) == "T"                # then paused: a reader's page runs
        except BaseException:
            child.kill()
            raise
    try:
        assert wait_for_state(child.pid, {"S", "R"}) in {"S", "R"}        # resumed once the readers were quiet
    finally:
        child.kill()
        child.wait()


def test_a_child_outlives_the_page_run_that_started_it(monkeypatch):
    # Streamlit runs each page in a thread that ends with the run, and Linux ends a child that asked to end with its
    # parent when the thread that started it ends: the server starts its children from a thread of its own
    from basstory.app import ui

    monkeypatch.setattr(ui, "WARM_UP_QUIET_S", 0.1)
    script = ("import time; from basstory.app.warm_up import end_with_parent; end_with_parent(); "
              "print('ready', flush=True); time.sleep(3)")
    started = []

    def page_run_body() -> None:
        started.append(ui._start_child([sys.executable, "-c", script]))
        time.sleep(1.5)                      # the rest of the page: the child has asked to end with its parent

    page_run = threading.Thread(target=page_run_body)
    page_run.start()
    page_run.join()                                                   # the page's run has ended
    child = started[0]
    monkeypatch.setitem(ui._warm_ups, "v-thread", child)
    with ui.reader_run():                                             # its pause ends once the readers are quiet
        pass
    try:
        assert child.wait(timeout=30) == 0                            # not killed when that thread ended
    finally:
        if child.poll() is None:
            child.kill()
