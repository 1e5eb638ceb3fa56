"""`python -m basstory datasets` and `ingest`: listing, switching, deleting, and clear errors (exit 2, stderr)."""
from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from basstory.cli import main
from basstory.ingest import versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from tests.extract_fixtures import csv_text, default_fullbas_rows, default_simplebas_rows, write_extracts

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A data folder with two versions: the bundled sample (current) and 'Other' (not activated)."""
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path))
    store = DatasetStore(tmp_path / "store")
    ingest(write_extracts(tmp_path / "bundled"), store, name=versions.BUNDLED_NAME, activate=True)
    ingest(write_extracts(tmp_path / "other", simplebas_rows=default_simplebas_rows()[:2]), store, name="Other")
    return tmp_path


def ids(data_dir: Path) -> dict[str, str]:
    return {v.name: v.id for v in DatasetStore(data_dir / "store").versions()}


def current_id(data_dir: Path) -> str:
    return DatasetStore(data_dir / "store").current().id


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_marks_the_current_and_the_bundled_version(data_dir, capsys):
    code, out, err = run(capsys, "datasets")
    assert code == 0 and err == ""
    by_name = ids(data_dir)
    lines = {version_id: line for line in out.splitlines() for version_id in by_name.values() if version_id in line}
    assert lines[by_name[versions.BUNDLED_NAME]].startswith("* ")
    assert "Bundled sample (bundled)" in lines[by_name[versions.BUNDLED_NAME]]
    assert lines[by_name["Other"]].startswith("  ") and "(bundled)" not in lines[by_name["Other"]]
    assert "fullbas.csv, simplebas.csv, orgcard.csv" in lines[by_name["Other"]]


def test_switch_by_id_or_unique_prefix(data_dir, capsys):
    other = ids(data_dir)["Other"]
    code, out, _ = run(capsys, "datasets", "--switch", other[:6])
    assert code == 0 and f"current dataset is now {other} (Other)" in out
    assert current_id(data_dir) == other


@pytest.mark.parametrize("argv", [["--switch", "0123456789abcdef"], ["--delete", "nope"], ["--switch", "abc"]])
def test_an_unknown_id_is_an_error_and_changes_nothing(data_dir, capsys, argv):
    before = (current_id(data_dir), ids(data_dir))
    code, out, err = run(capsys, "datasets", *argv)
    assert code == 2 and out == ""
    assert f"error: there is no dataset version {argv[1]!r}" in err
    assert "Bundled sample" in err and "Other" in err           # it says what there is
    assert "Nothing was changed" in err
    assert (current_id(data_dir), ids(data_dir)) == before


def test_an_ambiguous_prefix_is_an_error(data_dir, capsys):
    other = ids(data_dir)["Other"]
    twin = other[:8] + ("0" if other[8] != "0" else "1") * 8          # a second version sharing 8 digits
    versions_dir = data_dir / "store" / "versions"
    shutil.copytree(versions_dir / other, versions_dir / twin)
    code, out, err = run(capsys, "datasets", "--switch", other[:8])
    assert code == 2 and out == ""
    assert f"error: {other[:8]!r} matches several dataset versions" in err and other in err and twin in err
    assert run(capsys, "datasets", "--switch", other[:9])[0] == 0     # one more digit is enough
    assert current_id(data_dir) == other


def test_deleting_the_current_version_is_refused(data_dir, capsys):
    other = ids(data_dir)["Other"]
    assert run(capsys, "datasets", "--switch", other)[0] == 0
    code, out, err = run(capsys, "datasets", "--delete", other)
    assert code == 2 and out == ""
    assert f"error: {other} (Other) is the current dataset and cannot be deleted; switch to another version " \
           f"first. Nothing was changed." in err
    assert other in ids(data_dir).values()


def test_the_bundled_sample_is_never_deleted(data_dir, capsys):
    bundled, other = ids(data_dir)[versions.BUNDLED_NAME], ids(data_dir)["Other"]
    run(capsys, "datasets", "--switch", other)
    code, _, err = run(capsys, "datasets", "--delete", bundled)
    assert code == 2 and "is the bundled sample, which is always kept" in err
    assert bundled in ids(data_dir).values()


def test_switch_then_delete_in_one_command(data_dir, capsys):
    store = DatasetStore(data_dir / "store")
    third = ingest(write_extracts(data_dir / "third", fullbas_rows=default_fullbas_rows()[:1]), store,
                   name="Third", activate=True).version
    other = ids(data_dir)["Other"]
    code, out, err = run(capsys, "datasets", "--switch", other, "--delete", third.id)
    assert code == 0, err
    assert f"current dataset is now {other}" in out and f"deleted dataset {third.id} (Third)" in out
    assert current_id(data_dir) == other and "Third" not in ids(data_dir)


def test_a_refused_delete_does_not_switch_either(data_dir, capsys):
    bundled, other = ids(data_dir)[versions.BUNDLED_NAME], ids(data_dir)["Other"]
    code, _, err = run(capsys, "datasets", "--switch", other, "--delete", bundled)
    assert code == 2 and "bundled sample" in err
    assert current_id(data_dir) == bundled


def test_an_empty_store_says_how_to_fill_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path))
    code, out, _ = run(capsys, "datasets")
    assert code == 0 and "no dataset versions" in out and "ingest DIR --activate" in out


def test_ingest_without_activate_says_how_to_activate(data_dir, capsys):
    before = current_id(data_dir)
    folder = data_dir / "new"
    write_extracts(folder, fullbas_rows=default_fullbas_rows()[1:])
    code, out, _ = run(capsys, "ingest", str(folder), "--name", "New")
    new = ids(data_dir)["New"]
    assert code == 0
    assert f"ingested: version {new} (New)" in out
    assert f"not activated: the app still shows {before}" in out and f"datasets --switch {new}" in out
    assert current_id(data_dir) == before


def test_ingest_with_activate_makes_it_current(data_dir, capsys):
    folder = data_dir / "new"
    write_extracts(folder, fullbas_rows=default_fullbas_rows()[1:])
    code, out, _ = run(capsys, "ingest", str(folder), "--activate")
    assert code == 0 and "is the current dataset" in out
    assert current_id(data_dir) == ids(data_dir)["new"]
    # the default view's Full BAS load profile is kept with the version (analyses.concurrency.STORED_PROFILE)
    version = DatasetStore(data_dir / "store").get(current_id(data_dir))
    assert len(list(Path(version.runs_path).parent.glob("period_profile.v1-*.npz"))) == 1


def test_ingest_of_unusable_files_is_an_error_and_changes_nothing(data_dir, capsys):
    before = (current_id(data_dir), ids(data_dir))
    folder = data_dir / "bad"
    write_extracts(folder)
    (folder / "fullbas.csv").unlink()
    (folder / "fullbas.csv.gz").write_bytes(gzip.compress(csv_text(default_fullbas_rows() * 300).encode())[:-30])
    code, out, err = run(capsys, "ingest", str(folder), "--activate")
    assert code == 2 and out == ""
    assert "ERROR fullbas.csv.gz" in err
    assert err.rstrip().endswith("could not be ingested; nothing was changed")
    assert (current_id(data_dir), ids(data_dir)) == before


def test_the_module_exits_with_2_and_writes_to_stderr(data_dir):
    """The real entry point, as an operator runs it."""
    done = subprocess.run([sys.executable, "-m", "basstory", "datasets", "--delete", "ffffffffffffffff"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
                          env={"BASSTORY_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2 and done.stdout == ""
    assert "there is no dataset version 'ffffffffffffffff'" in done.stderr


@pytest.mark.parametrize("name", ["Bundled\u00a0sample", "bundled  SAMPLE", "Bundled\u200b sample"])
def test_ingest_refuses_a_look_alike_of_the_bundled_sample(data_dir, tmp_path, capsys, name):
    before = ids(data_dir)
    write_extracts(tmp_path / "new")
    code, out, err = run(capsys, "ingest", str(tmp_path / "new"), "--name", name)
    assert code == 2 and out == ""
    assert "error: --name:" in err and "reserved for the sample the app ships with" in err
    assert ids(data_dir) == before


def test_ingest_may_name_the_bundled_sample_itself(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path))
    write_extracts(tmp_path / "s")
    code, out, err = run(capsys, "ingest", str(tmp_path / "s"), "--name", versions.BUNDLED_NAME)
    assert code == 0 and f"({versions.BUNDLED_NAME})" in out, err
