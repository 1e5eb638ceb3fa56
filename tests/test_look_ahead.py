"""The look-ahead: after a reader's page of a view other than the default one, a child process like the warm-up
computes the other chapters of the reader's track for that view, and the server reads them instead of computing."""
from __future__ import annotations

import logging
import os
import subprocess
import time
from datetime import date

import pytest

from basstory.app import warm_up
from basstory.ingest.store import DatasetStore
from basstory.query import view
from basstory.query.filters import StoryFilters
from basstory.query.shared_results import SharedResults
from basstory.query.tables import connect_version
from basstory.query.view import share_results
from basstory.story.registry import CHAPTERS, track_chapters
from tests.app_helpers import open_page, shown_dataset
from tests.extract_fixtures import ingested_store, write_extracts
from tests.test_engines_agree import builder, canonical, differences

VIEW = StoryFilters(start=date(2017, 2, 3), end=date(2017, 8, 27), systems=("full",), plan_families=("Standard",),
                    tz="UTC")


# --- The view passed to the process ---------------------------------------------------------------------------------

@pytest.mark.parametrize("filters", [StoryFilters(), VIEW, StoryFilters(end=date(2017, 1, 31), statuses=(),
                                                                   plans=("Starter", "Ledger"), managed="yes")])
def test_a_view_goes_to_the_process_and_back_unchanged(filters):
    text = warm_up.filters_json(filters)
    assert warm_up.filters_from_json(text) == filters
    assert hash(warm_up.filters_from_json(text)) == hash(filters)             # the same memo key


