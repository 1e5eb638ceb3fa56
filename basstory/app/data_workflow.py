"""The Data page's workflow: what the story shows, every stored version, and, in the analyst app only, loading a new
extract (upload -> check -> review -> activate or discard) and switching or deleting versions.

Two apps share this module (see the README's "Data page" section for why):
- the **viewer app** (`streamlit_app.py`, port 8501, `server.maxUploadSize = 0`) draws `viewer_page`: read-only,
  with no uploader and no change action at all, so a viewer has nothing to unlock and its upload endpoint takes no
  file;
- the **analyst app** (`analyst_app.py`, `make analyst`, port 8502 on 127.0.0.1, 1 GB uploads) draws `analyst_page`.
  Every change there is a form sent with the analyst password typed in it (`access.LIMITER` checks it, limited and
  logged; the field is cleared when the form is sent): no session holds a credential.

The steps that do not draw (`check_files`, `activate_version`, `discard_check`, `delete_version`) take plain values
and return what to show, so tests/test_data_workflow.py runs them without Streamlit.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from basstory.app import access, ui
from basstory.core.schema import EXTRACT_BY_SLOT, EXTRACTS
from basstory.core.text import fmt_bytes, fmt_int, md_escape
from basstory.export.html import escape_cell
from basstory.ingest import uploads, versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore, Version
from basstory.ingest.validation import Finding, IngestError, ValidationReport

SLOT_TITLES = {"fullbas": "Full BAS runs (fullbas)", "simplebas": "Simple BAS runs (simplebas)",
               "orgcard": "Organisations (orgcard)"}
COUNT_COLUMNS = {name: st.column_config.NumberColumn(format="localized")
                 for name in ("Rows read", "Kept", "Rejected", "Full BAS runs", "Simple BAS runs", "Orgs",
                              "Full BAS", "Simple BAS", "Total")}
ANALYST_PORT = 8502
ANALYST_APP_HINT = (f"Datasets are loaded, switched and deleted in the **analyst app**, which the operator starts "
                    f"with `make analyst` (port {ANALYST_PORT}, reachable from the server itself or through an SSH "
                    f"tunnel). This app cannot change data.")


# --- The steps, without Streamlit -----------------------------------------------------------------------------------

@dataclass
class CheckOutcome:
    """What checking uploaded files gave: `state` 'refused' (nothing saved; `message`), 'error' (the files cannot be
    used; `report`) or 'ok' (a new version, not active: `version_id`, `report`, `cache_hit`). `excerpts`: file name ->
    {line: text} of the lines the report points at. `progress` lists what was done, in order, for the status box."""

    state: str
    message: str = ""
    version_id: str | None = None
    base_id: str | None = None
    report: dict[str, Any] = field(default_factory=dict)
    cache_hit: bool = False
    excerpts: dict[str, dict[int, str]] = field(default_factory=dict)
    progress: list[str] = field(default_factory=list)


def check_files(store: DatasetStore, base: Version, chosen: Mapping[str, Any], name: str,
                on_progress: Callable[[str], None] | None = None) -> CheckOutcome:
    """Spool `{slot: upload}`, validate and stage them as a new version (not activated); the other slots are taken from
    `base`. Nothing here raises for bad input: the outcome says what happened, without a server path."""
    progress: list[str] = []

    def say(text: str) -> None:
        progress.append(text)
        if on_progress is not None:
            on_progress(text)

    refusal = versions.check_upload_name(name) if name else None
    if refusal:
        return CheckOutcome("refused", f"The name is not allowed: {refusal}.")
    try:
        with uploads.spooled_uploads(chosen, store, on_file=lambda slot, file_name, size: say(
                f"Saving {file_name} ({fmt_bytes(size)}) as the {slot} extract…")) as paths:
            kept = [e.slot for e in EXTRACTS if e.slot not in paths]
            also = f"; {', '.join(kept)} taken from {base.name}" if kept else ""
            say(f"Validating and converting to parquet{also}…")
            try:
                result = ingest(paths, store, name=name or None, activate=False)
            except IngestError as error:
                outcome = CheckOutcome("error", report=error.report.to_dict(),
                                       excerpts=uploads.report_excerpts(paths, error.report))
            else:
                outcome = CheckOutcome("ok", version_id=result.version.id, base_id=base.id,
                                       report=result.report.to_dict(), cache_hit=result.cache_hit,
                                       excerpts=uploads.report_excerpts(paths, result.report))
    except uploads.UploadRefused as refused:
        return CheckOutcome("refused", str(refused), progress=progress)
    except OSError as error:
        reason = error.strerror or type(error).__name__       # never the path: it is the server's
        return CheckOutcome("refused", f"The upload failed ({reason}). Nothing was changed; try again.",
                            progress=progress)
    report = ValidationReport.from_dict(outcome.report)
    for stats in report.files.values():
        if not stats.get("reused_from"):
            say(f"{stats['file']}: {fmt_int(stats['rows_read'])} rows read, {fmt_int(stats['rows_accepted'])} kept, "
                f"{fmt_int(stats['rows_rejected'])} rejected")
    outcome.progress = progress
    return outcome


def activate_version(store: DatasetStore, version_id: str, what: str) -> tuple[bool, str]:
    """Make a version current for every session: (done, message). `what` is 'Activated' or 'Switched to'."""
    try:
        version = versions.switch_to(store, version_id)
    except KeyError:
        return False, f"Version {version_id} no longer exists; nothing was changed."
    return True, f"{what} {version.name} ({version.id}): every session now shows it."


def discard_check(store: DatasetStore, outcome: CheckOutcome) -> str:
    """Delete the version a check created (not one it found already stored); what happened, in words."""
    if outcome.cache_hit or not outcome.version_id:
        return "Nothing to discard: these files were loaded before, and that version stays."
    try:
        versions.delete_version(store, outcome.version_id)
    except versions.VersionRefused as refused:
        return f"Not discarded: {refused}."
    except KeyError:
        return "It was already gone."
    return f"Discarded the checked version {outcome.version_id}."


def delete_version(store: DatasetStore, version_id: str) -> tuple[bool, str]:
    """Delete a version under the rules of `versions.delete_version`: (done, message)."""
    try:
        version = versions.delete_version(store, version_id)
    except (versions.VersionRefused, KeyError) as error:
        return False, f"Not deleted: {error}."
    return True, f"Deleted {version.name} ({version.id})."


def table_safe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for st.dataframe whose text cannot run as a formula in a spreadsheet when the table's toolbar downloads
    it as CSV (a version or file name is anybody's upload): `export.html.escape_cell` on every text cell."""
    return [{key: escape_cell(value) for key, value in row.items()} for row in rows]


