"""The rules and tables of basstory.ingest.versions on hand-made extracts, with hand-computed answers."""
from __future__ import annotations

import pytest

from basstory.ingest import versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore, Version
from tests.extract_fixtures import default_fullbas_rows, default_orgcard_rows, orgcard_row, write_extracts

ORG_NEW = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    return DatasetStore(tmp_path / "store")


@pytest.fixture
def base(store, tmp_path) -> Version:
    """The default hand-made extracts: 3 Full BAS runs (1 in scope), 3 Simple BAS runs (2 in scope), 4 orgs (2 in
    scope)."""
    return ingest(write_extracts(tmp_path / "base"), store, name="Base", activate=True).version


def version(manifest: dict) -> Version:
    return Version(id=manifest.get("id", "0" * 16), path=None, manifest=manifest)


@pytest.mark.parametrize(("manifest", "bundled"), [
    ({"name": "Bundled sample"}, True),
    ({"name": "Bundled sample", "bundled": False}, False),   # an explicit flag wins over the name
    ({"name": "March extract", "bundled": True}, True),
    ({"name": "bundled sample"}, False),                     # the app's own name only
    ({"name": "March extract"}, False),
    ({}, False),
])
def test_which_version_is_the_bundled_sample(manifest, bundled):
    assert versions.is_bundled(version(manifest)) is bundled


@pytest.mark.parametrize(("name", "refused"), [
    ("Bundled sample", True), ("  bundled SAMPLE ", True), ("Bundled sample 2", False), ("March", False),
    # look-alikes: shown exactly as the bundled sample's name
    ("Bundled\u00a0sample", True),          # no-break space
    ("Bundled\u3000sample", True),          # ideographic space
    ("Bundled  sample", True),               # two spaces
    ("Bundled\u200b sample", True),         # zero-width space
    ("Bun\u00addled sample", True),         # soft hyphen
    ("\uff22undled sample", True),          # full-width B
    ("Bundled\tsample", True),
    ("Bundled samples", False), ("Bundled-sample", False),
])
def test_uploads_may_not_take_the_bundled_name(name, refused):
    assert (versions.check_upload_name(name) is not None) is refused


def test_delete_refusals():
    current, bundled, other = (version({"id": "a" * 16, "name": "A"}),
                               version({"id": "b" * 16, "name": "Bundled sample"}),
                               version({"id": "c" * 16, "name": "C"}))
    assert "is the current dataset" in versions.delete_refusal(current, current.id)
    assert "bundled sample" in versions.delete_refusal(bundled, current.id)
    assert versions.delete_refusal(other, current.id) is None
    assert versions.delete_refusal(other, None) is None


@pytest.mark.parametrize(("period", "text"), [
    ({"first_run_utc": "2016-08-24T23:00:01", "last_run_utc": "2019-02-28T11:02:05"}, "2016-08-24 to 2019-02-28"),
    ({"first_run_utc": None, "last_run_utc": None}, "no runs"),
    ({}, "no runs"),
    (None, "no runs"),
])
def test_period_text(period, text):
    assert versions.period_text(period) == text


def test_find_version_by_id_and_prefix(store, base):
    assert versions.find_version(store, base.id) == base
    assert versions.find_version(store, base.id[:4].upper()) == base
    with pytest.raises(KeyError, match=f"there is no dataset version '{base.id[:3]}'"):
        versions.find_version(store, base.id[:3])  # too short to be a prefix
    with pytest.raises(KeyError, match=rf"Versions: {base.id} \(Base\)"):
        versions.find_version(store, "ffff0000")


def test_rows_for_the_tables(store, base):
    rows = versions.version_rows([base], base.id)
    assert rows == [{
        "Status": "current", "Name": "Base", "Version (content hash)": base.id,
        "Uploaded (UTC)": versions.short_time(base.created_at),
        "Source files": "fullbas.csv, simplebas.csv, orgcard.csv",
        "Full BAS runs": 3, "Simple BAS runs": 3, "Orgs": 4, "Period (UTC)": "2016-10-10 to 2017-09-16",
    }]
    sources = versions.source_rows(base)
    assert [(r["Extract"], r["Rows read"], r["Kept"], r["Rejected"], r["Origin"]) for r in sources] == [
        ("fullbas", 3, 3, 0, "loaded with this version"), ("simplebas", 3, 3, 0, "loaded with this version"),
        ("orgcard", 4, 4, 0, "loaded with this version")]
    scope = {r["Runs"]: (r["Full BAS"], r["Simple BAS"], r["Total"]) for r in versions.scope_rows(base.report())}
    assert scope == {"in scope": (1, 2, 3), "org not in the org table": (1, 0, 1), "org deleted": (1, 0, 1),
                     "org not paying": (0, 1, 1)}


def test_compare_versions(store, base, tmp_path):
    orgs = [r for r in default_orgcard_rows() if r["shortcode"] != "!Free1"] + [orgcard_row(ORG_NEW, "!New01")]
    new = ingest(write_extracts(tmp_path / "new", fullbas_rows=default_fullbas_rows()[:2], orgcard_rows=orgs),
                 store, name="New").version
    table = {r["Measure"]: (r["Current"], r["New"], r["Change"]) for r in versions.compare_versions(new, base)}
    assert table == {
        "Full BAS runs": ("3", "2", "−1"),
        "Full BAS runs in scope": ("1", "1", "no change"),
        "Simple BAS runs": ("3", "3", "no change"),
        "Simple BAS runs in scope": ("2", "2", "no change"),   # !Free1 was not paying; now it is unknown
        "Organisations": ("4", "4", "no change"),
        "Organisations in scope (active, paying)": ("2", "3", "+1"),
        "Organisations new in this extract": ("", "1", ""),
        "Organisations no longer in it": ("", "1", ""),
        "First run (UTC)": ("2016-10-10", "2016-10-11", "changed"),
        "Last run (UTC)": ("2017-09-16", "2017-09-16", "same"),
    }


def test_delete_version_follows_the_rules(store, base, tmp_path):
    other = ingest(write_extracts(tmp_path / "other", fullbas_rows=default_fullbas_rows()[:1]), store,
                   name="Other").version
    with pytest.raises(versions.VersionRefused, match="current dataset"):
        versions.delete_version(store, base.id)
    assert versions.delete_version(store, other.id) == other
    assert not store.has(other.id)
    with pytest.raises(KeyError):
        versions.delete_version(store, other.id)
