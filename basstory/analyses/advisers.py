"""Advisers: the users who run reports for many orgs (docs/counting.md: ADVISER_MIN_ORGS or more orgs in the view,
both systems together; everyone else is an *owner*), how many orgs they cover, how their timing differs from owners'
(the days before the due date; batches of orgs on one day near the agent due dates), and what the recommended outage
windows would cost them in particular.

Every function reads the view's kept runs (`queries.filtered_runs_sql`, or the cubes and the per-run table on the
fast engine); users are counted by identity (`lower(userid)`) and never shown.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from basstory.analyses.facts import runs_by_system
from basstory.analyses.interaction import ADVISER_MIN_ORGS
from basstory.analyses.kept import kept_user_org_keys, kept_user_orgs
from basstory.analyses.outage import run_period, window_occurrences
from basstory.analyses.recommendation import window_costs_summary
from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import CONTRACT_TZ, SYSTEMS
from basstory.ingest.derive import CADENCE_SQL
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql, frame, frame_with
from basstory.query.tables import is_fast
from basstory.query.view import derived_run_predicate, per_view, profile_due_sql, user_runs_sql

ROLES: tuple[str, ...] = ("adviser", "owner")
ROLE_LABELS = {"adviser": f"Advisers ({ADVISER_MIN_ORGS}+ orgs)", "owner": "Owners (one org)"}
#: Buckets of orgs per adviser: (label, lowest, highest).
ADVISER_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("2", 2, 2), ("3–5", 3, 5), ("6–10", 6, 10), ("11–20", 11, 20), ("21+", 21, 10**9))
#: A batch: one adviser running reports for at least this many orgs on one Sydney date.
BATCH_MIN_ORGS = 3
#: "Near" an agent due date: the due date itself and the days before it, this many in all.
NEAR_DUE_DAYS = 14
#: The timing chart's weeks before the due date (later runs are in the last week shown).
WEEKS_SHOWN = 13


def _advisers_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the user_key of every adviser of the view (ADVISER_MIN_ORGS or more orgs, both systems together)."""
    k = kept_user_org_keys(con, f)                     # which orgs each user ran: the keys suffice
    return (f"SELECT user_key FROM ({k.source}) GROUP BY user_key "
            f"HAVING count(DISTINCT org_id) >= {ADVISER_MIN_ORGS}")


