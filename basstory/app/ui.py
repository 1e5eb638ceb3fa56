"""The Streamlit layer shared by the router and the pages: the pinned dataset, cached queries, the sidebar filters,
deep links (the note on a link's ignored parameters, the link to copy), presentation mode, the scope banner, the
headline and the previous/next buttons. Analyses never import this module; pages do.
"""
from __future__ import annotations

import atexit
import gc
import importlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import streamlit as st

from basstory.app import links, presentation
from basstory.core import paths
from basstory.core.schema import DISPLAY_TZS, SYSTEM_LABELS, SYSTEMS
from basstory.core.text import md_escape
from basstory.query import view
from basstory.query.filters import MANAGED_CHOICES, PAYING_CHOICES, UNKNOWN_ORG_STATUS, StoryFilters, date_presets
from basstory.query.shared_results import AHEAD_TAG, SharedResults
from basstory.query.shared_results import SUFFIX as SHARED_SUFFIX
from basstory.story import theme
from basstory.story.registry import CHAPTERS, DATA_PAGE, ORG_PAGE, SLIDES_PAGE, TRACKS, Chapter, neighbours

CUSTOM_RANGE = links.CUSTOM_RANGE

#: This module's log: each page run's time at DEBUG (`reader_run`), what failed in the background at WARNING.
_log = logging.getLogger(__name__)
if os.environ.get("BASSTORY_TRACE"):            # each analysis computed, and each page run, with its time, on stderr
    _trace = logging.StreamHandler()
    _trace.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(message)s"))
    for _logger in (logging.getLogger(view.__name__), _log):
        _logger.addHandler(_trace)
        _logger.setLevel(logging.DEBUG)


# --- The dataset this session is looking at -------------------------------------------------------------------------

def dataset_store():
    """The dataset store under `paths.store_dir()` (BASSTORY_DATA_DIR moves it)."""
    from basstory.ingest.store import DatasetStore

    return DatasetStore(paths.store_dir())


def ensure_dataset():
    """The current dataset version; on a fresh install, generate and ingest the bundled sample first."""
    store = dataset_store()
    version = store.current()
    if version is not None:
        return version
    from basstory.ingest.build import ingest
    from basstory.ingest.sample import generate_sample
    from basstory.ingest.versions import BUNDLED_NAME

    with st.spinner("Preparing the bundled sample data (first start only)…"):
        sample = paths.sample_dir()
        if not all((sample / name).exists() for name in ("fullbas.csv", "simplebas.csv", "orgcard.csv")):
            generate_sample(sample)
        ingest(sample, store, name=BUNDLED_NAME, activate=True)
    return store.current()


def pin_version():
    """The version this script run uses. CURRENT is read once, here, at the start of the run, and everything the
    run shows comes from that version (`compute` and `connection` are keyed on its id), so a page never mixes two
    datasets even when another session activates a new one mid-run; the next run picks the new one up.

    When the version changed since this session's last run (another session activated one), say so once: a toast,
    and a notice the page shows (`take_update_notice`).
    """
    version = ensure_dataset()
    previous = st.session_state.get("dataset_version")
    if previous is not None and previous != version.id:
        name = md_escape(version.name)                   # a name is anybody's upload: shown literally
        st.toast(f"Data updated: now showing extract {name}", icon=":material/update:")
        st.session_state["data_update_notice"] = f"Data updated: now showing extract {name} ({version.id})."
    st.session_state["dataset_version"] = version.id
    st.session_state["dataset"] = version
    release_other_versions(version.id)
    return version


