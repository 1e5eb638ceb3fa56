"""The Data page's steps without Streamlit (basstory.app.data_workflow): checking uploads, activating, discarding,
deleting, and the tables' formula escaping, on hand-made extracts."""
from __future__ import annotations

import pytest
from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from basstory.app import data_workflow as workflow
from basstory.core.text import fmt_bytes
from basstory.ingest import uploads, versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from tests.extract_fixtures import csv_text, default_fullbas_rows, default_orgcard_rows, write_extracts


def uploaded(name: str, data: str) -> UploadedFile:
    return UploadedFile(UploadedFileRec(file_id=name, name=name, type="text/csv", data=data.encode()), FileURLs())


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    store = DatasetStore(tmp_path / "store")
    ingest(write_extracts(tmp_path / "first"), store, name="First", activate=True)
    return store


def test_a_checked_upload_is_stored_not_activated_with_its_progress(store):
    base = store.current()
    text = csv_text(default_fullbas_rows()[:2])
    seen = []
    outcome = workflow.check_files(store, base, {"fullbas": uploaded("two.csv", text)}, "Two runs",
                                   on_progress=seen.append)
    assert outcome.state == "ok" and not outcome.cache_hit and outcome.base_id == base.id
    new = store.get(outcome.version_id)
    assert new.name == "Two runs" and new.manifest["rows"]["full"] == 2 and store.current() == base
    assert outcome.progress == seen == [
        f"Saving two.csv ({fmt_bytes(len(text.encode()))}) as the fullbas extract…",
        "Validating and converting to parquet; simplebas, orgcard taken from First…",
        "two.csv: 2 rows read, 2 kept, 0 rejected",
    ]
    assert not list(store.tmp_dir.iterdir())


def test_unusable_files_are_an_error_outcome_and_nothing_is_stored(store):
    before = [v.id for v in store.versions()]
    outcome = workflow.check_files(store, store.current(),
                                   {"fullbas": uploaded("orgs.csv", csv_text(default_orgcard_rows()))}, "")
    assert outcome.state == "error" and outcome.version_id is None
    (error,) = [f for f in outcome.report["findings"] if f["severity"] == "error"]
    assert error["file"] == "orgs.csv" and "has the columns of the orgcard extract" in error["message"]
    assert [v.id for v in store.versions()] == before


@pytest.mark.parametrize(("files", "name", "says"), [
    ({"fullbas": ("runs.xlsx", "a")}, "", "runs.xlsx is not named as an extract"),
    ({"fullbas": ("fullbas.csv", "a")}, "Bundled\u00a0sample", "The name is not allowed: 'Bundled sample' is reserved"),
])
def test_refusals_save_nothing(store, files, name, says):
    before = [v.id for v in store.versions()]
    outcome = workflow.check_files(store, store.current(), {s: uploaded(*f) for s, f in files.items()}, name)
    assert outcome.state == "refused" and says in outcome.message
    assert [v.id for v in store.versions()] == before


def test_a_failed_write_is_told_without_the_server_path(store, monkeypatch):
    def no_space(handle, chunk):
        raise OSError(28, "No space left on device", str(store.tmp_dir / "upload-x" / "fullbas.csv"))

    monkeypatch.setattr(uploads, "_write_slice", no_space)
    outcome = workflow.check_files(store, store.current(), {"fullbas": uploaded("fullbas.csv", "a,b\n1,2\n")}, "")
    assert outcome.message == "The upload failed (No space left on device). Nothing was changed; try again."
    assert str(store.root) not in outcome.message


def test_activate_discard_and_delete(store, tmp_path):
    first = store.current()
    outcome = workflow.check_files(store, first, {"fullbas": uploaded("f.csv", csv_text(default_fullbas_rows()[:1]))},
                                   "One run")
    done, message = workflow.activate_version(store, outcome.version_id, "Activated")
    assert done and message == f"Activated One run ({outcome.version_id}): every session now shows it."
    assert store.current().id == outcome.version_id
    assert workflow.activate_version(store, "0" * 16, "Switched to") == (
        False, f"Version {'0' * 16} no longer exists; nothing was changed.")
    done, message = workflow.delete_version(store, outcome.version_id)           # current: refused
    assert not done and message.startswith(f"Not deleted: {outcome.version_id} (One run) is the current dataset")
    assert workflow.discard_check(store, outcome).startswith("Not discarded:")    # activated meanwhile: kept
    versions.switch_to(store, first.id)
    assert workflow.discard_check(store, outcome) == f"Discarded the checked version {outcome.version_id}."
    assert not store.has(outcome.version_id)
    assert workflow.discard_check(store, outcome) == "It was already gone."
    again = workflow.check_files(store, first, {"fullbas": uploaded("f.csv", csv_text(default_fullbas_rows()))}, "")
    assert again.cache_hit and again.version_id == first.id                       # the files of the current one
    assert workflow.discard_check(store, again).startswith("Nothing to discard") and store.has(first.id)


def test_table_cells_that_a_spreadsheet_would_run_are_escaped():
    rows = [{"Name": "=HYPERLINK(\"http://x\")", "File": "+1.csv", "Rows": -3, "Status": "current", "Tab": "\tx"}]
    assert workflow.table_safe(rows) == [{"Name": "'=HYPERLINK(\"http://x\")", "File": "'+1.csv", "Rows": -3,
                                          "Status": "current", "Tab": "'\tx"}]