@per_view
def adviser_runs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The view's runs per (system, adviser). Grain: one row per system and adviser with a kept run in it. Columns:
    system, user_key, runs. On the fast engine summed from the cubes for the advisers alone (query.view.user_runs_sql);
    on the reference engine from the runs."""
    advisers = _advisers_sql(con, f)
    if is_fast(con):
        return frame(con, f"SELECT system, user_id AS user_key, runs "
                          f"FROM ({user_runs_sql(con, f, f'SELECT user_key FROM ({advisers})')})")
    k = kept_user_orgs(con, f)
    return frame(con, f"SELECT system, user_key, CAST(sum({k.weight}) AS BIGINT) AS runs FROM ({k.source}) "
                      f"WHERE user_key IN ({advisers}) GROUP BY system, user_key")


@per_view
def adviser_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """{"users", "advisers", "adviser_share" (of users), "runs", "adviser_runs", "run_share", "orgs" (with a kept
    run), "orgs_covered" (with a run by an adviser), "covered_share", "adviser_only_orgs" (every run by advisers),
    "max_orgs" (the most orgs one adviser ran), "median_orgs" (per adviser, the lower median; 0 without advisers)}.
    Who ran which org comes from the view's keys, the runs from the view's totals and `adviser_runs`."""
    k = kept_user_org_keys(con, f)
    row = frame(con, f"""
        WITH uo AS (SELECT DISTINCT user_key, org_id FROM ({k.source})),
        u AS (SELECT user_key, count(*) AS n_orgs FROM uo GROUP BY user_key),
        r AS (SELECT uo.org_id, bool_or(u.n_orgs >= {ADVISER_MIN_ORGS}) AS any_adviser,
                     bool_and(u.n_orgs >= {ADVISER_MIN_ORGS}) AS all_adviser
              FROM uo JOIN u USING (user_key) GROUP BY uo.org_id)
        SELECT (SELECT count(*) FROM u) AS users,
               (SELECT count(*) FILTER (WHERE n_orgs >= {ADVISER_MIN_ORGS}) FROM u) AS advisers,
               (SELECT count(*) FROM r) AS orgs,
               (SELECT count(*) FILTER (WHERE any_adviser) FROM r) AS orgs_covered,
               (SELECT count(*) FILTER (WHERE all_adviser) FROM r) AS adviser_only_orgs,
               (SELECT coalesce(max(n_orgs), 0) FROM u) AS max_orgs,
               (SELECT coalesce(quantile_disc(n_orgs, 0.5) FILTER (WHERE n_orgs >= {ADVISER_MIN_ORGS}), 0) FROM u)
                   AS median_orgs""").iloc[0]
    out = {key: int(row[key]) for key in ("users", "advisers", "orgs", "orgs_covered", "adviser_only_orgs",
                                          "max_orgs", "median_orgs")}
    out["runs"] = sum(runs_by_system(con, f).values())
    out["adviser_runs"] = int(adviser_runs(con, f)["runs"].sum())
    out["adviser_share"] = out["advisers"] / out["users"] if out["users"] else 0.0
    out["run_share"] = out["adviser_runs"] / out["runs"] if out["runs"] else 0.0
    out["covered_share"] = out["orgs_covered"] / out["orgs"] if out["orgs"] else 0.0
    return out


@per_view
def orgs_per_adviser(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Advisers by how many orgs they ran reports for.

    Grain: one row per bucket of ADVISER_BUCKETS with advisers. Columns: orgs_bucket, bucket_order, advisers, runs
    (their runs, both systems), adviser_share, run_share (of all advisers' runs).
    """
    k = kept_user_org_keys(con, f)
    label = " ".join(f"WHEN n_orgs BETWEEN {lo} AND {hi} THEN '{name}'" for name, lo, hi in ADVISER_BUCKETS)
    order = " ".join(f"WHEN n_orgs BETWEEN {lo} AND {hi} THEN {i}" for i, (_, lo, hi) in enumerate(ADVISER_BUCKETS))
    return frame_with(con, f"""
        WITH n AS (SELECT user_key, count(DISTINCT org_id) AS n_orgs FROM ({k.source}) GROUP BY user_key
                   HAVING count(DISTINCT org_id) >= {ADVISER_MIN_ORGS}),
        w AS (SELECT user_key, sum(runs) AS w FROM adviser_runs GROUP BY user_key),
        u AS (SELECT n.user_key, n.n_orgs, coalesce(w.w, 0) AS w FROM n LEFT JOIN w USING (user_key))
        SELECT CASE {label} END AS orgs_bucket, CAST(CASE {order} END AS INTEGER) AS bucket_order,
               count(*) AS advisers, CAST(sum(w) AS BIGINT) AS runs,
               count(*) / sum(count(*)) OVER () AS adviser_share, sum(w) / sum(sum(w)) OVER () AS run_share
        FROM u GROUP BY orgs_bucket, bucket_order ORDER BY bucket_order""", {"adviser_runs": adviser_runs(con, f)})


def _due_values(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str | None:
    """A VALUES list of (cadence, due_date) covering every kept run's next due date; None without kept runs."""
    span = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last "
                      f"FROM ({filtered_runs_sql(f)})")
    if span.empty or pd.isna(span.loc[0, "first"]):
        return None
    first, last = pd.Timestamp(span.loc[0, "first"]).date(), pd.Timestamp(span.loc[0, "last"]).date()
    due = bas_due_dates(first, last + timedelta(days=120))
    return "(VALUES " + ", ".join(f"('{c}', DATE '{d.isoformat()}')"
                                  for c, d in zip(due["cadence"], due["due_date"], strict=True)) + ")"


