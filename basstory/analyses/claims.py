"""The story's key claims, chosen once per view: every sentence, title and tile that names a busiest weekday, hour,
day of the month or month, a peak ratio, a share, a window's cost or the busiest hour for capacity takes it from here.

Nothing is measured anew: each claim is picked from the chapters' analyses (their frames and summaries, memoised
per view), by one rule written down here, so two pages cannot pick differently. Where two measures are both right
they are kept apart under different names (the busiest hour *by compute-seconds*, which sizes capacity, and the
busiest hour *by runs starting*, which Little's law checks).

`story_claims(con, f)` returns a read-only mapping whose values are plain dicts (picklable, JSON-like); each is
chosen when first asked for, once per view, so a page pays only for the claims it states:

- "week": {system or "all": {"weekday" (1 = Monday), "weekday_runs", "hour" (0-23, display zone), "hour_runs",
  "business_hours_share", "weekday_share", "runs"}}: the weekday and the hour of the day with the most runs
  (the weekday × hour heatmap summed one way or the other; ties: the earlier), in the view's display zone.
- "month_day": {system: {"day", "runs_per_day", "median_runs_per_day", "ratio"}}: the day of the month with the
  most runs per calendar day (interaction.month_summary): `ratio` is *the busiest day vs the median day of the
  month* (0 when the median day has no runs).
- "month": {"all" and each system: {"month", "runs"} or None}: the calendar month with the most runs (facts).
- "quarter": {system: {"month_of_quarter", "factor"} or None}: the month of the quarter with the highest runs per
  day over the average whole month (seasonality.seasonality_summary).
- "load": None without Full BAS runtime, else {"hour_by_compute": {"at" (Sydney hour), "compute_s", "median_s",
  "ratio"}, "hour_by_runs": {"at", "runs"}, "peak_concurrency", "peak_at" (Sydney), "minute_p99", "provision",
  "provision_month", "provision_due_date"} (capacity.capacity_outlook).
- "windows": {system: None or {"best", "runner_up", "median_runs", "costliest", "monthly_runs_mean"}} where each
  window is {"day", "start", "end", "runs_mean"} (recommendation.window_costs_summary).
- "share": None, or the runs of each system over the whole months both extracts cover and their shares
  (like_for_like.common_months): the only share of runs the story states, so unlike periods are never compared.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import duckdb
import pandas as pd

from basstory.analyses import capacity, facts, interaction, like_for_like, recommendation, seasonality
from basstory.core.schema import SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.view import per_view


def week_claims(heatmap: pd.DataFrame) -> dict[str, dict]:
    """From `interaction.weekly_heatmap`: per system and 'all', the weekday and the hour of the day with the most
    runs (ties: the earlier), and the weekday and business-hours shares (interaction.week_summary)."""
    if heatmap.empty:
        return {}
    shares = interaction.week_summary(heatmap)
    both = heatmap.groupby(["weekday", "hour"], as_index=False)["runs"].sum().assign(system="all")
    out = {}
    for system, cells in pd.concat([heatmap, both]).groupby("system", sort=False):
        runs = int(cells["runs"].sum())
        if not runs:
            continue
        days = cells.groupby("weekday")["runs"].sum().sort_index()
        hours = cells.groupby("hour")["runs"].sum().sort_index()
        weekday, hour = int(days.idxmax()), int(hours.idxmax())   # idxmax: the first of equal maxima
        out[str(system)] = {"weekday": weekday, "weekday_runs": int(days[weekday]), "hour": hour,
                            "hour_runs": int(hours[hour]), "runs": runs,
                            "business_hours_share": shares[str(system)]["business_hours_share"],
                            "weekday_share": shares[str(system)]["weekday_share"]}
    return out


def month_day_claims(profile: pd.DataFrame) -> dict[str, dict]:
    """From `interaction.day_of_month_profile`: per system the busiest day of the month and its ratio to the median
    day of the month (interaction.month_summary)."""
    return {s: {"day": m["busiest_day"], "runs_per_day": m["busiest_runs_per_day"],
                "median_runs_per_day": m["median_runs_per_day"], "ratio": m["peak_ratio"]}
            for s, m in interaction.month_summary(profile).items()}


def load_claims(outlook: dict) -> dict | None:
    """From `capacity.capacity_outlook`: the busiest hour by compute-seconds and by runs starting, the peak
    concurrency and the capacity to provision."""
    load, plan = outlook["load"], outlook["plan"]
    if load is None:
        return None
    s = load["summary"]
    top = load["busiest_hours"].iloc[0] if not load["busiest_hours"].empty else None
    return {
        "hour_by_compute": {"at": pd.Timestamp(s["peak_hour_local"]), "compute_s": float(s["peak_hour_compute_s"]),
                            "median_s": float(s["median_hour_compute_s"]), "ratio": s["peak_to_median_hour"]},
        "hour_by_runs": ({"at": pd.Timestamp(top["hour_local"]), "runs": int(top["runs"])}
                         if top is not None else None),
        "peak_concurrency": int(s["peak_concurrency"]),
        "peak_at": pd.Timestamp(s["peak_at_local"]),
        "minute_p99": float(s["minute_p99"]),
        "provision": plan["provision"] if plan else None,
        "provision_month": plan["peak_month"] if plan else None,
        "provision_due_date": plan.get("due_date") if plan else None,
    }


def _window(w: dict) -> dict:
    return {"day": int(w["day"]), "start": str(w["start"]), "end": str(w["end"]), "runs_mean": float(w["runs_mean"])}


def window_claims(recs: dict[str, dict | None]) -> dict[str, dict | None]:
    """From `recommendation.window_costs_summary` (or `recommendations`) per system: the recommended, runner-up,
    median and costliest window."""
    out: dict[str, dict | None] = {}
    for system in SYSTEMS:
        rec = recs.get(system)
        out[system] = None if rec is None else {
            "best": _window(rec["best"]),
            "runner_up": _window(rec["runner_up"]) if rec["runner_up"] else None,
            "median_runs": float(rec["median_runs"]),
            "costliest": _window(rec["worst"]),
            "monthly_runs_mean": float(rec["monthly_runs_mean"]),
        }
    return out


#: Each claim of the story and how it is chosen: claim -> function(con, filters) returning its value.
CLAIM_SOURCES: dict[str, Callable[[duckdb.DuckDBPyConnection, StoryFilters], object]] = {
    "week": lambda con, f: week_claims(interaction.weekly_heatmap(con, f)),
    "month_day": lambda con, f: month_day_claims(interaction.day_of_month_profile(con, f)),
    "month": lambda con, f: {"all": facts.busiest_month(con, f),
                             **{s: facts.busiest_month(con, f, s) for s in SYSTEMS}},
    "quarter": lambda con, f: {
        s: ({"month_of_quarter": v["peak_month_of_quarter"], "factor": v["peak_month_of_quarter_factor"]}
            if v["peak_month_of_quarter"] is not None else None)
        for s, v in seasonality.seasonality_summary(con, f).items()},
    "load": lambda con, f: load_claims(capacity.capacity_outlook(con, f)),
    "windows": lambda con, f: window_claims({s: recommendation.window_costs_summary(con, f, s) for s in SYSTEMS}),
    "share": lambda con, f: like_for_like.common_months(con, f),
}


@per_view
def claim(con: duckdb.DuckDBPyConnection, f: StoryFilters, name: str) -> object:
    """One of the view's claims (CLAIM_SOURCES), chosen once per view."""
    return CLAIM_SOURCES[name](con, f)


class StoryClaims(Mapping):
    """The view's key claims (see the module's docstring) as a read-only mapping that chooses each claim when it is
    first asked for: a page pays only for the claims it states (the cover does not build the load sweep)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, f: StoryFilters) -> None:
        self._con, self._filters = con, f

    def __getitem__(self, name: str) -> object:
        if name not in CLAIM_SOURCES:
            raise KeyError(name)
        return claim(self._con, self._filters, name)

    def __iter__(self) -> Iterator[str]:
        return iter(CLAIM_SOURCES)

    def __len__(self) -> int:
        return len(CLAIM_SOURCES)


def story_claims(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> StoryClaims:
    """The view's key claims, each chosen once per view and only when asked for (StoryClaims)."""
    return StoryClaims(con, f)
