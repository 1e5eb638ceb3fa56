"""AppTest of the Data page: read-only without a password, the analyst gate, uploading a new extract (all of it or
a part), the validation report, activation for every session, switching and deleting, and bad input at the upload
layer. Each test works on its own copy of the test store, so the session-wide dataset other tests read is untouched.
"""
from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from basstory.analyses.facts import key_facts
from basstory.app import access
from basstory.ingest import uploads, versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from basstory.query.tables import connect_version
from basstory.story.narrative import fmt_int
from tests.extract_fixtures import write_extracts

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
ANALYST_APP = str(Path(__file__).resolve().parents[1] / "analyst_app.py")
DATA_PAGE = "pages/data.py"
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def no_limits_carried_over(monkeypatch):
    """Every test starts with no failed attempts on record, and a wrong password answers at once."""
    access.LIMITER.reset()
    monkeypatch.setattr(access, "FAILURE_PAUSE_S", 0.0)
    yield
    access.LIMITER.reset()


@pytest.fixture
def data_dir(sample_data_dir, tmp_path, monkeypatch) -> Path:
    """A private copy of the session's test store; BASSTORY_DATA_DIR points at it; no analyst password is set."""
    shutil.copytree(sample_data_dir / "store", tmp_path / "store", ignore=shutil.ignore_patterns("tmp", ".lock"))
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv(access.ENV_VAR, raising=False)
    return tmp_path


@pytest.fixture
def store(data_dir) -> DatasetStore:
    return DatasetStore(data_dir / "store")


@pytest.fixture
def sample_lines(sample_data_dir) -> dict[str, list[str]]:
    """The session sample's extracts as lines (header first)."""
    return {slot: (sample_data_dir / "sample" / f"{slot}.csv").read_text().splitlines(keepends=True)
            for slot in ("fullbas", "simplebas", "orgcard")}


def first_rows(lines: list[str], n: int) -> bytes:
    return "".join(lines[: n + 1]).encode()


def data_page() -> AppTest:
    """The viewer app's Data page in a new session."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception, at.exception
    return at


def analyst_app(monkeypatch=None, *, secret: str | None = None) -> AppTest:
    """The analyst app in a new session; with `monkeypatch`, the password is set in the environment."""
    if monkeypatch is not None:
        monkeypatch.setenv(access.ENV_VAR, PASSWORD)
    at = AppTest.from_file(ANALYST_APP, default_timeout=60)
    if secret is not None:
        at.secrets[access.SECRET_KEY] = secret
    at.run()
    assert not at.exception, at.exception
    return at


def plain(text: str) -> str:
    """Markdown as the reader sees it: backslash escapes (md_escape) removed."""
    return re.sub(r"\\(.)", r"\1", text)


def texts(at: AppTest, kind: str) -> str:
    return plain("\n".join(e.value for e in getattr(at, kind)))


def keys(at: AppTest, kind: str) -> set[str]:
    return {w.key for w in getattr(at, kind)}


def upload(at: AppTest, password: str = PASSWORD, name: str | None = None, **files: tuple[str, bytes]) -> AppTest:
    """Put files in the slot uploaders (slot=(name, bytes)), type the name and password, press "Check the files"."""
    for slot, (file_name, data) in files.items():
        at.file_uploader(key=f"upload_{slot}").set_value((file_name, data, "application/octet-stream"))
    if name is not None:
        at.text_input(key="upload_name").input(name)
    at.text_input(key="upload_password").input(password)
    at.button(key="check_upload").click().run()
    assert not at.exception, at.exception
    return at


def press(at: AppTest, button: str, password_key: str, password: str = PASSWORD) -> AppTest:
    """Type the password into a form and press one of its buttons."""
    at.text_input(key=password_key).input(password)
    at.button(key=button).click().run()
    assert not at.exception, at.exception
    return at


def snapshot(store: DatasetStore) -> tuple[str, list[str]]:
    return store.current().id, sorted(v.id for v in store.versions())


def leftovers(store: DatasetStore) -> list[Path]:
    return list(store.tmp_dir.iterdir()) if store.tmp_dir.exists() else []


# --- the viewer app changes nothing ---------------------------------------------------------------------------------

def test_the_viewer_data_page_is_read_only_even_with_a_password_set(data_dir, store, monkeypatch):
    monkeypatch.setenv(access.ENV_VAR, PASSWORD)
    at = data_page()
    assert "analyst app" in texts(at, "info") and "make analyst" in texts(at, "info")
    assert not at.get("file_uploader") and not at.text_input
    assert not keys(at, "button") & {"check_upload", "switch_version", "delete_version", "activate_upload"}
    assert any(store.current().id in str(df.value.to_dict()) for df in at.dataframe)   # the list is there


def test_table_cells_cannot_run_as_formulas(data_dir, store):
    """A version named like a formula is shown with a leading apostrophe, so the table's CSV download is safe."""
    ingest(write_extracts(data_dir / "tiny"), store, name="=HYPERLINK(\"http://x\",\"y\")")
    at = data_page()
    names = next(df.value for df in at.dataframe if "Name" in df.value.columns)["Name"].tolist()
    assert "'=HYPERLINK(\"http://x\",\"y\")" in names