# --- The password, per action ---------------------------------------------------------------------------------------

def client_keys() -> list[str]:
    """Who is trying: this session, and the client's address when Streamlit knows it (new sessions are cheap)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    keys = [f"session:{ctx.session_id}"] if ctx is not None else []
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - not served (AppTest): no address
        address = None
    if address:
        keys.append(f"address:{address}")
    return keys


_VERDICTS = "password_verdicts"


def verdict_for(given: str, action: str) -> access.Verdict:
    """Whether `given` lets this client `action` now (limited and logged by `access.LIMITER`). A wrong password takes
    FAILURE_PAUSE_S to answer."""
    configured = access.configured_password(os.environ, st.secrets)
    if configured is None:
        return access.Verdict(False, "No analyst password is set, so nothing can be changed.")
    verdict = access.LIMITER.check(client_keys(), given, configured.value, action)
    if not verdict.ok and given:
        time.sleep(access.FAILURE_PAUSE_S)
    return verdict


def take_password(password_key: str, action: str) -> None:
    """A form button's on_click: check the typed password and empty the field before the script runs, so the
    password never outlives the callback; the verdict is left for this run alone (`take_verdicts`)."""
    given = st.session_state.get(password_key) or ""
    st.session_state[password_key] = ""
    st.session_state.setdefault(_VERDICTS, {})[password_key] = verdict_for(given, action)


def take_verdicts() -> dict[str, access.Verdict]:
    """The verdicts of this run's form buttons, removed from the session: a verdict is good for one run only, so
    nothing in a session (which a browser can resume by its id) ever grants a change."""
    return st.session_state.pop(_VERDICTS, None) or {}


def authorised(verdicts: dict[str, access.Verdict], password_key: str) -> bool:
    """True when this run's verdict for the form's password is good; otherwise say why."""
    verdict = verdicts.get(password_key)
    if verdict is not None and verdict.ok:
        return True
    st.error(verdict.message if verdict is not None else "Type the analyst password and press the button again.",
             icon=":material/key_off:")
    return False


def password_field(key: str) -> str:
    return st.text_input("Analyst password", type="password", key=key, autocomplete="current-password",
                         help="Needed for every change; it is not remembered. Set by the operator (see the README).")


# --- Drawing --------------------------------------------------------------------------------------------------------

def current_dataset(version: Version) -> None:
    m = version.manifest
    rows = m.get("rows", {})
    bundled = " It is the bundled sample that ships with the app." if versions.is_bundled(version) else ""
    period = versions.period_text(m.get("period"))
    runs = f"with runs from {period} (UTC)" if period != "no runs" else "with no runs"
    st.markdown(f"The story is showing **{md_escape(version.name)}** (version `{version.id}`), uploaded "
                f"{versions.short_time(version.created_at)} UTC, {runs}.{bundled}")
    rejected = sum(int(s.get("rows_rejected") or 0) for s in m.get("sources", {}).values())
    cells = st.columns(4)
    cells[0].metric("Full BAS runs", fmt_int(rows.get("full", 0)), border=True)
    cells[1].metric("Simple BAS runs", fmt_int(rows.get("simple", 0)), border=True)
    cells[2].metric("Organisations", fmt_int(rows.get("orgs", 0)), border=True)
    cells[3].metric("Rows rejected", fmt_int(rejected), border=True,
                    help="Rows of the source files left out because a value could not be used (see each version's "
                         "report when it was loaded).")
    st.dataframe(table_safe(versions.source_rows(version)), hide_index=True, width="stretch",
                 column_config=COUNT_COLUMNS)


def version_table(store: DatasetStore, current: Version) -> list[Version]:
    stored = store.versions()
    st.dataframe(table_safe(versions.version_rows(stored, current.id)), hide_index=True, width="stretch",
                 column_config=COUNT_COLUMNS)
    st.caption(f"The version id is a hash of the three source files' contents: the same files always give the same "
               f"version. The bundled sample ({versions.BUNDLED_NAME!r}) is always kept.")
    return stored


def show_flash() -> None:
    if flash := st.session_state.pop("data_flash", None):
        st.success(md_escape(flash), icon=":material/check_circle:")
    if flash_error := st.session_state.pop("data_flash_error", None):
        st.error(md_escape(flash_error), icon=":material/error:")


def viewer_page(store: DatasetStore, pinned: Version) -> None:
    """The Data page of the viewer app: read-only."""
    show_flash()
    st.subheader("The dataset the story shows")
    current_dataset(pinned)
    st.subheader("Load a new extract")
    st.info(ANALYST_APP_HINT, icon=":material/lock:")
    st.subheader("All versions")
    version_table(store, pinned)


def analyst_page(store: DatasetStore, pinned: Version) -> None:
    """The analyst app's page: the dataset shown, the upload form, the review of the last check, every version with
    switch and delete. Each change needs the password in its own form."""
    verdicts = take_verdicts()
    show_flash()
    st.subheader("The dataset the story shows")
    current_dataset(pinned)
    configured = access.configured_password(os.environ, st.secrets)
    if configured is None:
        st.info("Nothing can be changed: no analyst password is set. " + access.how_to_set_password(),
                icon=":material/lock:")
        st.subheader("All versions")
        version_table(store, pinned)
        return
    st.subheader("Load a new extract")
    upload_form(store, pinned, verdicts)
    show_check(store, pinned, verdicts)
    st.subheader("All versions")
    stored = version_table(store, pinned)
    version_actions(store, pinned, stored, verdicts)


def upload_form(store: DatasetStore, version: Version, verdicts: dict[str, access.Verdict]) -> None:
    sources = version.manifest.get("sources", {})
    st.markdown(f"Upload the three extracts, or only the ones that changed, as `.csv`, `.csv.gz` or `.parquet`, up "
                f"to {fmt_bytes(uploads.MAX_UPLOAD_BYTES)} each. **An extract you do not upload is taken from the "
                f"current dataset** ({md_escape(version.name)}). The new dataset is checked first; it goes live only "
                f"when you activate it.")
    # clear_on_submit: the password and the uploaded bytes leave the session once the form is sent
    with st.form("upload_form", clear_on_submit=True, border=True):
        chosen = {}
        for column, extract in zip(st.columns(3), EXTRACTS, strict=True):
            with column:
                upload = st.file_uploader(SLOT_TITLES[extract.slot], type=list(uploads.UPLOAD_TYPES),
                                          key=f"upload_{extract.slot}", max_upload_size=uploads.MAX_UPLOAD_MB,
                                          help=f"Columns needed (any order): {', '.join(extract.required)}")
                if upload is None:
                    source = sources.get(extract.slot, {})
                    st.caption(f"Not uploaded: keeps {md_escape(source.get('file', extract.filename))} "
                               f"({fmt_int(source.get('rows_accepted') or 0)} rows) from the current dataset.")
                else:
                    chosen[extract.slot] = upload
        name = st.text_input("Name for the new dataset", key="upload_name", max_chars=120,
                             placeholder="e.g. Extract March 2019 (default: the file names)")
        password_field("upload_password")
        sent = st.form_submit_button("Check the files", key="check_upload", type="primary",
                                     icon=":material/fact_check:", on_click=take_password,
                                     args=("upload_password", "check files"))
    if not sent:
        return
    if not chosen:
        st.session_state["upload_check"] = CheckOutcome("refused", "Choose at least one file to check.")
        return
    if not authorised(verdicts, "upload_password"):
        return
    st.session_state.pop("upload_check", None)
    with st.status("Checking the new extract…", expanded=True) as status:
        outcome = check_files(store, version, chosen, name.strip(), on_progress=lambda text: st.write(md_escape(text)))
        if outcome.state == "refused":
            status.update(label="Upload refused: nothing was saved or changed", state="error", expanded=True)
        elif outcome.state == "ok":
            status.update(label="Checked: review the report below, then activate", state="complete", expanded=False)
        else:
            status.update(label="These files cannot be used: nothing was changed", state="error", expanded=False)
    st.session_state["upload_check"] = outcome


def show_findings(findings: list[Finding], excerpts: dict[str, dict[int, str]]) -> None:
    for finding in findings:
        show = st.error if finding.severity == "error" else st.warning
        show(md_escape(str(finding)), icon=":material/error:" if finding.severity == "error" else ":material/warning:")
        lines = excerpts.get(finding.file, {})
        listed = [n for n in finding.rows if n in lines]
        if listed:
            st.code("\n".join(f"line {n}: {lines[n]}" for n in listed), language=None, wrap_lines=True)


def show_files(report: ValidationReport) -> None:
    """Per extract: columns found, missing and extra; rows read, kept and rejected; the runs' date range."""
    for slot, stats in report.files.items():
        extract = EXTRACT_BY_SLOT[slot]
        file = md_escape(stats["file"])
        if stats.get("reused_from"):
            title = (f"{SLOT_TITLES[slot]}: {file}, taken from version {stats['reused_from']} "
                     f"({fmt_int(stats['rows_accepted'])} rows)")
        elif not stats.get("rows_read"):
            title = f"{SLOT_TITLES[slot]}: {file}, rows not read"
        else:
            title = (f"{SLOT_TITLES[slot]}: {file}, {fmt_int(stats['rows_accepted'])} of "
                     f"{fmt_int(stats['rows_read'])} rows kept")
        with st.expander(title, expanded=bool(stats.get("columns_missing"))):
            found = [md_escape(c) for c in stats.get("columns_found") or []]
            missing = stats.get("columns_missing") or []
            extra = [md_escape(c) for c in stats.get("columns_extra") or []]
            shown = ", ".join(found[:50]) + (f" and {len(found) - 50:,} more" if len(found) > 50 else "")
            st.markdown(
                f"- **Columns found** ({len(found)}): {shown or 'not read'}\n"
                f"- **Missing** (needed: {len(extract.required)}): {', '.join(missing) or 'none'}\n"
                f"- **Extra** (ignored): {', '.join(extra[:50]) or 'none'}\n"
                f"- **Rows**: {fmt_int(stats['rows_read'])} read, {fmt_int(stats['rows_accepted'])} kept, "
                f"{fmt_int(stats['rows_rejected'])} rejected\n"
                + (f"- **Runs** from {stats['first_run_utc'][:19].replace('T', ' ')} to "
                   f"{stats['last_run_utc'][:19].replace('T', ' ')} UTC\n" if stats.get("first_run_utc") else ""))


