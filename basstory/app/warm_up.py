"""The app's background warm-up, a program of its own: every chapter's analyses for the default view of one dataset
version, computed in a child process at the lowest CPU priority and handed to the server through files
(basstory.query.shared_results), so the first reader of each page finds them computed.

The server starts it once per version (`app.ui.warm_up`) after the first page of that version has run:

    python -m basstory.app.warm_up --store STORE --version ID --results FOLDER

It stops early when the version is no longer the store's current one (its readers need the machine), and the kernel
stops it when the server process ends. It never imports Streamlit.
"""
from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import sys
from pathlib import Path

from basstory.analyses.dataset import filter_options
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.shared_results import SharedResults
from basstory.query.tables import connect_version
from basstory.query.view import share_results
from basstory.story.blocks import with_folds
from basstory.story.registry import CHAPTERS

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


def warm(store: DatasetStore, version_id: str, results: SharedResults, parent: int | None = None) -> int:
    """Compute every chapter for the default view of `version_id`, then the content of its folds, saving each
    analysis in `results`. Returns how many chapters were built (fewer when the version stopped being current or
    the parent ended)."""
    def still_wanted() -> bool:
        current = store.current()
        alive = parent is None or os.getppid() == parent
        return alive and current is not None and current.id == version_id

    if not still_wanted():
        return 0
    con = connect_version(store.get(version_id), in_memory=True)
    share_results(con, results)
    default = StoryFilters()
    filter_options(con)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="the dataset store's folder")
    parser.add_argument("--version", required=True, help="the dataset version to warm up")
    parser.add_argument("--results", required=True, help="the folder the server reads the results from")
    args = parser.parse_args(argv)
    lowest_priority()
    end_with_parent()
    logging.basicConfig(level=logging.WARNING, format="basstory warm-up: %(message)s")
    with contextlib.suppress(KeyError, FileNotFoundError):   # the version was deleted meanwhile: nothing to warm up
        warm(DatasetStore(Path(args.store)), args.version, SharedResults(Path(args.results), writer=True),
             parent=os.getppid())
    return 0


if __name__ == "__main__":
    sys.exit(main())