# --- the analyst app: the password, per action ----------------------------------------------------------------------

def test_without_a_password_set_the_analyst_app_changes_nothing(data_dir, store):
    at = analyst_app()
    info = texts(at, "info")
    assert "no analyst password is set" in info and access.ENV_VAR in info and "secrets.toml" in info
    assert not at.get("file_uploader") and not keys(at, "button") & {"check_upload", "switch_version"}


def test_a_wrong_password_checks_nothing_and_is_logged_without_the_attempt(data_dir, store, sample_lines,
                                                                          monkeypatch, caplog):
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    with caplog.at_level("WARNING", logger="basstory.access"):
        upload(at, password="guess-1234", fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 10)))
    assert "That is not the analyst password" in texts(at, "error")
    assert snapshot(store) == before and leftovers(store) == []
    assert "guess-1234" not in caplog.text and "action: check files" in caplog.text


def test_every_change_needs_the_password_again(data_dir, store, sample_lines, monkeypatch):
    """Nothing is remembered: after checking with the password, Activate without it does nothing, and the session
    holds neither the password nor anything derived from it."""
    first = store.current()
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 100)))
    assert at.status[0].state == "complete"
    session_values = " ".join(str(at.session_state[k]) for k in at.session_state)
    assert PASSWORD not in session_values and access.session_token(PASSWORD) not in session_values
    assert at.text_input(key="review_password").value == ""               # cleared when the form was sent
    at.button(key="activate_upload").click().run()
    assert "Type the analyst password to activate a dataset" in texts(at, "error")
    assert store.current() == first


def test_a_wrong_password_slows_the_next_attempt(data_dir, store, sample_lines, monkeypatch):
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 100)))
    first = store.current()
    press(at, "activate_upload", "review_password", "wrong")
    assert "That is not the analyst password. Wait 1 s" in texts(at, "error")
    press(at, "activate_upload", "review_password")                     # at once: refused, however right
    assert "Wait 1 s before trying again" in texts(at, "error") and store.current() == first


def test_the_password_from_secrets_works_and_the_environment_wins(data_dir, store, sample_lines, monkeypatch):
    at = analyst_app(secret=PASSWORD)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 50)))
    assert at.status[0].state == "complete"
    monkeypatch.setenv(access.ENV_VAR, "from-env")
    at = analyst_app(secret=PASSWORD)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 60)))
    assert "That is not the analyst password" in texts(at, "error") and not at.status


# --- uploading ------------------------------------------------------------------------------------------------------