def require_router() -> None:
    """Make sure the router (streamlit_app.py) runs before this page script.

    On a freshly started server, a first request that goes straight to a page's URL is run by Streamlit's legacy
    pages-folder mode (page scripts live in `pages/`), which runs the page alone: no sidebar, no filters. The router's
    `st.navigation` switches that mode off for the process; a page that finds it still on switches it off and reruns,
    so the same URL, query parameters included, is served through the router.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def story_filters() -> StoryFilters:
    """The filters the router read from the sidebar for this run (every story page starts here)."""
    require_router()
    return st.session_state["filters"]


def adopt_version(version_id: str) -> None:
    """This session made `version_id` current itself: its next run shows it without the "data updated" notice."""
    st.session_state["dataset_version"] = version_id


def take_update_notice() -> str | None:
    """The "data updated" notice pin_version left for this run, if any (shown once)."""
    return st.session_state.pop("data_update_notice", None)


def current_version():
    """The version pinned for this run (pinned now if the router did not run, e.g. a page script run on its own)."""
    if "dataset" not in st.session_state:
        return pin_version()
    return st.session_state["dataset"]


@st.cache_resource(max_entries=2, show_spinner=False)
def connection(version_id: str):
    """One DuckDB connection per dataset version, shared by all sessions (queries use their own cursors)."""
    from basstory.query.tables import connect_version

    with _opened_lock:
        _opened.add(version_id)
    con = connect_version(dataset_store().get(version_id), in_memory=True)
    # what the warm-up's child process computed for this version is read instead of computed again
    view.share_results(con, SharedResults(warm_up_results(version_id), writer=False))
    return con


_opened: set[str] = set()
_opened_lock = threading.Lock()


def release_other_versions(current_id: str) -> None:
    """Drop the connections (and so the memory) of every version but the current one. A run still using an old
    connection keeps its own reference until it ends; a session that opens an old version again is released on the
    next page run of any session."""
    with _opened_lock:
        stale = _opened - {current_id}
        _opened.intersection_update({current_id})
    for version_id in stale:
        connection.clear(version_id)
    _end_other_warm_ups(current_id)


@st.cache_data(max_entries=2048, show_spinner=False)
def _cached_call(version_id: str, function_path: str, filters: StoryFilters | None, args: tuple) -> Any:
    module_name, name = function_path.rsplit(".", 1)
    function = getattr(importlib.import_module(module_name), name)
    con = connection(version_id)
    return function(con, filters, *args) if filters is not None else function(con, *args)


def compute_for(version_id: str, function: Callable, filters: StoryFilters | None, *args) -> Any:
    """`function(con, filters, *args)` on a given version, through the same cache as `compute` (for work done
    outside the script run, such as a download built on click)."""
    return _cached_call(version_id, f"{function.__module__}.{function.__qualname__}", filters, args)


#: Where the warm-up's child processes leave their results for this server process: one folder per version, made on
#: first use, removed (with the children stopped) when the server exits.
_warm_up_root: Path | None = None
_warm_up_lock = threading.Lock()
#: The warm-up process of each version this server started one for (until it ends or its version is dropped).
_warm_ups: dict[str, subprocess.Popen] = {}
#: BASSTORY_WARM_UP=off switches the warm-up off (the in-process app tests do: they build many small versions).
WARM_UP_SWITCH = "BASSTORY_WARM_UP"


def warm_up_results(version_id: str) -> Path:
    """The folder the warm-up of `version_id` writes to and this server reads from."""
    global _warm_up_root
    with _warm_up_lock:
        if _warm_up_root is None:
            _warm_up_root = Path(tempfile.mkdtemp(prefix="basstory-warm-up-"))
            atexit.register(_end_warm_ups)
        return _warm_up_root / version_id


def _end(children: list[subprocess.Popen]) -> None:
    for child in children:
        if child.poll() is None:
            _signal(child, signal.SIGCONT)        # a paused child ends only once it runs again
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _end_warm_ups() -> None:
    global _look_ahead
    with _warm_up_lock:
        children = [*_warm_ups.values(), *([_look_ahead[1]] if _look_ahead is not None else [])]
        _look_ahead = None
    _end(children)
    if _warm_up_root is not None:
        shutil.rmtree(_warm_up_root, ignore_errors=True)


def _end_other_warm_ups(current_id: str) -> None:
    """End the warm-up and look-ahead of every version but the current one: its readers need the machine, and it
    holds its own copy of the old version's tables."""
    global _look_ahead
    with _warm_up_lock:
        stale = {v: c for v, c in _warm_ups.items() if v != current_id}
        for version_id in stale:
            del _warm_ups[version_id]
        ended = [*stale.values()]
        if _look_ahead is not None and _look_ahead[0][0] != current_id:     # a look-ahead at an old version
            ended.append(_look_ahead[1])
            _look_ahead = None
    if ended:
        threading.Thread(target=_end, args=(ended,), name="warm-up-end", daemon=True).start()
        for version_id in stale:
            warm_up.clear(version_id)             # opened again later, the version gets a warm-up again


