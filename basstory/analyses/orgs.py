"""The most and least active orgs of the view, by runs and by compute, per system and per plan; and one org's page:
its runs over time against its own due dates, its users, its plan, tax period and status, and where it sits among
its segment.

The rankings read `segments.classified_orgs` (one row per org in the org table with a kept run), so an org's numbers
here are the ones its segment counts; an org of the view with no kept run is not ranked (the at-risk chapter
counts those).
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from basstory.analyses.interaction import ADVISER_MIN_ORGS
from basstory.analyses.segments import CADENCE_LABELS, classified_orgs
from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import CONTRACT_TZ, SYSTEM_LABELS
from basstory.ingest.derive import CADENCE_SQL
from basstory.query.filters import StoryFilters
from basstory.query.queries import frame
from basstory.query.tables import is_fast

#: How many orgs each end of a ranking lists.
TOP_N = 10
#: What orgs can be ranked by: measure -> (the classified_orgs column, label, unit).
MEASURES: dict[str, tuple[str, str, str]] = {
    "runs": ("runs", "Runs, both systems", "runs"),
    "full": ("runs_full", "Full BAS runs", "runs"),
    "simple": ("runs_simple", "Simple BAS runs", "runs"),
    "compute": ("compute_minutes", "Compute (Full BAS runtime)", "minutes"),
}
MEASURE_LABELS = {m: label for m, (_, label, _) in MEASURES.items()}
#: How a sentence names each measure.
MEASURE_PHRASES = {"runs": "runs (both systems)", "full": "Full BAS runs", "simple": "Simple BAS runs",
                   "compute": "Full BAS compute"}
#: The system whose colour a measure's chart takes ('both' for runs of both systems).
MEASURE_SYSTEM = {"runs": "both", "full": "full", "simple": "simple", "compute": "full"}

#: An org's page shows its due dates up to this many days after its last week of runs (the next one after it stops).
DUE_AFTER_DAYS = 45

RANKING_COLUMNS = ["end", "rank", "org_key", "shortcode", "plan", "tax_period", "cadence", "value", "share"]


def _measure_values(orgs: pd.DataFrame, column: str) -> pd.Series:
    """The measure's value for each org (compute in minutes, from compute_s)."""
    return orgs["compute_s"] / 60 if column == "compute_minutes" else orgs[column]


def _ordered(values: pd.Series, org_keys: pd.Series, ascending: bool) -> pd.Index:
    """The index of `values` in measure order (ties: the smaller org_key first). Sorted by Arrow over the two columns
    alone: pandas would factorise the keys on every sort (at 100x, over a hundred thousand orgs)."""
    pair = pa.table({"value": pa.array(values.to_numpy(dtype=float)), "org_key": pa.array(org_keys)})
    order = pc.sort_indices(pair, sort_keys=[("value", "ascending" if ascending else "descending"),
                                             ("org_key", "ascending")])
    return values.index[order.to_numpy()]


def ranking(orgs: pd.DataFrame, measure: str, n: int = TOP_N) -> pd.DataFrame:
    """The `n` orgs with the most and the `n` with the least of `measure` (MEASURES), among the orgs with any of it.

    Grain: one row per (end, org). Columns: end ('most' or 'least'), rank (1 = the most, or the least), org_key,
    shortcode, plan, tax_period, cadence (inferred), value, share (of the measure's total over every org). Ties: the
    smaller org_key first at both ends. With fewer than 2n such orgs, an org can be at both ends."""
    orgs = orgs.reset_index(drop=True)
    values = _measure_values(orgs, MEASURES[measure][0])
    values = values[values > 0]
    total = float(values.sum())
    parts = []
    for end, ascending in (("most", False), ("least", True)):
        at = _ordered(values, orgs.loc[values.index, "org_key"], ascending)[:n]
        top, value = orgs.loc[at], values.loc[at]
        parts.append(pd.DataFrame({"end": end, "rank": range(1, len(top) + 1), "org_key": top["org_key"].to_numpy(),
                                   "shortcode": top["shortcode"].to_numpy(), "plan": top["plan"].to_numpy(),
                                   "tax_period": top["tax_period"].to_numpy(),
                                   "cadence": top["cadence"].map(CADENCE_LABELS).to_numpy(),
                                   "value": value.astype(float).to_numpy(),
                                   "share": (value / total).to_numpy() if total else 0.0}))
    return pd.concat(parts, ignore_index=True)[RANKING_COLUMNS] if parts else pd.DataFrame(columns=RANKING_COLUMNS)