def test_upload_part_of_an_extract_review_then_activate(data_dir, store, sample_lines, monkeypatch):
    first = store.current()
    at = analyst_app(monkeypatch)
    assert "taken from the current dataset" in texts(at, "markdown")
    upload(at, name="First 2,000 Full BAS runs",
           fullbas=("fullbas-head.csv", first_rows(sample_lines["fullbas"], 2000)))

    status = at.status[0]
    assert status.state == "complete" and "review" in status.label
    progress = texts(at, "markdown")
    assert "Saving fullbas-head.csv" in progress and "fullbas-head.csv: 2,000 rows read, 2,000 kept, 0 rejected" \
        in progress
    assert "simplebas, orgcard taken from Test sample" in progress
    # nothing is live yet, but the version is stored
    new = next(v for v in store.versions() if v.name == "First 2,000 Full BAS runs")
    assert store.current() == first
    labels = [plain(e.label) for e in at.expander]
    assert any(label.startswith("Full BAS runs (fullbas): fullbas-head.csv, 2,000 of 2,000") for label in labels)
    assert any(f"taken from version {first.id}" in label for label in labels)
    frames = [df.value for df in at.dataframe]
    scope = next(f for f in frames if "Runs" in f.columns)
    assert {"in scope", "org not in the org table"} <= set(scope["Runs"])
    compare = next(f for f in frames if "Measure" in f.columns).set_index("Measure")
    assert compare.loc["Full BAS runs", "New"] == "2,000"
    assert compare.loc["Full BAS runs", "Current"] == fmt_int(first.manifest["rows"]["full"])
    assert compare.loc["Simple BAS runs", "Change"] == "no change"
    assert leftovers(store) == []

    press(at, "activate_upload", "review_password")
    assert store.current() == new
    assert f"Activated First 2,000 Full BAS runs ({new.id})" in texts(at, "success")
    assert "Data updated" not in texts(at, "info")         # this session did it: no "someone else" notice
    assert at.metric[0].value == "2,000"                    # the page now shows the new dataset


def test_warnings_do_not_block_and_show_the_offending_lines(data_dir, store, sample_lines, monkeypatch):
    lines = sample_lines["fullbas"][:301]
    header = lines[0].rstrip("\n").split(",")
    bad = lines[5].rstrip("\n").split(",")
    bad[header.index("datestring")] = "11/10/2016"
    lines[5] = ",".join(bad) + "\n"
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", "".join(lines).encode()))
    warning = texts(at, "warning")
    assert "Warnings do not block activation" in warning and "line 6" in warning
    assert any("line 6: " + lines[5].rstrip("\n") in c.value for c in at.code)
    assert not at.button(key="activate_upload").disabled


def test_a_file_in_the_wrong_slot_is_refused_and_nothing_changes(data_dir, store, sample_lines, monkeypatch):
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("orgcard.csv", first_rows(sample_lines["orgcard"], 50)))
    assert at.status[0].state == "error"
    errors = texts(at, "error")
    assert "nothing was changed" in errors
    assert "was given as the fullbas extract but has the columns of the orgcard extract" in errors
    assert "activate_upload" not in keys(at, "button")
    assert snapshot(store) == before and leftovers(store) == []


def test_a_corrupt_gzip_is_refused_and_nothing_changes(data_dir, store, sample_lines, monkeypatch):
    before = snapshot(store)
    cut = gzip.compress(first_rows(sample_lines["fullbas"], 3000))[:-100]
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv.gz", cut))
    errors = texts(at, "error")
    assert "nothing was changed" in errors and "ERROR fullbas.csv.gz" in errors and "could not be read" in errors
    assert "activate_upload" not in keys(at, "button")
    assert str(data_dir) not in errors                         # no server path
    assert snapshot(store) == before and leftovers(store) == []


def test_a_file_over_the_limit_is_refused_with_its_name_and_the_limit(data_dir, store, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    upload(at, simplebas=("simplebas-big.csv", b"x" * 2048))
    assert "simplebas-big.csv is 2.0 KB, over the limit of 1.0 KB per file" in texts(at, "error")
    assert at.status[0].state == "error"
    assert snapshot(store) == before and leftovers(store) == []


def test_an_upload_broken_midway_leaves_nothing(data_dir, store, sample_lines, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 4096)
    calls = []

    def breaks(handle, chunk):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(data_dir / "store" / "tmp" / "x" / "fullbas.csv"))
        handle.write(chunk)

    monkeypatch.setattr(uploads, "_write_slice", breaks)
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 500)))
    errors = texts(at, "error")
    assert "The upload failed (No space left on device)" in errors and str(data_dir) not in errors
    assert snapshot(store) == before and leftovers(store) == []


@pytest.mark.parametrize("name", ["bundled SAMPLE", "Bundled\u00a0sample"])
def test_the_bundled_name_and_its_look_alikes_are_reserved(data_dir, store, sample_lines, monkeypatch, name):
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    upload(at, name=name, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 10)))
    assert "reserved" in texts(at, "error")
    assert snapshot(store) == before


def test_discard_removes_the_checked_version(data_dir, store, sample_lines, monkeypatch):
    before = snapshot(store)
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 100)))
    assert len(store.versions()) == len(before[1]) + 1
    press(at, "discard_upload", "review_password")
    assert snapshot(store) == before and "activate_upload" not in keys(at, "button")
    assert "Discarded the checked version" in texts(at, "success")


