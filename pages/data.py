"""Data: the dataset the story shows, every stored version, and, for analysts, loading a new extract.

Changing data (upload, activate, switch, delete) needs the analyst password (basstory.app.access). A new extract is
spooled to disk (basstory.ingest.uploads), ingested as a new version without activating it, reviewed here, and only then
activated for every session. The rules for switching and deleting live in basstory.ingest.versions.
"""
from __future__ import annotations

import os

import streamlit as st

from basstory.app import access
from basstory.app import ui
from basstory.ingest import uploads
from basstory.ingest import versions
from basstory.ingest.build import ingest
from basstory.story.narrative import fmt_int
from basstory.core.schema import EXTRACT_BY_SLOT, EXTRACTS
from basstory.ingest.validation import Finding, IngestError, ValidationReport

SLOT_TITLES = {"fullbas": "Full BAS runs (fullbas)", "simplebas": "Simple BAS runs (simplebas)",
               "orgcard": "Organisations (orgcard)"}
COUNT_COLUMNS = {name: st.column_config.NumberColumn(format="localized")
                 for name in ("Rows read", "Kept", "Rejected", "Full BAS runs", "Simple BAS runs", "Orgs",
                              "Full BAS", "Simple BAS", "Total")}


# --- Who may change data --------------------------------------------------------------------------------------------

def analyst_gate() -> bool:
    """Draw the analyst access box; True when this session may change data."""
    st.subheader("Analyst access")
    configured = access.configured_password(os.environ, st.secrets)
    if configured is None:
        st.info("This page is read-only: no analyst password is set, so nobody can upload, activate, switch or "
                "delete datasets. " + access.how_to_set_password(), icon=":material/lock:")
        return False
    if access.token_matches(st.session_state.get("analyst_token"), configured.value):
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.success("Unlocked for this session: you can upload, activate, switch and delete datasets.",
                     icon=":material/lock_open:")
        if right.button("Lock", key="analyst_lock", icon=":material/lock:"):
            st.session_state.pop("analyst_token", None)
            st.rerun()
        return True
    given = st.text_input("Analyst password", type="password", key="analyst_password",
                          help="Set by the operator (see the README). Needed to upload, activate, switch or delete.")
    if given and access.password_matches(given, configured.value):
        st.session_state["analyst_token"] = access.session_token(given)
        st.rerun()
    if given:
        st.error("That is not the analyst password.", icon=":material/key_off:")
    else:
        st.caption("Enter the analyst password to upload, activate, switch or delete datasets. Anyone can read this "
                   "page.")
    return False


# --- The dataset the story shows ------------------------------------------------------------------------------------

def current_dataset(version) -> None:
    m = version.manifest
    rows = m.get("rows", {})
    bundled = " It is the bundled sample that ships with the app." if versions.is_bundled(version) else ""
    period = versions.period_text(m.get("period"))
    runs = f"with runs from {period} (UTC)" if period != "no runs" else "with no runs"
    st.markdown(f"The story is showing **{version.name}** (version `{version.id}`), uploaded "
                f"{versions.short_time(version.created_at)} UTC, {runs}.{bundled}")
    rejected = sum(int(s.get("rows_rejected") or 0) for s in m.get("sources", {}).values())
    cells = st.columns(4)
    cells[0].metric("Full BAS runs", fmt_int(rows.get("full", 0)), border=True)
    cells[1].metric("Simple BAS runs", fmt_int(rows.get("simple", 0)), border=True)
    cells[2].metric("Organisations", fmt_int(rows.get("orgs", 0)), border=True)
    cells[3].metric("Rows rejected", fmt_int(rejected), border=True,
                    help="Rows of the source files left out because a value could not be used (see each version's "
                         "report when it was loaded).")
    st.dataframe(versions.source_rows(version), hide_index=True, width="stretch", column_config=COUNT_COLUMNS)


# --- Loading a new extract ------------------------------------------------------------------------------------------

def forget_check() -> None:
    """New files chosen: the review of the previous ones no longer applies."""
    st.session_state.pop("upload_check", None)


