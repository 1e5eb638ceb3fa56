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


def track_facts(con: duckdb.DuckDBPyConnection, f: StoryFilters, track: str) -> dict[str, dict]:
    """What reader track `track`'s recommendation draws on from the chapters beyond the brief: operations the
    forecast's key numbers, product the segments', customer success the at-risk orgs (without the risk score's
    backtest, which its chapter computes only when its fold is opened) and the advisers'."""
    from basstory.analyses import advisers, at_risk, forecast, segments

    if track == "operations":
        return {"forecast": forecast.key_numbers(con, f)}
    if track == "product":
        return {"segments": segments.key_numbers(con, f)}
    if track == "customers":
        status = at_risk.status_summary(con, f)
        return {"at_risk": {"at_risk_orgs": status["at_risk"], "at_risk_runs": status["at_risk_runs"]},
                "advisers": advisers.key_numbers(con, f)}
    return {}