@st.cache_resource(max_entries=4, show_spinner=False)
def warm_up(version_id: str) -> subprocess.Popen | None:
    """Compute every chapter's analyses for the default filters in the background, once per dataset version and
    server process, so the first reader of each page finds them already computed (app.warm_up). The router starts
    it after the page has run. It runs as a child process at the lowest CPU priority: a reader's page gets the
    cores first, and no warm-up work holds this process's interpreter. None when switched off."""
    if os.environ.get(WARM_UP_SWITCH, "on").lower() in ("off", "0", "false", "no"):
        return None
    command = [sys.executable, "-m", "basstory.app.warm_up", "--store", str(paths.store_dir().resolve()),
               "--version", version_id, "--results", str(warm_up_results(version_id))]
    child = _start_child(command)
    with _warm_up_lock:
        _warm_ups[version_id] = child
    return child


#: The thread that starts the warm-up and look-ahead processes. Linux ends a child that asked to end with its
#: parent (PR_SET_PDEATHSIG) when the *thread* that started it ends, and Streamlit runs each page in a thread of its
#: own that ends with the run: started from there, a child would be killed as soon as the page was drawn. This
#: thread lives as long as the server.
_launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="child-launcher")


def _start_child(command: list[str]) -> subprocess.Popen:
    """Start a warm-up or look-ahead process, paused as soon as it has asked the kernel to end it with this server
    (it says so on its standard output), and resumed once the readers are quiet: the reader's browser is still
    drawing the page it just got. A process paused before that could outlive a server that ends meanwhile."""
    # run from the folder that holds the package, so `-m basstory...` imports it whatever the server's own folder;
    # started from the launcher thread (see _launcher), never from the page run's own thread
    child = _launcher.submit(subprocess.Popen, command, cwd=paths.PROJECT_ROOT, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE).result()

    def pause_when_ready() -> None:
        try:
            child.stdout.readline()                 # its "ready" line, or nothing when it ended
        finally:
            child.stdout.close()
        with _readers_lock:
            _signal(child, signal.SIGSTOP)
            if not _readers:                        # else the page run under way resumes it when it ends
                _resume_when_quiet_locked()

    threading.Thread(target=pause_when_ready, name="warm-up-ready", daemon=True).start()
    return child


# --- Readers first -----------------------------------------------------------------------------------------------
# Even at the lowest priority, a warm-up process slows a reader's page: it takes the core the page's Python thread
# leaves free, and with it the memory bandwidth and cache both cores share. So while any reader's page runs in this
# server, and for WARM_UP_QUIET_S after the last one ended, the warm-up processes are paused (SIGSTOP), then resumed.

_readers = 0
_readers_lock = threading.Lock()
#: Bumped by every page run that starts: a resume scheduled before it is void.
_reader_generation = 0
#: The warm-up resumes only after this long without a reader's page run: the reader's browser is still drawing.
WARM_UP_QUIET_S = 2.0


def _signal(child: subprocess.Popen, signum: int) -> None:
    if child.poll() is None:
        try:
            os.kill(child.pid, signum)
        except ProcessLookupError:              # it ended meanwhile
            pass