def test_the_same_files_again_are_recognised(data_dir, store, sample_lines, monkeypatch):
    at = analyst_app(monkeypatch)
    upload(at, fullbas=("fullbas.csv", "".join(sample_lines["fullbas"]).encode()))
    assert "exactly the dataset the story already shows" in texts(at, "info")
    assert at.button(key="activate_upload").disabled


# --- one dataset per run, and the notice --------------------------------------------------------------------------

def cover_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def facts_of(version) -> dict:
    return key_facts(connect_version(version))


def test_a_session_sees_the_new_dataset_on_its_next_run_with_a_notice(data_dir, store, sample_lines, monkeypatch):
    viewer = AppTest.from_file(APP, default_timeout=60).run()       # a reader on the cover
    before = cover_values(viewer)
    analyst = analyst_app(monkeypatch)
    upload(analyst, name="Smaller extract", fullbas=("fullbas.csv", first_rows(sample_lines["fullbas"], 3000)))
    press(analyst, "activate_upload", "review_password")
    new = store.current()
    assert new.name == "Smaller extract"

    viewer.run()                                                   # the reader's next interaction
    assert not viewer.exception
    assert f"Data updated: now showing extract Smaller extract ({new.id})." in texts(viewer, "info")
    after = cover_values(viewer)
    assert after["Users of either"] == fmt_int(facts_of(new)["users_either"]) != before["Users of either"]
    viewer.run()                                                   # said once
    assert "Data updated" not in texts(viewer, "info")


def test_a_run_finishes_on_the_version_it_started_with(data_dir, store, monkeypatch):
    first = store.current()
    second = ingest(write_extracts(data_dir / "tiny"), store, name="Tiny").version
    import basstory.app.ui as ui

    real_filters = ui.sidebar_filters
    activated = []

    def filters_then_activate():
        if not activated:                      # another session activates while this run is drawing the page
            store.activate(second.id)
            activated.append(True)
        return real_filters()

    monkeypatch.setattr(ui, "sidebar_filters", filters_then_activate)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert store.current() == second
    assert at.session_state["dataset_version"] == first.id
    assert cover_values(at)["Users of either"] == fmt_int(facts_of(first)["users_either"])
    at.run()
    assert at.session_state["dataset_version"] == second.id
    assert "Data updated: now showing extract Tiny" in texts(at, "info")


# --- switching and deleting -----------------------------------------------------------------------------------------

def test_switch_and_delete_versions(data_dir, store, monkeypatch):
    first = store.current()
    other = ingest(write_extracts(data_dir / "tiny"), store, name="Tiny").version
    at = analyst_app(monkeypatch)
    assert at.button(key="switch_version").disabled            # the current one is selected
    assert at.button(key="delete_version").disabled
    at.selectbox(key="version_choice").set_value(other.id).run()
    press(at, "switch_version", "version_password")
    assert store.current() == other and f"Switched to Tiny ({other.id})" in texts(at, "success")

    at.selectbox(key="version_choice").set_value(first.id).run()
    at.button(key="delete_version").click().run()              # no password: nothing happens
    assert "Type the analyst password to delete a dataset" in texts(at, "error") and store.has(first.id)
    press(at, "delete_version", "version_password")
    assert not store.has(first.id) and f"Deleted Test sample ({first.id})" in texts(at, "success")


def test_the_bundled_sample_cannot_be_deleted(data_dir, store, monkeypatch):
    bundled = ingest(write_extracts(data_dir / "tiny"), store, name=versions.BUNDLED_NAME).version
    at = analyst_app(monkeypatch)
    at.selectbox(key="version_choice").set_value(bundled.id).run()
    assert at.button(key="delete_version").disabled
    assert "bundled sample, which is always kept" in at.button(key="delete_version").help
    with pytest.raises(versions.VersionRefused):
        versions.delete_version(store, bundled.id)


def test_the_page_pins_a_version_even_without_the_router(data_dir, store):
    """On a fresh server the first deep link to /data may run the page script alone (Streamlit's pages/ folder
    mode until st.navigation has run once): the page pins the current version itself."""
    at = AppTest.from_file(str(Path(APP).parent / DATA_PAGE), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.session_state["dataset_version"] == store.current().id