def upload_form(store, version) -> None:
    sources = version.manifest.get("sources", {})
    st.markdown(f"Upload the three extracts, or only the ones that changed, as `.csv`, `.csv.gz` or `.parquet`, up "
                f"to {uploads.fmt_bytes(uploads.MAX_UPLOAD_BYTES)} each. **An extract you do not upload is taken "
                f"from the current dataset** ({version.name}). The new dataset is checked first; it goes live only "
                f"when you activate it.")
    chosen = {}
    for column, extract in zip(st.columns(3), EXTRACTS):
        with column:
            upload = st.file_uploader(SLOT_TITLES[extract.slot], type=list(uploads.UPLOAD_TYPES),
                                      key=f"upload_{extract.slot}", max_upload_size=uploads.MAX_UPLOAD_MB,
                                      on_change=forget_check,
                                      help=f"Columns needed (any order): {', '.join(extract.required)}")
            if upload is None:
                source = sources.get(extract.slot, {})
                st.caption(f"Not uploaded: keeps {source.get('file', extract.filename)} "
                           f"({fmt_int(source.get('rows_accepted') or 0)} rows) from the current dataset.")
            else:
                chosen[extract.slot] = upload
    name = st.text_input("Name for the new dataset", key="upload_name", max_chars=120,
                         placeholder="e.g. Extract March 2019 (default: the file names)")
    if st.button("Check the files", key="check_upload", type="primary", icon=":material/fact_check:",
                 disabled=not chosen):
        check_upload(store, version, chosen, name.strip())
    show_check(store, version)


def check_upload(store, version, chosen: dict, name: str) -> None:
    """Spool, validate and stage the uploads as a new version (not activated); keep the outcome for the review."""
    st.session_state.pop("upload_check", None)
    refusal = versions.check_upload_name(name) if name else None
    if refusal:
        st.session_state["upload_check"] = {"state": "refused", "message": f"The name is not allowed: {refusal}."}
        return
    with st.status("Checking the new extract…", expanded=True) as status:
        try:
            def saving(slot: str, file_name: str, size: int) -> None:
                st.write(f"Saving {file_name} ({uploads.fmt_bytes(size)}) as the {slot} extract…")

            with uploads.spooled_uploads(chosen, store, on_file=saving) as paths:
                kept = [e.slot for e in EXTRACTS if e.slot not in paths]
                also = f"; {', '.join(kept)} taken from {version.name}" if kept else ""
                st.write(f"Validating and converting to parquet{also}…")
                try:
                    result = ingest(paths, store, name=name or None, activate=False)
                except IngestError as error:
                    outcome = {"state": "error", "report": error.report.to_dict(),
                               "excerpts": uploads.report_excerpts(paths, error.report)}
                else:
                    outcome = {"state": "ok", "version_id": result.version.id, "base_id": version.id,
                               "report": result.report.to_dict(), "cache_hit": result.cache_hit,
                               "excerpts": uploads.report_excerpts(paths, result.report)}
        except uploads.UploadRefused as refused:
            status.update(label="Upload refused: nothing was saved or changed", state="error", expanded=True)
            st.session_state["upload_check"] = {"state": "refused", "message": str(refused)}
            return
        except OSError as error:
            status.update(label="The upload failed: nothing was changed", state="error", expanded=True)
            st.session_state["upload_check"] = {"state": "refused", "message": f"The upload failed ({error}). "
                                                "Nothing was changed; try again."}
            return
        report = ValidationReport.from_dict(outcome["report"])
        for slot, stats in report.files.items():
            if not stats.get("reused_from"):
                st.write(f"{stats['file']}: {fmt_int(stats['rows_read'])} rows read, "
                         f"{fmt_int(stats['rows_accepted'])} kept, {fmt_int(stats['rows_rejected'])} rejected")
        if outcome["state"] == "ok":
            status.update(label="Checked: review the report below, then activate", state="complete", expanded=False)
        else:
            status.update(label="These files cannot be used: nothing was changed", state="error", expanded=False)
    st.session_state["upload_check"] = outcome


def show_findings(findings: list[Finding], excerpts: dict[str, dict[int, str]]) -> None:
    for finding in findings:
        show = st.error if finding.severity == "error" else st.warning
        show(str(finding), icon=":material/error:" if finding.severity == "error" else ":material/warning:")
        lines = excerpts.get(finding.file, {})
        listed = [n for n in finding.rows if n in lines]
        if listed:
            st.code("\n".join(f"line {n}: {lines[n]}" for n in listed), language=None, wrap_lines=True)