def _signal_warm_ups(signum: int) -> None:
    with _warm_up_lock:
        children = [*_warm_ups.values(), *([_look_ahead[1]] if _look_ahead is not None else [])]
    for child in children:
        _signal(child, signum)


def _resume_when_quiet_locked() -> None:
    """(Holding _readers_lock.) Resume the warm-ups WARM_UP_QUIET_S from now unless a page run starts before, and
    collect the server's garbage then: Streamlit's own collection after every run is switched off
    (`runner.postScriptGC` in .streamlit/config.toml), as it held up each page's last messages."""
    generation = _reader_generation

    def resume() -> None:
        with _readers_lock:
            quiet = _readers == 0 and _reader_generation == generation
            if quiet:
                _signal_warm_ups(signal.SIGCONT)
        if quiet:
            gc.collect()

    timer = threading.Timer(WARM_UP_QUIET_S, resume)
    timer.daemon = True
    timer.start()


@contextmanager
def reader_run(page: str = "") -> Iterator[None]:
    """Mark a reader's page run (the router wraps each run in it, naming the page's url path): the warm-up processes
    pause until the readers have been done for WARM_UP_QUIET_S. The run's time is logged at DEBUG ("page run")."""
    global _readers, _reader_generation
    began = time.perf_counter()
    with _readers_lock:
        _readers += 1
        _reader_generation += 1
        if _readers == 1:
            _signal_warm_ups(signal.SIGSTOP)
    try:
        yield
    finally:
        with _readers_lock:
            _readers -= 1
            if _readers == 0:
                _resume_when_quiet_locked()
        _log.debug("page run /%s %.3f s", page, time.perf_counter() - began)


def readers_running() -> int:
    with _readers_lock:
        return _readers


# --- Look ahead ------------------------------------------------------------------------------------------------------
# A reader who picks other dates or filters gets a view nobody has computed. While the reader reads a page of it, a
# child process like the warm-up (app.warm_up's look_ahead) computes the other chapters of the reader's track for that
# view, so the next pages find their analyses computed. One per server: a newer view ends the older one's process. It
# pauses with the warm-up while any reader's page runs, and its results go to the version's results folder, which is
# kept under LOOK_AHEAD_RESULTS_BYTES by removing the oldest files.

#: BASSTORY_LOOK_AHEAD=off switches it off (the in-process app tests do).
LOOK_AHEAD_SWITCH = "BASSTORY_LOOK_AHEAD"
#: A version's look-ahead results are pruned to this size, oldest files first, before a look-ahead starts.
LOOK_AHEAD_RESULTS_BYTES = 1 << 30
#: The running look-ahead: ((version id, filters, track), its process).
_look_ahead: tuple[tuple, subprocess.Popen] | None = None


def look_ahead(page_path: str) -> subprocess.Popen | None:
    """After a story page's run: start computing the rest of the reader's view in the background (see above), unless
    it is the default view (the warm-up's), the page is outside the story, the same view is already under way, or
    it is switched off. Returns the process started, if any."""
    global _look_ahead
    from basstory.app.warm_up import filters_json

    if os.environ.get(LOOK_AHEAD_SWITCH, "on").lower() in ("off", "0", "false", "no"):
        return None
    chapter = next((c for c in CHAPTERS if c.path == page_path), None)
    filters = story_filters()
    if chapter is None or filters == StoryFilters():
        return None
    version_id, track = current_version().id, reader_track()
    key = (version_id, filters, track)
    folder = warm_up_results(version_id)
    with _warm_up_lock:
        running = _look_ahead
        if running is not None and running[0] == key:
            return None
        command = [sys.executable, "-m", "basstory.app.warm_up", "--store", str(paths.store_dir().resolve()),
                   "--version", version_id, "--results", str(folder), "--filters", filters_json(filters),
                   "--after", chapter.url_path, *(["--track", track] if track else [])]
        try:
            child = _start_child(command)
        except OSError:                         # no process to spare: the reader's pages compute what they need
            _log.warning("the look-ahead could not start", exc_info=True)
            return None
        _look_ahead = (key, child)
    if running is not None:
        threading.Thread(target=_end, args=([running[1]],), name="look-ahead-end", daemon=True).start()
    threading.Thread(target=prune_results, args=(folder, LOOK_AHEAD_RESULTS_BYTES), name="look-ahead-prune",
                     daemon=True).start()
    return child


