"""The key numbers of the chapters beyond the brief's five questions (segments, advisers, the most and least active
orgs, at-risk orgs, active users, spikes and drops, the forecast), for the `facts` command: each chapter's analyses
module states its own (`key_numbers(con, filters)`)."""
from __future__ import annotations

import importlib

import duckdb

from basstory.query.filters import StoryFilters

#: The modules (basstory.analyses.<name>) whose key numbers the facts command adds, in the story's order.
CHAPTER_MODULES: tuple[str, ...] = ("segments", "advisers", "activity", "spikes", "forecast", "orgs", "at_risk")


def chapter_facts(con: duckdb.DuckDBPyConnection, f: StoryFilters | None = None) -> dict[str, dict]:
    """{module name: its key numbers} for the view (the contract's scope by default), JSON-ready."""
    f = f or StoryFilters()
    return {name: importlib.import_module(f"basstory.analyses.{name}").key_numbers(con, f)
            for name in CHAPTER_MODULES}


#: The chapters beyond the brief each reader track's recommendation draws on.
TRACK_SOURCES: dict[str, tuple[str, ...]] = {"operations": ("forecast",), "product": ("segments",),
                                             "customers": ("at_risk", "advisers")}


def track_facts(con: duckdb.DuckDBPyConnection, f: StoryFilters, track: str) -> dict[str, dict]:
    """The key numbers of the chapters reader track `track`'s recommendation draws on (TRACK_SOURCES)."""
    return {name: importlib.import_module(f"basstory.analyses.{name}").key_numbers(con, f)
            for name in TRACK_SOURCES.get(track, ())}