@per_view
def timing_by_role(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Days from a run to its org's next due date (the cadence's, as the interaction chapter counts it: monthly
    lodgers the 21st; quarterly orgs managed by a practice the agent dates; other quarterly orgs the 28th), by role.
    Runs of annual or other lodgers and of orgs not in the org table are left out.

    Grain: one row per (role, system, cadence, days_before) with runs. Columns: role, system, cadence, days_before,
    runs.
    """
    advisers = _advisers_sql(con, f)
    if is_fast(con):
        # a run's days to its due date depend on its org's profile and its date: the user-org-day cube's rows
        # stand for its runs (a third as many rows as runs at 100x)
        return frame(con, f"""
            SELECT CASE WHEN a.user_key IS NOT NULL THEN 'adviser' ELSE 'owner' END AS role, d.system, p.cadence,
                   CAST(t.days_before AS INTEGER) AS days_before, CAST(sum(d.runs) AS BIGINT) AS runs
            FROM user_org_day d
            JOIN ({profile_due_sql(con)}) t ON t.profile_id = d.profile_id AND t.run_local_date = d.run_local_date
            JOIN profiles p ON p.profile_id = d.profile_id
            LEFT JOIN ({advisers}) a ON a.user_key = d.user_id
            WHERE {derived_run_predicate(con, f, "d.")}
            GROUP BY ALL ORDER BY role, system, cadence, days_before""")
    due = _due_values(con, f)
    if due is None:
        return pd.DataFrame(columns=["role", "system", "cadence", "days_before", "runs"])
    return frame(con, f"""
        WITH r AS (SELECT system, user_key, run_local_date, {CADENCE_SQL} AS cadence FROM ({filtered_runs_sql(f)}))
        SELECT CASE WHEN r.user_key IN ({advisers}) THEN 'adviser' ELSE 'owner' END AS role, r.system, r.cadence,
               CAST(d.due_date - r.run_local_date AS INTEGER) AS days_before, count(*) AS runs
        FROM r ASOF JOIN {due} AS d(cadence, due_date) ON r.cadence = d.cadence AND r.run_local_date <= d.due_date
        GROUP BY ALL ORDER BY role, system, cadence, days_before""")


def weeks_by_role(timing: pd.DataFrame) -> pd.DataFrame:
    """`timing_by_role` by week before the due date, both systems together: week 0 is the due date and the 6 days
    before it; weeks from WEEKS_SHOWN - 1 on are counted in the last week shown.

    Grain: one row per (role, weeks_before) with runs. Columns: role, role_label, weeks_before, runs, share (of
    the role's runs)."""
    columns = ["role", "role_label", "weeks_before", "runs", "share"]
    if timing.empty:
        return pd.DataFrame(columns=columns)
    weeks = timing.assign(weeks_before=(timing["days_before"] // 7).clip(upper=WEEKS_SHOWN - 1))
    weeks = weeks.groupby(["role", "weeks_before"], as_index=False)["runs"].sum()
    weeks["share"] = weeks["runs"] / weeks.groupby("role")["runs"].transform("sum")
    weeks["role_label"] = weeks["role"].map(ROLE_LABELS)
    return weeks[columns]


def timing_summary(timing: pd.DataFrame) -> dict[str, dict]:
    """Per role: {"runs", "final_week_share" (0-6 days before the due date), "median_days" (the lower median)}."""
    out = {}
    for role, rows in timing.groupby("role", sort=True):
        per_day = rows.groupby("days_before")["runs"].sum().sort_index()
        runs = int(per_day.sum())
        median = int(per_day.index[(per_day.cumsum() >= runs / 2).to_numpy().argmax()])
        out[str(role)] = {"runs": runs, "final_week_share": int(per_day[per_day.index <= 6].sum()) / runs,
                          "median_days": median}
    return out


@per_view
def batch_days(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """Advisers' batches: the (adviser, Sydney date)s on which an adviser ran reports for BATCH_MIN_ORGS or more orgs.

    {"adviser_days" (adviser-dates with a run), "batch_days", "batch_runs", "adviser_runs", "batch_run_share",
    "largest_batch" (most orgs in one adviser-date), "near_due_batch_share" (of batch days, those within
    NEAR_DUE_DAYS days up to an agent due date, calendar_au's quarterly_agent dates), "near_due_day_share" (of the
    calendar days from the first to the last batch day, those near an agent due date: the share by chance)}."""
    advisers = _advisers_sql(con, f)
    if is_fast(con):
        days = f"""SELECT d.user_id AS user_key, d.run_local_date, count(DISTINCT d.org_id) AS orgs,
                          CAST(sum(d.runs) AS BIGINT) AS runs
                   FROM user_org_day d JOIN ({advisers}) a ON a.user_key = d.user_id
                   WHERE {derived_run_predicate(con, f)} GROUP BY d.user_id, d.run_local_date"""
    else:
        days = f"""SELECT user_key, run_local_date, count(DISTINCT org_id) AS orgs, count(*) AS runs
                   FROM ({filtered_runs_sql(f)}) WHERE user_key IN ({advisers}) GROUP BY user_key, run_local_date"""
    per_day = frame(con, days)
    out = {"adviser_days": len(per_day), "batch_days": 0, "batch_runs": 0,
           "adviser_runs": int(per_day["runs"].sum()) if len(per_day) else 0, "batch_run_share": 0.0,
           "largest_batch": int(per_day["orgs"].max()) if len(per_day) else 0,
           "near_due_batch_share": 0.0, "near_due_day_share": 0.0}
    batches = per_day[per_day["orgs"] >= BATCH_MIN_ORGS]
    if batches.empty:
        return out
    out["batch_days"] = len(batches)
    out["batch_runs"] = int(batches["runs"].sum())
    out["batch_run_share"] = out["batch_runs"] / out["adviser_runs"]
    dates = pd.to_datetime(batches["run_local_date"]).dt.date
    first, last = min(dates), max(dates)
    near = near_due_days(first, last)
    out["near_due_batch_share"] = float(sum(d in near for d in dates)) / len(batches)
    out["near_due_day_share"] = len(near) / ((last - first).days + 1)
    return out


def near_due_days(first, last) -> set:
    """The dates in [first, last] that lie within NEAR_DUE_DAYS days up to and including an agent due date."""
    due = bas_due_dates(first, last + timedelta(days=NEAR_DUE_DAYS))
    near = set()
    for d in due.loc[due["cadence"] == "quarterly_agent", "due_date"]:
        for back in range(NEAR_DUE_DAYS):
            day = d - timedelta(days=back)
            if first <= day <= last:
                near.add(day)
    return near


@per_view
def outage_cost(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """What each system's recommended outage window (recommendation.window_costs_summary: the default method's
    cheapest window) would cost advisers and owners.

    Grain: one row per system with a recommended window. Columns: system, day, start, end, occurrences, runs_mean
    (runs per occurrence, everyone: the method's cost), adviser_runs_mean, owner_runs_mean, adviser_window_share (of
    the runs in the window's occurrences, by advisers), adviser_system_share (of the system's kept runs, by
    advisers), advisers_hit (advisers with a run in an occurrence), adviser_orgs_hit (orgs an adviser ran a report
    for in an occurrence). Only the runs on the occurrences' Sydney dates are read.
    """
    columns = ["system", "day", "start", "end", "occurrences", "runs_mean", "adviser_runs_mean", "owner_runs_mean",
               "adviser_window_share", "adviser_system_share", "advisers_hit", "adviser_orgs_hit"]
    rows = []
    advisers = _advisers_sql(con, f)
    system_runs_all = runs_by_system(con, f)
    adviser_runs_all = adviser_runs(con, f).groupby("system")["runs"].sum()
    for system in f.systems:
        if system not in SYSTEMS:
            continue
        summary = window_costs_summary(con, f, system)
        period = run_period(con, f, system)
        if summary is None or period is None:
            continue
        best = summary["best"]
        occ = window_occurrences(*period)
        occ = occ[(occ["day"] == best["day"]) & (occ["start_minute"] == best["start_minute"])]
        # the Sydney dates an occurrence touches (it may run past midnight), so the scan reads only those days
        days = sorted({d for start, end in zip(occ["start_utc"], occ["end_utc"], strict=True)
                       for d in (_sydney_date(start), _sydney_date(end))})
        day_list = ", ".join(f"DATE '{d.isoformat()}'" for d in days) or "NULL"
        counts = frame_with(con, f"""
            WITH r AS (SELECT run_utc, user_key, org_id, user_key IN ({advisers}) AS adviser
                       FROM ({filtered_runs_sql(f)}) WHERE system = $system AND run_local_date IN ({day_list})),
            hit AS (SELECT r.* FROM r JOIN occ o ON r.run_utc >= o.start_utc AND r.run_utc < o.end_utc)
            SELECT count(*) AS runs, count(*) FILTER (WHERE adviser) AS adv,
                   count(DISTINCT user_key) FILTER (WHERE adviser) AS advisers_hit,
                   count(DISTINCT org_id) FILTER (WHERE adviser) AS orgs_hit
            FROM hit""", {"occ": occ[["start_utc", "end_utc"]].reset_index(drop=True)}, {"system": system}).iloc[0]
        n = len(occ)
        runs, adv = int(counts["runs"]), int(counts["adv"])
        system_runs = system_runs_all[system]
        rows.append({"system": system, "day": best["day"], "start": best["start"], "end": best["end"],
                     "occurrences": n, "runs_mean": runs / n if n else 0.0,
                     "adviser_runs_mean": adv / n if n else 0.0, "owner_runs_mean": (runs - adv) / n if n else 0.0,
                     "adviser_window_share": adv / runs if runs else 0.0,
                     "adviser_system_share": int(adviser_runs_all.get(system, 0)) / system_runs
                     if system_runs else 0.0,
                     "advisers_hit": int(counts["advisers_hit"]), "adviser_orgs_hit": int(counts["orgs_hit"])})
    return pd.DataFrame(rows, columns=columns)


def _sydney_date(utc) -> object:
    return pd.Timestamp(utc).tz_localize("UTC").tz_convert(CONTRACT_TZ).date()


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: advisers, their share of users and runs, the orgs they cover, the most orgs
    one adviser ran."""
    s = adviser_summary(con, f)
    return {"advisers": s["advisers"], "adviser_share_of_users": s["adviser_share"],
            "adviser_share_of_runs": s["run_share"], "orgs_covered_by_advisers": s["orgs_covered"],
            "max_orgs_per_adviser": s["max_orgs"]}
