"""A version that is no longer current leaves the server's memory: the next page run of any session drops the
connection (and the tables it holds) of every version but the current one."""
from __future__ import annotations

from basstory.app import ui
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from tests.app_helpers import open_page, shown_dataset
from tests.extract_fixtures import default_simplebas_rows, write_extracts


def test_switching_versions_releases_the_old_connection(tmp_path):
    write_extracts(tmp_path / "first")
    with shown_dataset(tmp_path / "first", tmp_path / "data", "First") as data_dir:
        store = DatasetStore(data_dir / "store")
        first = store.current().id
        at = open_page()
        assert not at.exception
        assert ui._opened == {first}
        old = ui.connection(first)

        write_extracts(tmp_path / "second", simplebas_rows=default_simplebas_rows()[:2])
        second = ingest(tmp_path / "second", store, name="Second", activate=True).version.id
        at.run()                                                 # this session's next interaction
        assert not at.exception
        assert ui._opened == {second}
        assert ui.connection(second) is not old
        # the old version's connection was dropped from the cache: asking for it again opens a new one
        assert ui.connection(first) is not old
        ui.release_other_versions(second)
        assert ui._opened == {second}
