"""Chapter 5, the recommendation: the outage window per system with its evidence, and what the data can't say.

Everything here is assembled from the other analyses (outage.py's default method, outage_impact, capacity,
seasonality) for the filters given, so a different dataset or filter gives a different recommendation.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses.kept import kept_runs
from basstory.analyses.outage import best_window, outage_window_costs, run_period
from basstory.analyses.outage_impact import clock_changes, due_week_costs, window_impact
from basstory.core.schema import CONTRACT_TZ, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import per_view, user_org_keys_sql, view_slots_sql


def _window_row(costs: pd.DataFrame, i: int) -> dict:
    row = costs.iloc[i]
    return {"day": int(row["day"]), "start_minute": int(row["start_minute"]), "start": str(row["start"]),
            "end": str(row["end"]), "runs_mean": float(row["runs_mean"]), "runs_max": int(row["runs_max"]),
            "worst_month": str(row["worst_month"]), "occurrences": int(row["occurrences"])}


def runner_up_index(costs: pd.DataFrame) -> int | None:
    """Position in `outage_window_costs` order of the runner-up: the cheapest window on a different day from the
    recommendation (a fallback a day apart), else the second cheapest; None with fewer than two windows."""
    if len(costs) < 2:
        return None
    other_day = costs.index[costs["day"] != costs["day"].iloc[0]]
    return int(costs.index.get_loc(other_day[0])) if len(other_day) else 1


@per_view
def window_costs_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> dict | None:
    """What the default method's costs (outage_window_costs) say of one system's windows, without measuring any
    window further; None when the system has no complete window occurrence under the filters.

    Keys: system; window (`best_window(...)`, what facts.outage_windows gives); best and runner_up (day,
    start_minute, start, end, runs_mean, runs_max, worst_month, occurrences; the runner-up is `runner_up_index`'s
    window, None with a single window); median_runs (the median window's expected runs); worst (the costliest
    window, ties: the earliest); windows (how many were compared); monthly_runs_mean (the system's kept runs per
    calendar month it has runs in).
    """
    costs = outage_window_costs(con, f, system)
    window = best_window(costs)
    if window is None:
        return None
    runner_i = runner_up_index(costs)
    worst_i = int(costs.sort_values(["runs_mean", "day", "start_minute"], ascending=[False, True, True],
                                    kind="stable").index[0])
    kept = kept_runs(con, f)
    monthly = frame(con, f"SELECT {kept.count} / count(DISTINCT strftime(run_local_date, '%Y-%m')) AS per_month "
                         f"FROM ({kept.source}) WHERE system = $system", {"system": system}).iloc[0, 0]
    return {
        "system": system,
        "window": window,
        "best": _window_row(costs, 0),
        "runner_up": _window_row(costs, runner_i) if runner_i is not None else None,
        "median_runs": float(costs["runs_mean"].median()),
        "worst": _window_row(costs, int(costs.index.get_loc(worst_i))),
        "windows": int(len(costs)),
        "monthly_runs_mean": float(monthly) if pd.notna(monthly) else 0.0,
    }


@per_view
def system_recommendation(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> dict | None:
    """The recommended two-hour window of one system with the evidence for it; None when the system has no
    complete window occurrence under the filters.

    Keys: those of `window_costs_summary`, where best and the runner-up also have users_mean, users_max,
    users_worst_month, orgs_mean, orgs_max, orgs_worst_month, compute_s_mean, utc_times, zone_times,
    clock_change_nights (from outage_impact.window_impact) and the runner-up same_day (bool); plus
    - due_weeks: outage_impact.due_week_costs as records;
    - clock_changes: the daylight-saving nights in the period as records (local_date, kind).
    """
    summary = window_costs_summary(con, f, system)
    if summary is None:
        return None
    best, runner = summary["best"], summary["runner_up"]
    wanted = ((best["day"], best["start_minute"]),) + (((runner["day"], runner["start_minute"]),) if runner else ())
    impact = window_impact(con, f, system, wanted).set_index(["day", "start_minute"])
    for w in filter(None, (best, runner)):
        extra = impact.loc[(w["day"], w["start_minute"])]
        for key in ("users_mean", "orgs_mean", "compute_s_mean"):
            w[key] = float(extra[key])
        for key in ("users_max", "orgs_max"):
            w[key] = int(extra[key])
        for key in ("users_worst_month", "orgs_worst_month", "utc_times", "zone_times"):
            w[key] = str(extra[key])
        w["clock_change_nights"] = int(extra["clock_change_nights"])
    if runner:
        runner["same_day"] = runner["day"] == best["day"]
    period = run_period(con, f, system)
    changes = clock_changes(*period, tz=CONTRACT_TZ) if period else pd.DataFrame(columns=["local_date", "kind"])
    return {
        **summary,
        "due_weeks": due_week_costs(con, f, system).to_dict("records"),
        "clock_changes": changes[["local_date", "kind"]].to_dict("records"),
    }


@per_view
def recommendations(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict | None]:
    """`system_recommendation` for every system (None where it has none)."""
    return {s: system_recommendation(con, f, s) for s in SYSTEMS}


@per_view
def data_caveats(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """What the figures rest on, per system with kept runs: {"systems": {system: {first_date, last_date (Sydney),
    days, months (calendar months touched), runs, users, orgs, runtime_missing (Full BAS runs without a positive
    runtime)}}, "periods_differ": the systems' first or last dates differ by more than 31 days}."""
    if is_fast(con):
        df = frame(con, f"""
            WITH t AS (SELECT system, min(run_local_date) AS first_date, max(run_local_date) AS last_date,
                              count(DISTINCT strftime(run_local_date, '%Y-%m')) AS months, sum(runs) AS runs,
                              sum(runtime_missing) FILTER (WHERE system = 'full') AS runtime_missing
                       FROM ({view_slots_sql(con, f)}) GROUP BY system),
            u AS (SELECT system, count(DISTINCT user_id) AS users, count(DISTINCT org_id) AS orgs
                  FROM ({user_org_keys_sql(con, f)}) GROUP BY system)
            SELECT t.system, t.first_date, t.last_date, t.months, t.runs, u.users, u.orgs,
                   coalesce(t.runtime_missing, 0) AS runtime_missing
            FROM t JOIN u USING (system) ORDER BY t.system""")
    else:
        df = frame(con, f"""
            SELECT system, min(run_local_date) AS first_date, max(run_local_date) AS last_date,
                   count(DISTINCT strftime(run_local, '%Y-%m')) AS months, count(*) AS runs,
                   count(DISTINCT user_key) AS users, count(DISTINCT org_id) AS orgs,
                   count(*) FILTER (WHERE system = 'full' AND coalesce(runtime_s, 0) <= 0) AS runtime_missing
            FROM ({filtered_runs_sql(f)}) GROUP BY system ORDER BY system""")
    systems = {}
    for row in df.itertuples(index=False):
        first, last = pd.Timestamp(row.first_date).date(), pd.Timestamp(row.last_date).date()
        systems[str(row.system)] = {"first_date": first, "last_date": last, "days": (last - first).days + 1,
                                    "months": int(row.months), "runs": int(row.runs), "users": int(row.users),
                                    "orgs": int(row.orgs), "runtime_missing": int(row.runtime_missing)}
    differ = False
    if len(systems) == 2:
        a, b = systems["full"], systems["simple"]
        differ = (abs((a["first_date"] - b["first_date"]).days) > 31
                  or abs((a["last_date"] - b["last_date"]).days) > 31)
    return {"systems": systems, "periods_differ": differ}


def window_label(window: dict) -> str:
    """'day 12, 02:00–04:00' for a window dict with day, start and end."""
    return f"day {window['day']}, {window['start']}–{window['end']}"


def window_comparison(recs: dict[str, dict | None]) -> pd.DataFrame:
    """The frame behind the window comparison chart: per system, the recommended window, the runner-up, the median
    window and the costliest window with their expected runs."""
    rows = []
    for system in SYSTEMS:
        rec = recs.get(system)
        if not rec:
            continue
        rows.append({"system": system, "label": "Recommended", "window": window_label(rec["best"]),
                     "runs_mean": rec["best"]["runs_mean"]})
        if rec["runner_up"]:
            rows.append({"system": system, "label": "Runner-up", "window": window_label(rec["runner_up"]),
                         "runs_mean": rec["runner_up"]["runs_mean"]})
        rows.append({"system": system, "label": "Median window", "window": "half the windows cost more",
                     "runs_mean": rec["median_runs"]})
        rows.append({"system": system, "label": "Costliest window", "window": window_label(rec["worst"]),
                     "runs_mean": rec["worst"]["runs_mean"]})
    return pd.DataFrame(rows, columns=["system", "label", "window", "runs_mean"])


def due_week_table(recs: dict[str, dict | None]) -> pd.DataFrame:
    """The frame behind the due-week chart: each system's due_week_costs with a system column."""
    frames = [pd.DataFrame(rec["due_weeks"]).assign(system=s) for s in SYSTEMS if (rec := recs.get(s))]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