@pytest.mark.parametrize("text", ['["start"]', '{"start": "2017-02-30"}', '{"colour": "red"}', "not json"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        warm_up.filters_from_json(text)


def test_the_chapters_are_read_from_the_one_after_the_open_page():
    chapters = track_chapters(None)
    paths = [c.url_path for c in chapters]
    third = paths[2]
    order = [c.url_path for c in warm_up.reading_order(chapters, third)]
    assert order == paths[3:] + paths[:2]
    assert [c.url_path for c in warm_up.reading_order(chapters, paths[-1])] == paths[:-1]
    assert warm_up.reading_order(chapters, "not-a-chapter") == list(chapters)
    assert warm_up.reading_order(chapters, None) == list(chapters)


# --- The program ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store(tmp_path_factory) -> DatasetStore:
    return ingested_store(tmp_path_factory.mktemp("ahead"), "Ahead")


def test_the_look_ahead_computes_the_views_chapters_and_the_server_reads_them(store, tmp_path, caplog):
    version = store.current()
    results = SharedResults(tmp_path / "results", writer=True)
    open_page_path = CHAPTERS[1].url_path
    assert warm_up.look_ahead(store, version.id, results, VIEW, after=open_page_path) == len(CHAPTERS) - 1
    assert len(results) >= len(CHAPTERS) - 1

    reader = connect_version(version)
    share_results(reader, SharedResults(results.directory, writer=False))
    others = [c for c in CHAPTERS if c.url_path != open_page_path]
    with caplog.at_level(logging.DEBUG, logger=view.__name__):
        shown = {c.url_path: canonical(builder(c.url_path)(reader, VIEW, *c.default_choices())) for c in others}
    messages = [r.getMessage() for r in caplog.records]
    computed = [m.split()[0] for m in messages if " computed in " in m]
    assert sum(" read from the warm-up " in m for m in messages) >= len(others)
    assert not computed, f"the reader computed what the look-ahead had: {computed}"
    own = connect_version(version)                      # the same chapters, every analysis computed here
    for chapter in others:
        want = canonical(builder(chapter.url_path)(own, VIEW, *chapter.default_choices()))
        assert not differences(shown[chapter.url_path], want), chapter.url_path


def test_a_track_looks_ahead_at_its_own_chapters_only(store, tmp_path):
    version = store.current()
    results = SharedResults(tmp_path / "results", writer=True)
    track = "operations"
    on_track = track_chapters(track)
    assert len(on_track) < len(CHAPTERS)
    assert warm_up.look_ahead(store, version.id, results, VIEW, after=on_track[0].url_path,
                              track=track) == len(on_track) - 1


def test_the_look_ahead_stops_when_its_version_is_no_longer_current(store, tmp_path):
    results = SharedResults(tmp_path / "gone", writer=True)
    assert warm_up.look_ahead(store, store.current().id, results, VIEW, parent=os.getppid() + 1) == 0
    assert warm_up.look_ahead(store, "no-such-version", results, VIEW) == 0
    assert len(results) == 0


# --- The app starts it ----------------------------------------------------------------------------------------------

def test_the_app_looks_ahead_once_per_view_and_never_at_the_default_one(tmp_path, monkeypatch):
    from basstory.app import ui

    monkeypatch.setenv("BASSTORY_LOOK_AHEAD", "on")
    monkeypatch.setattr(ui, "_look_ahead", None)
    write_extracts(tmp_path / "extracts")
    with shown_dataset(tmp_path / "extracts", tmp_path / "data", "Ahead") as data_dir:
        at = open_page()                                                   # the default view: the warm-up's
        assert not at.exception and ui._look_ahead is None
        query = {"period": "Custom range", "dates": ["2017-02-03", "2017-08-27"]}
        at = open_page(**query)
        assert not at.exception
        (version_id, filters, track), child = ui._look_ahead
        assert version_id == DatasetStore(data_dir / "store").current().id
        assert (filters.start, filters.end, track) == (date(2017, 2, 3), date(2017, 8, 27), None)
        assert "--filters" in child.args and child.args[child.args.index("--after") + 1] == CHAPTERS[0].url_path
        assert open_page(**query) and ui._look_ahead[1] is child               # the same view: not again
        assert child.wait(timeout=300) == 0
        saved = SharedResults(ui.warm_up_results(version_id), writer=False)
        assert len(saved) >= len(CHAPTERS) - 1

        at = open_page(**{**query, "dates": ["2017-03-01", "2017-03-31"]})     # another view ends the older one
        assert not at.exception
        newer = ui._look_ahead[1]
        assert newer is not child and ui._look_ahead[0][1].start == date(2017, 3, 1)
        newer.kill()
        newer.wait()
    monkeypatch.setenv("BASSTORY_LOOK_AHEAD", "off")
    monkeypatch.setattr(ui, "_look_ahead", None)
    assert ui.look_ahead(CHAPTERS[0].path) is None                             # switched off: no process


def test_the_look_ahead_results_are_kept_under_a_budget_oldest_first(tmp_path):
    from basstory.app import ui

    now = time.time()
    for age, name in enumerate(["ahead-newest", "ahead-middle", "ahead-oldest", "warm-up"]):
        path = tmp_path / f"{name}.pickle"
        path.write_bytes(b"x" * 100)
        os.utime(path, (now - age * 60, now - age * 60))
    (tmp_path / ".writing.part").write_bytes(b"x" * 1000)                   # a file being written is never removed
    assert ui.prune_results(tmp_path, budget=250) == 1
    assert sorted(p.name for p in tmp_path.glob("*.pickle")) == ["ahead-middle.pickle", "ahead-newest.pickle",
                                                                  "warm-up.pickle"]
    assert ui.prune_results(tmp_path, budget=100) == 1
    assert ui.prune_results(tmp_path, budget=0) == 1                          # the warm-up's results stay
    assert [p.name for p in tmp_path.glob("*.pickle")] == ["warm-up.pickle"]


def test_a_look_ahead_result_is_read_under_its_own_name_and_never_written_twice(tmp_path):
    from basstory.query.shared_results import AHEAD_TAG

    key = ("basstory.analyses.facts.busiest_month", VIEW, (), ())
    ahead = SharedResults(tmp_path, writer=True, tag=AHEAD_TAG)
    assert ahead.save(key, {"runs": 3})
    assert ahead.path_for(key).name.startswith(AHEAD_TAG)
    assert SharedResults(tmp_path, writer=False).load(key) == (True, {"runs": 3})
    assert not SharedResults(tmp_path, writer=True).save(key, {"runs": 4})     # there already, under the other name
    assert SharedResults(tmp_path, writer=False).load(key[:3] + ((("x", 1),),)) == (False, None)


def test_a_look_ahead_pauses_while_a_readers_page_runs(monkeypatch):
    from basstory.app import ui
    from tests.test_warm_up import process_state, wait_for_state

    child = subprocess.Popen(["sleep", "60"])
    monkeypatch.setattr(ui, "_look_ahead", (("v1", StoryFilters(), None), child))
    monkeypatch.setattr(ui, "WARM_UP_QUIET_S", 0.3)
    try:
        with ui.reader_run():
            assert wait_for_state(child.pid, {"T"}) == "T"
        assert process_state(child.pid) == "T"
        assert wait_for_state(child.pid, {"S", "R"}) in {"S", "R"}
    finally:
        child.kill()
        child.wait()