def show_check(store: DatasetStore, current: Version, verdicts: dict[str, access.Verdict]) -> None:
    """The review of the last check: refusal, errors (nothing changed), or the report, the differences, and the
    Activate / Discard form."""
    check: CheckOutcome | None = st.session_state.get("upload_check")
    if check is None:
        return
    if check.state == "refused":
        st.error(md_escape(check.message), icon=":material/block:")
        return
    report = ValidationReport.from_dict(check.report)
    if check.state == "error":
        st.error(f"These files cannot be used, so nothing was changed: the story still shows "
                 f"{md_escape(current.name)}. Fix the problems below and upload again.", icon=":material/block:")
        show_findings(report.sorted_findings(), check.excerpts)
        show_files(report)
        return
    try:
        new = store.get(check.version_id)
    except KeyError:
        st.warning("The checked version has been deleted meanwhile; upload the files again.")
        st.session_state.pop("upload_check", None)
        return
    st.markdown(f"#### Before it goes live: {md_escape(new.name)} (`{new.id}`)")
    if new.id == current.id:
        st.info("These files are exactly the dataset the story already shows: there is nothing to activate.",
                icon=":material/info:")
    elif check.cache_hit:
        st.info(f"These files were loaded before, as {md_escape(new.name)} (uploaded "
                f"{versions.short_time(new.created_at)} UTC). Activating shows that version again.",
                icon=":material/info:")
    if report.warnings:
        st.warning(f"{len(report.warnings)} warning(s): some rows or values were left out (details below). "
                   f"Warnings do not block activation.", icon=":material/warning:")
        show_findings(report.sorted_findings(), check.excerpts)
    else:
        st.success("No problems found in the files.", icon=":material/check_circle:")
    show_files(report)
    if report.scope_by_system:
        st.markdown("**Runs in and out of scope** (only active, paying organisations count)")
        st.dataframe(versions.scope_rows(report), hide_index=True, column_config=COUNT_COLUMNS)
    base = _version_or_none(store, check.base_id)
    if base is not None and base.id != new.id:
        st.markdown(f"**Compared with the current dataset** ({md_escape(base.name)})")
        st.dataframe(versions.compare_versions(new, base), hide_index=True)
    latest = store.current()
    if latest is not None and latest.id not in (check.base_id, new.id):
        st.warning(f"Since you checked these files, {md_escape(latest.name)} ({latest.id}) was made current in "
                   f"another session; activating replaces it.", icon=":material/sync_problem:")
    with st.form("review_form", clear_on_submit=True, border=True):
        password_field("review_password")
        left, right, _ = st.columns([1, 1, 3])
        activate = left.form_submit_button("Activate", key="activate_upload", type="primary",
                                           icon=":material/rocket_launch:",
                                           disabled=latest is not None and latest.id == new.id,
                                           on_click=take_password, args=("review_password", "activate a dataset"))
        discard = right.form_submit_button("Discard", key="discard_upload", icon=":material/delete:",
                                           on_click=take_password,
                                           args=("review_password", "discard a checked dataset"))
    if (activate or discard) and not authorised(verdicts, "review_password"):
        return
    if activate:
        done, message = activate_version(store, new.id, "Activated")
        _after_change(done, message, new.id if done else None)
    elif discard:
        st.session_state["data_flash"] = discard_check(store, check)
        st.session_state.pop("upload_check", None)
        st.rerun()