def show_files(report: ValidationReport) -> None:
    """Per extract: columns found, missing and extra; rows read, kept and rejected; the runs' date range."""
    for slot, stats in report.files.items():
        extract = EXTRACT_BY_SLOT[slot]
        if stats.get("reused_from"):
            title = (f"{SLOT_TITLES[slot]}: {stats['file']}, taken from version {stats['reused_from']} "
                     f"({fmt_int(stats['rows_accepted'])} rows)")
        elif not stats.get("rows_read"):
            title = f"{SLOT_TITLES[slot]}: {stats['file']}, rows not read"
        else:
            title = (f"{SLOT_TITLES[slot]}: {stats['file']}, {fmt_int(stats['rows_accepted'])} of "
                     f"{fmt_int(stats['rows_read'])} rows kept")
        with st.expander(title, expanded=bool(stats.get("columns_missing"))):
            found = stats.get("columns_found") or []
            missing = stats.get("columns_missing") or []
            extra = stats.get("columns_extra") or []
            st.markdown(
                f"- **Columns found** ({len(found)}): {', '.join(found) or 'not read'}\n"
                f"- **Missing** (needed: {len(extract.required)}): {', '.join(missing) or 'none'}\n"
                f"- **Extra** (ignored): {', '.join(extra) or 'none'}\n"
                f"- **Rows**: {fmt_int(stats['rows_read'])} read, {fmt_int(stats['rows_accepted'])} kept, "
                f"{fmt_int(stats['rows_rejected'])} rejected\n"
                + (f"- **Runs** from {stats['first_run_utc'][:19].replace('T', ' ')} to "
                   f"{stats['last_run_utc'][:19].replace('T', ' ')} UTC\n" if stats.get("first_run_utc") else ""))


def show_check(store, current) -> None:
    """The review of the last check: refusal, errors (nothing changed), or the report, the differences and
    Activate."""
    check = st.session_state.get("upload_check")
    if not check:
        return
    if check["state"] == "refused":
        st.error(check["message"], icon=":material/block:")
        return
    report = ValidationReport.from_dict(check["report"])
    excerpts = check.get("excerpts", {})
    if check["state"] == "error":
        st.error(f"These files cannot be used, so nothing was changed: the story still shows {current.name}. Fix "
                 f"the problems below and upload again.", icon=":material/block:")
        show_findings(report.sorted_findings(), excerpts)
        show_files(report)
        return
    try:
        new = store.get(check["version_id"])
    except KeyError:
        st.warning("The checked version has been deleted meanwhile; upload the files again.")
        st.session_state.pop("upload_check", None)
        return
    st.markdown(f"#### Before it goes live: {new.name} (`{new.id}`)")
    if new.id == current.id:
        st.info("These files are exactly the dataset the story already shows: there is nothing to activate.",
                icon=":material/info:")
    elif check.get("cache_hit"):
        st.info(f"These files were loaded before, as {new.name} (uploaded {versions.short_time(new.created_at)} "
                f"UTC). Activating shows that version again.", icon=":material/info:")
    if report.warnings:
        st.warning(f"{len(report.warnings)} warning(s): some rows or values were left out (details below). "
                   f"Warnings do not block activation.", icon=":material/warning:")
        show_findings(report.sorted_findings(), excerpts)
    else:
        st.success("No problems found in the files.", icon=":material/check_circle:")
    show_files(report)
    if report.scope_by_system:
        st.markdown("**Runs in and out of scope** (only active, paying organisations count)")
        st.dataframe(versions.scope_rows(report), hide_index=True, column_config=COUNT_COLUMNS)
    base = _version_or_none(store, check["base_id"])
    if base is not None and base.id != new.id:
        st.markdown(f"**Compared with the current dataset** ({base.name})")
        st.dataframe(versions.compare_versions(new, base), hide_index=True)
    latest = store.current()
    if latest is not None and latest.id not in (check["base_id"], new.id):
        st.warning(f"Since you checked these files, {latest.name} ({latest.id}) was made current in another "
                   f"session; activating replaces it.", icon=":material/sync_problem:")
    left, right, _ = st.columns([1, 1, 3])
    if left.button("Activate", key="activate_upload", type="primary", icon=":material/rocket_launch:",
                   disabled=latest is not None and latest.id == new.id):
        activate(store, new.id, f"Activated {new.name} ({new.id}): every session now shows it.")
    if right.button("Discard", key="discard_upload", icon=":material/delete:"):
        if not check.get("cache_hit"):
            try:
                versions.delete_version(store, new.id)
            except (versions.VersionRefused, KeyError):
                pass  # someone activated it meanwhile, or it is already gone: keep what is there
        st.session_state.pop("upload_check", None)
        st.rerun()


