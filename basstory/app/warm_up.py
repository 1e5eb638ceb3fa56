"""The app's background warm-up, a program of its own: every chapter's analyses for the default view of one dataset
version, computed in a child process at the lowest CPU priority and handed to the server through files
(basstory.query.shared_results), so the first reader of each page finds them computed.

The server starts it once per version (`app.ui.warm_up`) after the first page of that version has run:

    python -m basstory.app.warm_up --store STORE --version ID --results FOLDER

With --filters (the view as JSON, `filters_json`) it looks ahead instead: the chapters of a reader's view that is not
the default one, in the order the reader's track (--track) reads them from the page after the open one (--after, a
chapter's url path), without the folds. The server starts one such process for the latest view a reader opened
(`app.ui.look_ahead`), so the pages the reader opens next find their analyses computed.

It stops early when the version is no longer the store's current one (its readers need the machine), and the kernel
stops it when the server process ends. It never imports Streamlit.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from basstory.query.filters import StoryFilters

if TYPE_CHECKING:
    from basstory.ingest.store import DatasetStore
    from basstory.query.shared_results import SharedResults
    from basstory.story.registry import Chapter

# The story's modules (pandas, DuckDB, Altair: over a second to import) are imported where they are used, after the
# process has said it is ready to be paused (`main`): the server pauses it while a reader's page runs, and an import
# that cannot be paused would compete with that page.

_log = logging.getLogger("basstory.warm_up")
#: prctl(2) option: the signal this process gets when its parent ends.
_PR_SET_PDEATHSIG = 1


def lowest_priority() -> None:
    """Run at nice 19: when a reader's page needs the cores, the kernel gives them to the server first."""
    os.nice(19 - os.nice(0))


def end_with_parent() -> None:
    """Ask Linux to end this process when the server that started it ends (elsewhere the version check stops it)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)   # even when paused
    except (OSError, AttributeError):
        pass


def wanted(store: DatasetStore, version_id: str, parent: int | None) -> Callable[[], bool]:
    """A check, made between chapters, that the work is still wanted: `version_id` is the store's current version
    and the process that started this one (`parent`, when given) has not ended."""
    def still_wanted() -> bool:
        current = store.current()
        alive = parent is None or os.getppid() == parent
        return alive and current is not None and current.id == version_id

    return still_wanted


def warm(store: DatasetStore, version_id: str, results: SharedResults, parent: int | None = None) -> int:
    """Compute every chapter for the default view of `version_id`, then the content of its folds, saving each
    analysis in `results`. Returns how many chapters were built (fewer when the version stopped being current or
    the parent ended)."""
    from basstory.analyses.concurrency import default_org_set, period_profile
    from basstory.analyses.dataset import filter_options
    from basstory.query.tables import connect_version
    from basstory.query.view import share_results
    from basstory.story.blocks import with_folds
    from basstory.story.registry import CHAPTERS

    still_wanted = wanted(store, version_id, parent)
    if not still_wanted():
        return 0
    con = connect_version(store.get(version_id), in_memory=True)
    share_results(con, results)
    default = StoryFilters()
    filter_options(con)
    # first the whole period's Full BAS concurrency: every date range a reader picks takes its load from it
    period_profile(con, default_org_set())
    built = []
    for chapter in CHAPTERS:                 # the registry: every chapter, its choices at their defaults
        if not still_wanted():
            return len(built)
        try:
            built.append(chapter.module().build(con, default, *chapter.default_choices()))
        except Exception:  # noqa: BLE001 - a chapter that fails here is computed (and its error shown) on first view
            _log.warning("warm-up of chapter %s failed", chapter.url_path, exc_info=True)
    for blocks in built:                     # then what the chapters' folds need, once every page is ready
        if not still_wanted():
            break
        try:
            with_folds(blocks, lambda source: source.build(con))
        except Exception:  # noqa: BLE001 - as above
            _log.warning("warm-up of a fold failed", exc_info=True)
    return len(built)


def look_ahead(store: DatasetStore, version_id: str, results: SharedResults, filters: StoryFilters,
               after: str | None = None, track: str | None = None, parent: int | None = None) -> int:
    """Compute the chapters of reader track `track` (the whole story for None) for `filters`, from the one after the
    chapter at url path `after`, saving each analysis in `results`. Returns how many chapters were built (fewer when
    the version stopped being current or the parent ended)."""
    from basstory.query.tables import connect_version
    from basstory.query.view import share_results
    from basstory.story.registry import track_chapters

    still_wanted = wanted(store, version_id, parent)
    if not still_wanted():
        return 0
    con = connect_version(store.get(version_id), in_memory=False)    # one view: the parquet files are enough
    share_results(con, results)
    built = 0
    for chapter in reading_order(track_chapters(track), after):
        if not still_wanted():
            break
        try:
            chapter.module().build(con, filters, *chapter.builder_args(chapter.default_choices(), track))
        except Exception:  # noqa: BLE001 - the reader's page computes it again and shows the error
            _log.warning("look-ahead of chapter %s failed", chapter.url_path, exc_info=True)
        built += 1
    return built


def reading_order(chapters: tuple[Chapter, ...], after: str | None) -> list[Chapter]:
    """`chapters` from the one after the chapter at url path `after`, wrapping around, without that one (all of them
    in order when `after` is not among them)."""
    paths = [c.url_path for c in chapters]
    if after not in paths:
        return list(chapters)
    at = paths.index(after)
    return [*chapters[at + 1:], *chapters[:at]]


def filters_json(filters: StoryFilters) -> str:
    """The view as JSON, for --filters (dates as ISO strings, tuples as lists)."""
    return json.dumps({k: v.isoformat() if isinstance(v, date) else v for k, v in dataclasses.asdict(filters).items()},
                      sort_keys=True)


def filters_from_json(text: str) -> StoryFilters:
    """The view `filters_json` wrote (ValueError for anything else)."""
    given = json.loads(text)
    names = {f.name for f in dataclasses.fields(StoryFilters)}
    if not isinstance(given, dict) or not set(given) <= names:
        raise ValueError(f"not a view: {text!r}")
    values = {}
    for name, value in given.items():
        if name in ("start", "end"):
            value = None if value is None else date.fromisoformat(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return StoryFilters(**values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="the dataset store's folder")
    parser.add_argument("--version", required=True, help="the dataset version to warm up")
    parser.add_argument("--results", required=True, help="the folder the server reads the results from")
    parser.add_argument("--filters", help="look ahead: the reader's view, as JSON (filters_json)")
    parser.add_argument("--after", help="look ahead: the url path of the chapter the reader has open")
    parser.add_argument("--track", help="look ahead: the reader's track (the whole story when absent)")
    args = parser.parse_args(argv)
    lowest_priority()
    end_with_parent()
    print("ready", flush=True)               # the server may pause this process now (app.ui._start_child)
    logging.basicConfig(level=logging.WARNING, format="basstory warm-up: %(message)s")
    from basstory.ingest.store import DatasetStore
    from basstory.query.shared_results import AHEAD_TAG, SharedResults

    store, results = DatasetStore(Path(args.store)), SharedResults(Path(args.results), writer=True)
    with contextlib.suppress(KeyError, FileNotFoundError):   # the version was deleted meanwhile: nothing to warm up
        if args.filters is None:
            warm(store, args.version, results, parent=os.getppid())
        else:
            look_ahead(store, args.version, SharedResults(Path(args.results), writer=True, tag=AHEAD_TAG),
                       filters_from_json(args.filters), args.after, args.track, parent=os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