def prune_results(folder: Path, budget: int) -> int:
    """Remove the oldest look-ahead result files of `folder` until they fit in `budget` bytes (the warm-up's, for the
    default view, are kept); returns how many went. A reader that finds a file gone computes the result instead."""
    files = []
    for path in folder.glob(AHEAD_TAG + "*" + SHARED_SUFFIX):
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue
        files.append((stat.st_mtime, stat.st_size, path))
    total = sum(size for _, size, _ in files)
    removed = 0
    for _, size, path in sorted(files, key=lambda f: f[0]):
        if total <= budget:
            break
        path.unlink(missing_ok=True)
        total -= size
        removed += 1
    return removed


def compute(function: Callable, filters: StoryFilters | None, *args) -> Any:
    """`function(con, filters, *args)` on the pinned version, cached by version, function, filters and args."""
    return compute_for(current_version().id, function, filters, *args)


# --- Sidebar filters ------------------------------------------------------------------------------------------------

def sidebar_filters() -> StoryFilters:
    """Draw the shared sidebar and return the chosen filters. Keys are stable: tests and deep links use them."""
    from basstory.analyses.dataset import filter_options

    options = compute(filter_options, None)
    first, last = options["first_date"], options["last_date"]
    presets = date_presets(first, last)
    sb = st.sidebar
    sb.header("Filters")
    preset = sb.selectbox("Period", [*presets, CUSTOM_RANGE], key="period", bind="query-params")
    if preset == CUSTOM_RANGE:
        chosen = sb.date_input("Dates (Sydney)", value=(first, last), min_value=first, max_value=last,
                               key="dates", format="DD/MM/YYYY", bind="query-params")
        start, end = _date_pair(chosen, first, last)
    else:
        start, end = presets[preset]
    systems = sb.pills("Systems", SYSTEMS, selection_mode="multi", default=list(SYSTEMS),
                       format_func=SYSTEM_LABELS.get, key="systems", bind="query-params")
    statuses = sb.multiselect("Org status", [*options["statuses"], UNKNOWN_ORG_STATUS], default=["Active"],
                              key="status", bind="query-params")
    paying = sb.segmented_control("Paying", PAYING_CHOICES, default="paying", key="paying", bind="query-params")
    with sb.expander("Plan, tax period, channel"):
        detail = st.toggle("Show add-on plans separately", key="plan_detail", bind="query-params")
        plan_choices = options["plans"] if detail else options["plan_families"]
        plans = st.multiselect("Plan" if detail else "Plan family", plan_choices,
                               key="plans" if detail else "plan_families", placeholder="All plans",
                               bind="query-params")
        tax_periods = st.multiselect("Sales tax period", options["tax_periods"], key="tax_periods",
                                     placeholder="All tax periods", bind="query-params")
        channels = st.multiselect("Channel type", options["channel_types"], key="channels",
                                  placeholder="All channel types", bind="query-params")
        managed = st.segmented_control("Practice-managed", MANAGED_CHOICES, default="all", key="managed",
                                       bind="query-params")
    tz = sb.selectbox("Show times in", DISPLAY_TZS, key="tz", bind="query-params", format_func=links.tz_label)
    full_period = (start, end) == (first, last)
    return StoryFilters(
        start=None if full_period else start, end=None if full_period else end,
        systems=tuple(s for s in SYSTEMS if s in (systems or [])),
        statuses=tuple(statuses or ()), paying=paying or "paying",
        plan_families=None if detail or not plans else tuple(plans),
        plans=tuple(plans) if detail and plans else None,
        tax_periods=tuple(tax_periods) if tax_periods else None,
        channel_types=tuple(channels) if channels else None,
        managed=managed or "all", tz=tz or DISPLAY_TZS[0],
    )