def concentration(orgs: pd.DataFrame, measure: str, n: int = TOP_N) -> dict:
    """{"orgs" (with any of the measure), "total", "top_share" (the n largest orgs' share), "bottom_share",
    "median"}."""
    values = _measure_values(orgs, MEASURES[measure][0])
    values = values[values > 0].sort_values(ascending=False)
    total = float(values.sum())
    return {"orgs": len(values), "total": total,
            "top_share": float(values.head(n).sum()) / total if total else 0.0,
            "bottom_share": float(values.tail(n).sum()) / total if total else 0.0,
            "median": float(values.median()) if len(values) else 0.0}


def by_plan(orgs: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Per plan: its orgs, the measure's total and median per org, and its most and least active org.

    Grain: one row per plan with an org that has any of the measure, most of the measure first. Columns: plan, orgs,
    total, median, most_org, most_value, least_org, least_value (orgs by short code; ties: the smaller org_key)."""
    orgs = orgs.reset_index(drop=True)
    values = _measure_values(orgs, MEASURES[measure][0])
    values = values[values > 0]
    data = pd.DataFrame({"plan": orgs.loc[values.index, "plan"], "value": values,
                         "shortcode": orgs.loc[values.index, "shortcode"]})
    keys = orgs.loc[values.index, "org_key"]
    # each plan's first org in each order: the whole frame sorted once per end, not once per plan
    most = data.loc[_ordered(values, keys, ascending=False)].drop_duplicates("plan").set_index("plan")
    least = data.loc[_ordered(values, keys, ascending=True)].drop_duplicates("plan").set_index("plan")
    rows = []
    for plan, part in data.groupby("plan", sort=False):
        rows.append({"plan": plan, "orgs": len(part), "total": float(part["value"].sum()),
                     "median": float(part["value"].median()), "most_org": most.at[plan, "shortcode"],
                     "most_value": float(most.at[plan, "value"]), "least_org": least.at[plan, "shortcode"],
                     "least_value": float(least.at[plan, "value"])})
    columns = ["plan", "orgs", "total", "median", "most_org", "most_value", "least_org", "least_value"]
    out = pd.DataFrame(rows, columns=columns)
    return out.sort_values(["total", "plan"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --- One org --------------------------------------------------------------------------------------------------------

def find_org(con: duckdb.DuckDBPyConnection, code: str | None) -> dict | None:
    """The org a link names: by its short code (exactly, as the Simple BAS join does) or its organisation id (any
    case). None when `code` is empty or names no org in the org table.

    Keys: org_key, shortcode, status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice,
    staff_users, created_utc, deleted_utc, in_scope, cadence (the due-date cadence its attributes give, or None)."""
    if not code:
        return None
    df = frame(con, f"""
        SELECT org_key, shortcode, status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice,
               staff_users, created_utc, deleted_utc, in_scope, {CADENCE_SQL} AS cadence
        FROM orgs WHERE shortcode = $code OR org_key = upper($code)
        ORDER BY shortcode = $code DESC LIMIT 1""", {"code": str(code).strip()})
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    return {k: (None if (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()}


def _org_runs_sql(con: duckdb.DuckDBPyConnection, org_key: str) -> str:
    """SQL: every run of one org (any scope, any date): system, user_key, run_utc, run_local_date, runtime_s."""
    if is_fast(con):
        return ("SELECT system, user_key, run_utc, run_local_date, runtime_s FROM runs "
                "WHERE org_id = (SELECT org_id FROM orgs WHERE org_key = $org)")
    return "SELECT system, user_key, run_utc, run_local_date, runtime_s FROM runs WHERE org_key = $org"


def org_runs_by_week(con: duckdb.DuckDBPyConnection, org_key: str) -> pd.DataFrame:
    """One org's runs per week (weeks start on Monday, Sydney dates), per system, every run whatever its scope.
    Grain: one row per (system, week) with runs. Columns: system, system_label, week (date), runs, compute_s."""
    df = frame(con, f"""
        SELECT system, CAST(date_trunc('week', run_local_date) AS DATE) AS week, count(*) AS runs,
               coalesce(sum(runtime_s), 0) AS compute_s
        FROM ({_org_runs_sql(con, org_key)}) GROUP BY ALL ORDER BY system, week""", {"org": org_key})
    df.insert(1, "system_label", df["system"].map(SYSTEM_LABELS))
    df["week"] = pd.to_datetime(df["week"])
    return df


def org_due_dates(cadence: str | None, first, last) -> pd.DataFrame:
    """The due dates of one cadence (calendar_au) from `first` to DUE_AFTER_DAYS after `last`. Columns: due_date
    (Timestamp), label."""
    if cadence is None or first is None or pd.isna(first):
        return pd.DataFrame(columns=["due_date", "label"])
    due = bas_due_dates(pd.Timestamp(first).date(), pd.Timestamp(last).date() + timedelta(days=DUE_AFTER_DAYS))
    due = due[due["cadence"] == cadence]
    return pd.DataFrame({"due_date": pd.to_datetime(due["due_date"]), "label": due["label"]}).reset_index(drop=True)


def org_users(con: duckdb.DuckDBPyConnection, org_key: str) -> pd.DataFrame:
    """The people who ran one org's reports (every run, any scope), numbered by their first run here, never named.

    Grain: one row per user. Columns: user ('User 1' ...), runs, systems ('Full BAS', 'Simple BAS' or both), first
    and last (Sydney dates), orgs (how many orgs of the org table the user ran reports for, in any scope), role
    ('adviser' with ADVISER_MIN_ORGS or more, else 'own staff')."""
    df = frame(con, f"""
        WITH r AS ({_org_runs_sql(con, org_key)}),
        mine AS (SELECT user_key, count(*) AS runs, min(run_utc) AS first_utc, max(run_utc) AS last_utc,
                        bool_or(system = 'full') AS full, bool_or(system = 'simple') AS simple
                 FROM r GROUP BY user_key),
        reach AS (SELECT user_key, count(DISTINCT org_key) AS orgs FROM runs
                  WHERE user_key IN (SELECT user_key FROM mine) AND org_key IS NOT NULL GROUP BY user_key)
        SELECT m.runs, m.full, m.simple, m.first_utc, m.last_utc, coalesce(reach.orgs, 1) AS orgs
        FROM mine m LEFT JOIN reach USING (user_key) ORDER BY m.first_utc, m.runs DESC""", {"org": org_key})
    local = [pd.Timestamp(t).tz_localize("UTC").tz_convert(CONTRACT_TZ).date() for t in df["first_utc"]]
    last = [pd.Timestamp(t).tz_localize("UTC").tz_convert(CONTRACT_TZ).date() for t in df["last_utc"]]
    systems = [" and ".join(SYSTEM_LABELS[s] for s, on in (("full", f), ("simple", s_)) if on)
               for f, s_ in zip(df["full"], df["simple"], strict=True)]
    return pd.DataFrame({"user": [f"User {i}" for i in range(1, len(df) + 1)], "runs": df["runs"].astype(int),
                         "systems": systems, "first": pd.to_datetime(local), "last": pd.to_datetime(last),
                         "orgs": df["orgs"].astype(int),
                         "role": ["adviser" if n >= ADVISER_MIN_ORGS else "own staff" for n in df["orgs"]]})


def org_in_segment(con: duckdb.DuckDBPyConnection, f: StoryFilters, org_key: str) -> dict | None:
    """Where one org sits among the orgs of its inferred cadence in the view (`segments.classified_orgs`): None when
    the org has no kept run in the view. Keys: the org's classified row (cadence, who, system_use, intensity,
    runs, compute_s, rerun_rate ...), peers (orgs of the same cadence), runs_percentile (the share of those peers with
    fewer runs), peer_median_runs."""
    orgs = classified_orgs(con, f)
    mine = orgs[orgs["org_key"] == org_key]
    if mine.empty:
        return None
    row = mine.iloc[0].to_dict()
    peers = orgs[orgs["cadence"] == row["cadence"]]
    row["peers"] = len(peers)
    row["runs_percentile"] = float((peers["runs"] < row["runs"]).mean())
    row["peer_median_runs"] = float(peers["runs"].median())
    return row


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: the orgs ranked, and the share of runs and of compute of the ten most active."""
    orgs = classified_orgs(con, f)
    runs, compute = concentration(orgs, "runs"), concentration(orgs, "compute")
    busiest = ranking(orgs, "runs", 1)
    return {"orgs_ranked": runs["orgs"], "top10_run_share": runs["top_share"], "top10_compute_share":
            compute["top_share"], "busiest_org": busiest["shortcode"].iloc[0] if len(busiest) else None}


def org_exists(con: duckdb.DuckDBPyConnection, code: str) -> bool:
    """True when `code` names an org of the org table (`find_org`): what the org page's link parameter accepts."""
    return find_org(con, code) is not None