def _version_or_none(store, version_id: str):
    try:
        return store.get(version_id)
    except KeyError:
        return None


def activate(store, version_id: str, message: str) -> None:
    """Make a version current for every session, say so, and rerun on it."""
    try:
        versions.switch_to(store, version_id)
    except KeyError:
        st.session_state["data_flash_error"] = f"Version {version_id} no longer exists; nothing was changed."
    else:
        ui.adopt_version(version_id)
        st.session_state["data_flash"] = message
        st.session_state.pop("upload_check", None)
        st.session_state.pop("version_choice", None)   # the list's selection starts again at the current version
    st.rerun()


# --- All versions ---------------------------------------------------------------------------------------------------

def version_list(store, current, unlocked: bool) -> None:
    stored = store.versions()
    st.dataframe(versions.version_rows(stored, current.id), hide_index=True, width="stretch",
                 column_config=COUNT_COLUMNS)
    st.caption(f"The version id is a hash of the three source files' contents: the same files always give the same "
               f"version. The bundled sample ({versions.BUNDLED_NAME!r}) is always kept.")
    if not unlocked:
        st.caption("Switching and deleting versions need the analyst password.")
        return
    by_id = {v.id: v for v in stored}
    ids = list(by_id)
    chosen = st.selectbox("Version", ids, index=ids.index(current.id) if current.id in ids else 0, key="version_choice",
                          format_func=lambda i: f"{by_id[i].name} · {i} · {versions.short_time(by_id[i].created_at)}")
    if chosen is None:
        return
    version = by_id[chosen]
    refusal = versions.delete_refusal(version, current.id)
    left, right, _ = st.columns([1, 1, 3])
    if left.button("Switch to this version", key="switch_version", icon=":material/swap_horiz:",
                   disabled=chosen == current.id):
        activate(store, chosen, f"Switched to {version.name} ({version.id}): every session now shows it.")
    if right.button("Delete", key="delete_version", icon=":material/delete:", disabled=refusal is not None,
                    help=refusal):
        st.session_state["confirm_delete"] = chosen
    doomed = st.session_state.get("confirm_delete")
    if doomed and doomed in by_id:
        st.warning(f"Delete {by_id[doomed].name} ({doomed})? Its staged files are removed for good; the source "
                   f"files you uploaded were not kept.", icon=":material/delete_forever:")
        yes, no, _ = st.columns([1, 1, 3])
        if yes.button("Yes, delete it", key="confirm_delete_version", type="primary"):
            st.session_state.pop("confirm_delete", None)
            try:
                versions.delete_version(store, doomed)
            except (versions.VersionRefused, KeyError) as error:
                st.session_state["data_flash_error"] = f"Not deleted: {error}."
            else:
                st.session_state["data_flash"] = f"Deleted {by_id[doomed].name} ({doomed})."
            st.rerun()
        if no.button("Cancel", key="cancel_delete_version"):
            st.session_state.pop("confirm_delete", None)
            st.rerun()


# --- The page -------------------------------------------------------------------------------------------------------

store = ui.dataset_store()
ui.require_router()
pinned = ui.current_version()
st.title("Data")
st.markdown("#### Which extract the story is showing, every version stored, and how a new one is loaded")
if notice := ui.take_update_notice():
    st.info(notice, icon=":material/update:")
if flash := st.session_state.pop("data_flash", None):
    st.success(flash, icon=":material/check_circle:")
if flash_error := st.session_state.pop("data_flash_error", None):
    st.error(flash_error, icon=":material/error:")

st.subheader("The dataset the story shows")
current_dataset(pinned)
may_change = analyst_gate()
st.subheader("Load a new extract")
if may_change:
    upload_form(store, pinned)
else:
    st.caption("Loading a new extract needs the analyst password.")
st.subheader("All versions")
version_list(store, pinned, may_change)
