"""`python -m basstory facts DIR` leaves the app's store as it found it, unless told `--keep`."""
import json

from basstory.cli import main
from basstory.ingest.store import DatasetStore
from tests.extract_fixtures import ORG_ACTIVE, USER_A, fullbas_row, simplebas_row, write_extracts


def extracts(tmp_path):
    write_extracts(tmp_path / "extracts", fullbas_rows=[fullbas_row("2017-02-01", "01:02:03Z", USER_A,
                                                                    ORG_ACTIVE.lower())],
                   simplebas_rows=[simplebas_row("2017-02-02 03:04:05", USER_A, "!abcDE", "2017", "1")])
    return tmp_path / "extracts"


def test_facts_leave_no_version_in_the_apps_store(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path / "data"))
    assert main(["facts", str(extracts(tmp_path)), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["fullbas_runs"] == 1
    assert facts["beyond"]["segments"]["orgs"] == 1                   # the one active org, with a run of each report
    assert facts["beyond"]["segments"]["system_segments"]["both"] == 1
    assert facts["beyond"]["at_risk"]["deleted_orgs"] == 1
    store = DatasetStore(tmp_path / "data" / "store")
    assert store.versions() == [] and store.current() is None


def test_facts_keep_stores_the_version_as_ingest_would(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path / "data"))
    assert main(["facts", str(extracts(tmp_path)), "--keep"]) == 0
    assert "Busiest month: February 2017 with 2 runs" in capsys.readouterr().out
    store = DatasetStore(tmp_path / "data" / "store")
    assert len(store.versions()) == 1