def _date_pair(chosen, first: date, last: date) -> tuple[date, date]:
    """A date_input value as (start, end); a half-picked range counts as one day, a backwards one (from a hand-made
    link) is read forwards."""
    if isinstance(chosen, (tuple, list)):
        if len(chosen) == 2:
            return min(chosen), max(chosen)
        if len(chosen) == 1:
            return chosen[0], chosen[0]
        return first, last
    return chosen, chosen


# --- Page frame -----------------------------------------------------------------------------------------------------

def url_query() -> dict[str, list[str]]:
    """Every query parameter of the URL as it is now, repeated keys kept."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def current_query() -> dict[str, list[str]]:
    """The query parameters a link to another page of the story must add itself to keep the view.

    Streamlit carries the values of the router's widgets bound to the URL (the sidebar's filters) to the next page
    on its own, and drops those bound on the page being left; passing them again would repeat them in the URL at
    every step (`tz=Perth&tz=Perth&...`). What is left is what the app reads itself: presentation mode and the
    reader track.
    """
    options = link_options()
    return {key: values for key, values in url_query().items()
            if (param := options.get(key)) is not None and param.carried}


def page_footer(page_path: str) -> None:
    """Previous/next buttons that keep the view (filters, presentation mode, the reader track) when moving through
    the story, along the reader's track (the whole story on a page outside it); large in presentation mode (CSS on
    the `page_footer` container)."""
    track = reader_track()
    before, after = neighbours(page_path, track)
    if track is not None and (before, after) == (None, None):
        before, after = neighbours(page_path)
    st.divider()
    with st.container(key="page_footer"):
        left, _, right = st.columns([1, 2, 1] if not in_presentation() else [2, 1, 2])
        query = current_query()
        if before:
            left.page_link(before.path, label=f"← {before.title}", query_params=query)
        if after:
            right.page_link(after.path, label=f"{after.title} →", query_params=query)


def chart(spec: dict, key: str | None = None) -> None:
    """Show a chart's Vega-Lite spec (blocks.Chart.spec, made when the chapter was built) full width with the
    project's own theme (not Streamlit's), as exports show it, adapted to a dark page and to presentation mode
    (`theme.spec_for_app`)."""
    scheme = getattr(st.context.theme, "type", None)
    st.vega_lite_chart(spec=theme.spec_for_app(spec, scheme, in_presentation()), width="stretch", theme=None,
                       key=key)



def headline(title: str, finding: str) -> None:
    """A page's title and its finding in one sentence, computed from the data (large in presentation mode: CSS on
    the `headline` container)."""
    with st.container(key="headline"):
        st.title(title)
        st.markdown(f"#### {finding}")


# --- Deep links and presentation mode -------------------------------------------------------------------------------

LINK_NOTES = "link_notes"
PRESENT = links.PRESENT
_PAGES_BY_URL_PATH: dict[str, Chapter] = {c.url_path: c for c in (*CHAPTERS, DATA_PAGE, SLIDES_PAGE, ORG_PAGE)}


def page_chapter(page) -> Chapter | None:
    """The chapter (or the Data page) a `st.navigation` page is, by its URL path (the default page, the cover, has
    the empty URL path: it is served at '/')."""
    url_path = getattr(page, "url_path", None)
    if url_path == "":
        return CHAPTERS[0]
    return _PAGES_BY_URL_PATH.get(url_path or "")


def link_options() -> dict[str, links.Param]:
    """Every query parameter a link may carry, for the pinned dataset."""
    from basstory.analyses.dataset import filter_options

    options = compute(filter_options, None)
    params = links.link_params(options, list(date_presets(options["first_date"], options["last_date"])))
    params[ORG] = links.Param(ORG, "org", choices=_KnownOrgs(), from_data=True, page=ORG_PAGE.path)  # type: ignore
    return params


#: The org page's parameter: `?org=<short code or organisation id>` (pages/org.py).
ORG = "org"


class _KnownOrgs:
    """The `?org=` values the pinned dataset knows, looked up one at a time (a dataset holds too many orgs to list):
    a short code exactly, an organisation id in any case (analyses.orgs.find_org)."""

    def __contains__(self, code: object) -> bool:
        from basstory.analyses.orgs import org_exists

        return bool(compute(org_exists, None, str(code)))

    def __iter__(self):
        return iter(())


def in_presentation() -> bool:
    """True when this run shows presentation mode (decided by `open_view` from the URL)."""
    return bool(st.session_state.get("presenting", False))


def open_view(page) -> bool:
    """Read the link before any widget exists: note the parameters that will be ignored, tidy the ones the app reads
    itself, and turn presentation mode on or off. Returns True in presentation mode.

    Streamlit drops a bound widget's unusable URL value silently (and rewrites the URL), so the raw parameters are
    checked here, against the same labels the widgets offer (`links.validate_query`), while they are still there.
    Unknown parameters and ones that do not apply (dates without 'Custom range') are removed from the URL; the note
    says why. The note stays until the view changes (see `close_view`).
    """
    chapter = page_chapter(page)
    raw = url_query()
    clean, notes = links.validate_query(raw, link_options(), chapter.path if chapter else None)
    _tidy_url(raw, clean)
    _keep_track(clean)
    present = clean.get(PRESENT) == ["1"]
    st.session_state["presenting"] = present
    st.session_state[PRESENT] = present          # the toggle follows the URL (set before the toggle exists)
    if notes:
        st.session_state[LINK_NOTES] = {"notes": notes, "view": None}
    st.html(presentation.APP_CSS)
    if present:
        # Hidden with CSS, not collapsed: a collapsed sidebar would stay collapsed after leaving presentation mode.
        st.html(presentation.present_css())
    return present


TRACK = links.TRACK


def reader_track() -> str | None:
    """The reader track this session follows (story.registry.TRACKS), None for the whole story: the link's
    `?track=` (read before any widget), else the one picked earlier in the session, which the URL then shows again
    (the sidebar's page links do not carry it)."""
    value = st.query_params.get(TRACK)
    if value in TRACKS:
        return value
    if value is None:
        return st.session_state.get(TRACK)
    return None


def _keep_track(clean: dict[str, list[str]]) -> None:
    """Remember the link's track for the session, or put the session's track back into a link without one."""
    from streamlit.errors import StreamlitAPIException

    if TRACK in clean:
        st.session_state[TRACK] = clean[TRACK][-1]
    elif TRACK not in st.query_params and st.session_state.get(TRACK) in TRACKS:
        try:
            st.query_params[TRACK] = st.session_state[TRACK]
        except StreamlitAPIException:
            pass


def choose_track(track: str | None) -> None:
    """Follow reader track `track` from now on (None: the whole story), in the session and in the URL."""
    from streamlit.errors import StreamlitAPIException

    st.session_state[TRACK] = track if track in TRACKS else None
    try:
        if track in TRACKS:
            st.query_params[TRACK] = track
        elif TRACK in st.query_params:
            del st.query_params[TRACK]
    except StreamlitAPIException:
        pass


def _tidy_url(raw: dict[str, list[str]], clean: dict[str, list[str]]) -> None:
    """Take out of the URL what nothing will read (unknown keys, values that do not apply, like dates without
    'Custom range') and write presentation mode as `present=1`. A bound widget's own value is Streamlit's business:
    it drops what it cannot use, and refuses changes from here."""
    from streamlit.errors import StreamlitAPIException

    options = link_options()
    for key, values in raw.items():
        param = options.get(key)
        if key in links.STREAMLIT_PARAMS:
            continue
        unread = param is None or not links.applies(param, raw)
        switch = param is not None and param.carried and clean.get(key) != values
        if not (unread or switch):
            continue
        try:
            if switch and key in clean:
                st.query_params[key] = clean[key]
            else:
                del st.query_params[key]
        except (StreamlitAPIException, KeyError):
            pass                                 # bound to a widget earlier in this session: Streamlit tidies it


def _set_present() -> None:
    """The presentation toggle changed: write it to the URL (the next run reads it back)."""
    from streamlit.errors import StreamlitAPIException

    try:
        if st.session_state.get(PRESENT):
            st.query_params[PRESENT] = "1"
        elif PRESENT in st.query_params:
            del st.query_params[PRESENT]
    except StreamlitAPIException:
        pass


def presentation_toggle(container, label: str = "Presentation mode") -> bool:
    """The toggle that switches presentation mode (`?present=1`) on and off."""
    return container.toggle(label, key=PRESENT, on_change=_set_present,
                            help="Full-screen slides: no sidebar or toolbar, larger text, the finding as the "
                                 "headline. The filters in the link still apply. Adds present=1 to the link.")


def view_link(page) -> str:
    """The full URL of the view on screen: the page and every parameter that applies to it, as the URL has them."""
    chapter = page_chapter(page)
    path = chapter.path if chapter else None
    query = links.link_query(url_query(), link_options(), path)
    return links.view_url(st.context.url, chapter.url_path if chapter else "", query,
                          page_url_paths=list(_PAGES_BY_URL_PATH), default_page=chapter is CHAPTERS[0])


def share_slot():
    """A place at the end of the sidebar for the presentation toggle and the link (filled by `close_view`)."""
    return st.sidebar.container()


def close_view(page, present: bool, share, notes_slot) -> None:
    """After the page ran (so its own choices are in the URL): the link to copy, the presentation toggle and the
    note on what the link's parameters left out, while the view is the one the link opened."""
    url = view_link(page)
    if present:
        with st.container(key="present_exit"):
            st.divider()
            left, right = st.columns([3, 1], vertical_alignment="center")
            presentation_toggle(left, "Presentation mode (turn off to exit)")
            with right.popover("Link to this view", icon=":material/link:", width="stretch"):
                st.code(url, language=None, wrap_lines=True)
    else:
        with share:
            st.divider()
            st.markdown("**Share**")
            presentation_toggle(st)
            with st.popover("Link to this view", icon=":material/link:", width="stretch"):
                st.caption("This page with its filters (hover over the link for the copy button).")
                st.code(url, language=None, wrap_lines=True)
    _show_link_notes(page, notes_slot)


def _view_signature(page) -> tuple:
    """What the reader sees: the page, the filters, presentation mode and the page's own choices."""
    chapter = page_chapter(page)
    choices = tuple((p.key, st.session_state.get(p.key)) for p in links.page_params()
                    if chapter is not None and p.page == chapter.path)
    return getattr(page, "url_path", ""), st.session_state.get("filters"), in_presentation(), choices


def _show_link_notes(page, slot) -> None:
    """The note on the link's ignored parameters, for as long as the view is the one the link opened (Streamlit
    takes the bad values out of the URL on the first run; a rerun of the same view keeps the note, a change of
    filter, choice or page drops it)."""
    state = st.session_state.get(LINK_NOTES)
    if not state:
        return
    view = _view_signature(page)
    if state["view"] not in (None, view):
        st.session_state.pop(LINK_NOTES, None)
        return
    state["view"] = view
    slot.warning(links.notes_text(state["notes"]), icon=":material/link_off:")