def version_actions(store: DatasetStore, current: Version, stored: list[Version],
                    verdicts: dict[str, access.Verdict]) -> None:
    """Switch to a stored version, or delete one (not the current one, not the bundled sample)."""
    by_id = {v.id: v for v in stored}
    ids = list(by_id)
    if not ids:
        return
    chosen = st.selectbox("Version", ids, index=ids.index(current.id) if current.id in ids else 0,
                          key="version_choice",
                          format_func=lambda i: f"{by_id[i].name} · {i} · {versions.short_time(by_id[i].created_at)}")
    if chosen is None:
        return
    version = by_id[chosen]
    refusal = versions.delete_refusal(version, current.id)
    with st.form("version_form", clear_on_submit=True, border=True):
        st.caption(f"Switching makes {md_escape(version.name)} current for every session; deleting removes its "
                   f"staged files for good (the source files you uploaded were not kept).")
        password_field("version_password")
        left, right, _ = st.columns([1, 1, 3])
        switch = left.form_submit_button("Switch to this version", key="switch_version", icon=":material/swap_horiz:",
                                         disabled=chosen == current.id, on_click=take_password,
                                         args=("version_password", "switch datasets"))
        delete = right.form_submit_button("Delete", key="delete_version", icon=":material/delete:",
                                          disabled=refusal is not None, help=refusal, on_click=take_password,
                                          args=("version_password", "delete a dataset"))
    if (switch or delete) and not authorised(verdicts, "version_password"):
        return
    if switch:
        done, message = activate_version(store, chosen, "Switched to")
        _after_change(done, message, chosen if done else None)
    elif delete:
        done, message = delete_version(store, chosen)
        st.session_state["data_flash" if done else "data_flash_error"] = message
        st.rerun()


def _after_change(done: bool, message: str, activated_id: str | None) -> None:
    if done and activated_id:
        ui.adopt_version(activated_id)
        st.session_state["data_flash"] = message
        st.session_state.pop("upload_check", None)
        st.session_state.pop("version_choice", None)     # the list's selection starts again at the current version
    else:
        st.session_state["data_flash_error"] = message
    st.rerun()


def _version_or_none(store: DatasetStore, version_id: str | None) -> Version | None:
    try:
        return store.get(version_id) if version_id else None
    except KeyError:
        return None
