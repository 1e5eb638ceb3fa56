"""The dataset store: layout, activation, deletion, atomicity under failure, and concurrent writers."""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time

import pyarrow.parquet as pq
import pytest

import basstory.ingest.build
import basstory.ingest.store
from basstory.ingest.build import ingest
from basstory.ingest.derive import DERIVED_FILES, FORMAT_FILE
from basstory.ingest.store import DatasetStore, Version
from tests.extract_fixtures import default_fullbas_rows, write_extracts


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    return DatasetStore(tmp_path / "store")


def two_versions(tmp_path, store) -> tuple[Version, Version]:
    write_extracts(tmp_path / "a")
    write_extracts(tmp_path / "b", fullbas_rows=default_fullbas_rows()[:1])
    first = ingest(tmp_path / "a", store).version
    time.sleep(0.002)  # created_at has millisecond resolution
    second = ingest(tmp_path / "b", store).version
    return first, second


def test_an_empty_store_has_no_version(store):
    assert store.current() is None and store.versions() == []
    with pytest.raises(KeyError, match="no version 'abc'"):
        store.get("abc")


def test_layout_of_a_version(tmp_path, store):
    write_extracts(tmp_path / "a")
    version = ingest(tmp_path / "a", store).version
    assert version.path == store.root / "versions" / version.id
    derived = {FORMAT_FILE, *DERIVED_FILES}   # what ingest.derive adds for the query layer
    assert sorted(p.name for p in version.path.iterdir() if p.name not in derived) == [
        "manifest.json", "orgs.parquet", "report.json", "runs.parquet"]
    assert derived <= {p.name for p in version.path.iterdir()}
    assert (store.root / "CURRENT").read_text().strip() == version.id
    assert not (store.root / "CURRENT.tmp").exists()
    assert not any(store.tmp_dir.iterdir())


def test_versions_newest_first_and_activation(tmp_path, store):
    first, second = two_versions(tmp_path, store)
    assert [v.id for v in store.versions()] == [second.id, first.id]
    assert store.current() == first
    store.activate(second.id)
    assert store.current() == second
    assert (store.root / "CURRENT").read_text().strip() == second.id
    with pytest.raises(KeyError):
        store.activate("0000000000000000")
    assert store.current() == second


def test_delete_refuses_the_current_version(tmp_path, store):
    first, second = two_versions(tmp_path, store)
    with pytest.raises(ValueError, match=f"version {first.id} is the current version and cannot be deleted"):
        store.delete(first.id)
    assert first.runs_path.is_file()
    store.delete(second.id)
    assert [v.id for v in store.versions()] == [first.id]
    assert not second.path.exists() and not any(store.tmp_dir.iterdir())
    with pytest.raises(KeyError):
        store.delete(second.id)


def test_current_pointing_at_a_missing_version_is_none(tmp_path, store):
    first, _ = two_versions(tmp_path, store)
    (store.root / "CURRENT").write_text("feedfeedfeedfeed\n")
    assert store.current() is None


def test_versions_compare_and_hash_by_id_and_path(tmp_path, store):
    first, _ = two_versions(tmp_path, store)
    again = store.get(first.id)
    assert again == first and hash(again) == hash(first) and {first, again} == {first}


@pytest.mark.parametrize("failing_step", ["write_runs", "scope_counts", "write_json"])
def test_a_failure_mid_ingest_leaves_the_store_as_it_was(tmp_path, store, monkeypatch, failing_step):
    first, second = two_versions(tmp_path, store)
    real = getattr(basstory.ingest.build, failing_step)

    def half_then_fail(*args, **kwargs):
        real(*args, **kwargs)  # the step writes its file, then the process "dies"
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(basstory.ingest.build, failing_step, half_then_fail)
    write_extracts(tmp_path / "c", fullbas_rows=default_fullbas_rows()[1:])
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(tmp_path / "c", store, activate=True)
    assert store.current() == first
    assert sorted(p.name for p in (store.root / "versions").iterdir()) == sorted([first.id, second.id])
    assert not any(store.tmp_dir.iterdir())


def test_a_failure_while_publishing_leaves_the_store_as_it_was(tmp_path, store, monkeypatch):
    first, _ = two_versions(tmp_path, store)

    def failing_rename(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "rename", failing_rename)
    write_extracts(tmp_path / "c", fullbas_rows=default_fullbas_rows()[1:])
    with pytest.raises(OSError, match="disk full"):
        ingest(tmp_path / "c", store, activate=True)
    monkeypatch.undo()
    assert store.current() == first and len(store.versions()) == 2
    assert not any(store.tmp_dir.iterdir())


def run_in_threads(*jobs):
    """Run the callables at the same moment in threads; return their results (re-raising any error)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def runner(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_concurrent_ingests_of_the_same_files_make_one_version(tmp_path):
    write_extracts(tmp_path / "a")
    root = tmp_path / "store"
    results = run_in_threads(lambda: ingest(tmp_path / "a", DatasetStore(root)),
                             lambda: ingest(tmp_path / "a", DatasetStore(root)))
    store = DatasetStore(root)
    assert results[0].version == results[1].version
    assert [v.id for v in store.versions()] == [results[0].version.id]
    assert store.current() == results[0].version
    assert pq.read_table(store.current().runs_path).num_rows == 6
    assert not any(store.tmp_dir.iterdir())


def test_concurrent_ingests_of_different_files_make_two_versions(tmp_path):
    write_extracts(tmp_path / "a")
    write_extracts(tmp_path / "b", fullbas_rows=default_fullbas_rows()[:1])
    root = tmp_path / "store"
    results = run_in_threads(lambda: ingest(tmp_path / "a", DatasetStore(root), activate=True),
                             lambda: ingest(tmp_path / "b", DatasetStore(root), activate=True))
    store = DatasetStore(root)
    assert {v.id for v in store.versions()} == {r.version.id for r in results}
    assert store.current() in [r.version for r in results]
    for result in results:
        assert pq.read_table(result.version.runs_path).num_rows == result.version.manifest["rows"]["full"] + 3


def test_file_hashes_are_remembered_until_the_file_changes(tmp_path, store, monkeypatch):
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n")
    assert store.file_sha256(path) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert not (store.root / "file_hashes.json").exists()  # just written: not settled, so not remembered

    monkeypatch.setattr(basstory.ingest.store, "_HASH_MEMO_SETTLE_SECONDS", 0.0)
    assert store.file_sha256(path) == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert list(json.loads((store.root / "file_hashes.json").read_text()).values()) == \
           [hashlib.sha256(b"a,b\n1,2\n").hexdigest()]
    time.sleep(0.05)  # past the file-time tick the settle period stands for
    path.write_bytes(b"a,b\n1,3\n")  # same size, same inode
    assert store.file_sha256(path) == hashlib.sha256(b"a,b\n1,3\n").hexdigest()


def test_stale_work_folders_are_removed_fresh_ones_kept(store):
    stale, fresh = store.new_work_dir(), store.new_work_dir()
    old = time.time() - 3 * 24 * 3600
    os.utime(stale, (old, old))
    store.remove_stale_work_dirs()
    assert not stale.exists() and fresh.exists()
