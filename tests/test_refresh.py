"""`refresh`: a new version from only what changed in a growing partitioned SOURCE, activated when it checks out."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from basstory.ingest.build import ingest
from basstory.ingest.partitions import list_parts
from basstory.ingest.refresh import refresh, refresh_lock
from basstory.ingest.sample import generate_sample
from basstory.ingest.store import DatasetStore
from basstory.ingest.validation import IngestError
from tests.test_partitioned import move_month_out, partitioned_copy, version_contents

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def flat_sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("flat")
    generate_sample(folder, scale=0.05, seed=12)
    return folder


@pytest.fixture
def growing(flat_sample, tmp_path) -> tuple[Path, Path]:
    """A partitioned SOURCE with its last Full BAS month held back in a folder beside it."""
    source = partitioned_copy(flat_sample, tmp_path / "source")
    last = list_parts(source / "fullbas", "fullbas")[-1].path.parent.name.removeprefix("month=")
    held = move_month_out(source, "fullbas", last, tmp_path / "held")
    return source, held


def test_refresh_after_one_new_partition_equals_a_full_ingest_of_the_same_files(growing, tmp_path):
    source, held = growing
    store = DatasetStore(tmp_path / "store")
    first = refresh(source, store)
    assert first.state == "activated" and store.current().id == first.version.id
    assert refresh(source, store).state == "up to date"  # idempotent

    shutil.move(str(held), source / "fullbas" / held.name)
    second = refresh(source, store)
    assert second.state == "activated" and (second.parts_read, second.parts_reused) == (1, second.parts_reused)
    assert second.parts_reused == len(list_parts(source / "fullbas", "fullbas")) - 1 + len(
        list_parts(source / "simplebas", "simplebas"))
    assert store.current().id == second.version.id != first.version.id

    full = ingest(source, DatasetStore(tmp_path / "full")).version
    assert full.id == second.version.id
    assert version_contents(second.version.path) == version_contents(full.path)
    assert refresh(source, store).state == "up to date"


def test_a_failing_partition_changes_nothing(growing, tmp_path):
    source, held = growing
    store = DatasetStore(tmp_path / "store")
    before = refresh(source, store).version
    broken = source / "simplebas" / "month=2099-01"
    broken.mkdir()
    (broken / "part-0001.csv.gz").write_bytes(b"\x1f\x8b\x08\x00 not a whole gzip stream")
    with pytest.raises(IngestError) as raised:
        refresh(source, store)
    assert any(f.file == "simplebas/month=2099-01/part-0001.csv.gz" for f in raised.value.report.errors)
    assert store.current().id == before.id
    assert [v.id for v in store.versions()] == [before.id]
    assert not any((store.root / "tmp").iterdir())


def test_only_one_refresh_runs_at_a_time(growing, tmp_path):
    source, _ = growing
    store = DatasetStore(tmp_path / "store")
    with refresh_lock(store) as held:
        assert held
        busy = refresh(source, store)
    assert busy.state == "busy" and store.current() is None
    assert refresh(source, store).state == "activated"


def test_the_command_line_refresh(growing, tmp_path):
    source, held = growing
    env = {"BASSTORY_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "basstory", "refresh", str(source)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "activated: version" in done.stdout, done.stderr
    again = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0 and again.stdout.startswith("up to date")
    (source / "fullbas" / "month=2098-01").mkdir()
    (source / "fullbas" / "month=2098-01" / "part-0001.csv").write_text("datestring;timestring\n")
    failed = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode == 2 and "current version is unchanged" in failed.stderr
