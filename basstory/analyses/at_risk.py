"""Dormant, cancelled and at risk: orgs whose expected lodgement, by their own cadence, has not appeared.

- **Cancelled**: orgs deleted or suspended (status, deleteddateutc). They are counted apart and never as low usage.
- **Dormant**: orgs the view keeps (active and paying, by default) with no kept run at all.
- **At risk**: orgs the view keeps whose last run is more than one expected gap (their cadence's: a month, a quarter,
  a year), plus GRACE_DAYS, before the end of the data for the systems they use: an expected lodgement is missing.

Every scored org also gets a **risk score** from 0 to 100, the sum of three signals with stated weights
(RISK_WEIGHTS): missed lodgements (one missed gives half the weight, two or more all of it); falling activity (the
runs of the last RECENT_MONTHS months against the RECENT_MONTHS before, 1 - recent / previous, 0 when rising); and
low usage (1 - the org's percentile of runs per month among the scored orgs). The score is judged by a **backtest**:
scored as of an earlier cut-off from the runs up to it, how well does it rank the orgs that were deleted after it?
That needs deleted and suspended orgs, outside the story's scope: the backtest alone reads them.

The end of the data is each system's own: the Full BAS and Simple BAS extracts end on different dates, and an org
that used only the one that ends first is not silent after that.
"""
from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd

from basstory.analyses.kept import kept_user_orgs, org_join_column
from basstory.analyses.segments import DECLARED, infer_cadences, org_attributes
from basstory.core.schema import CONTRACT_TZ
from basstory.query.filters import StoryFilters, org_predicate
from basstory.query.queries import frame
from basstory.query.tables import is_fast
from basstory.query.view import org_months_sql, per_view

#: At risk for this many missed lodgements or more, an org has stopped: dormant rather than late.
DORMANT_MISSED = 2
#: Days an org's lodgement may be late before it counts as missing.
GRACE_DAYS = 14
#: The expected gap between lodgements, in days, by cadence (irregular or unknown: the declared cadence's, else a
#: quarter's).
GAP_DAYS = {"monthly": 31, "quarterly": 92, "annual": 366}
DEFAULT_GAP_DAYS = GAP_DAYS["quarterly"]
#: Months compared for falling activity: the last RECENT_MONTHS against the RECENT_MONTHS before them.
RECENT_MONTHS = 6
#: Points each signal can give; the score is out of their sum (100).
RISK_WEIGHTS = {"missed": 50, "falling": 30, "low_usage": 20}
#: The backtest's cut-off is this many months before the last month of data.
BACKTEST_MONTHS = 12
#: Precision is measured among the top-k orgs by score.
TOP_K = 20
#: Every status an org-table org can have in the staged orgs, for the backtest's wider view.
ALL_STATUSES = ("Active", "Deleted", "Suspended")

SCORE_COLUMNS = ["org_key", "shortcode", "status", "paying", "plan", "plan_family", "tax_period", "created_utc",
                 "deleted_utc", "cadence", "gap_days", "runs", "last_run", "data_end", "silence_days", "missed",
                 "recent_runs", "previous_runs", "runs_per_month", "missed_points", "falling_points",
                 "low_usage_points", "score", "at_risk"]


def months_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's kept runs of orgs in the org table per (org, system, Sydney month). Columns: org (the org's
    `kept.org_join_column`), system, month (first day), runs, last_utc (the month's last run; `_stats_sql` takes its
    Sydney date only after reducing it to one per org and system, where there are far fewer to convert)."""
    if is_fast(con):
        return (f"SELECT org_id AS org, system, month, CAST(runs AS BIGINT) AS runs, last_utc "
                f"FROM ({org_months_sql(con, f)})")
    k = kept_user_orgs(con, f, months=True)
    return f"""
        SELECT k.org_key AS org, k.system, k.month, CAST(sum({k.weight}) AS BIGINT) AS runs,
               max(k.last_utc) AS last_utc
        FROM ({k.source}) k WHERE k.org_key IS NOT NULL
        GROUP BY k.org_key, k.system, k.month"""


#: SQL: the Sydney date of a UTC timestamp (months_sql's last_utc).
SYDNEY_DATE = f"CAST(timezone('{CONTRACT_TZ}', timezone('UTC', {{}})) AS DATE)"


ORG_TABLE_COLUMNS = "org_key, shortcode, status, paying, plan, plan_family, tax_period, created_utc, deleted_utc"


#: What `_stats_sql` needs of an org besides its join column.
STATS_ORG_COLUMNS = "created_utc, deleted_utc"


def orgs_sql(f: StoryFilters | None = None, where: str = "true", org: str = "org_key",
             columns: str = ORG_TABLE_COLUMNS) -> str:
    """SQL: the org table's orgs (those the view's org-level filters keep, when `f` is given, and `where`), with
    `columns` and `org` as column org."""
    keep = org_predicate(f) if f is not None else "true"
    return f"SELECT {org} AS org, {columns} FROM orgs WHERE ({keep}) AND ({where})"


def org_table(con: duckdb.DuckDBPyConnection, f: StoryFilters | None = None) -> pd.DataFrame:
    """The org table's orgs (those the view's org-level filters keep, when `f` is given). Columns: org_key,
    shortcode, status, paying, plan, plan_family, tax_period, created_utc, deleted_utc."""
    return frame(con, orgs_sql(f) + " ORDER BY org_key")


def _stats_sql(months: str, orgs: str, as_of: date | None, local_date: str = SYDNEY_DATE) -> str:
    """SQL: one row per org of `orgs` with a run in `months` up to `as_of` (the statistics `score_orgs` needs,
    without the org's attributes: `_scores` adds them, as carrying the org table's strings through the
    query costs more than the statistics); `months` and `orgs` are SQL sources with months_sql's columns and
    org plus STATS_ORG_COLUMNS, joined by their column org;
    `local_date` formats SQL giving the Sydney date of a last_utc value (the latest of several: dates follow
    instants in order, so the date of the latest is the latest date)."""
    if as_of is None:
        clip, keep = "", "true"
    else:
        day = f"DATE '{as_of.isoformat()}'"
        clip = f"WHERE month <= {day}"
        keep = (f"(created_utc IS NULL OR created_utc < {day} + INTERVAL 1 DAY) "
                f"AND (deleted_utc IS NULL OR deleted_utc >= {day} + INTERVAL 1 DAY)")
    last = local_date.format("max(last_utc)")
    if as_of is not None:
        last = f"least({last}, DATE '{as_of.isoformat()}')"
    return f"""
        WITH keep AS (SELECT * FROM ({orgs}) WHERE {keep}),
        m AS (SELECT org, system, month, runs, last_utc FROM ({months}) {clip}),
        mk AS (SELECT * FROM m WHERE org IN (SELECT org FROM keep)),
        ps AS (SELECT org, system, {last} AS last_run FROM mk GROUP BY org, system),
        ends AS (SELECT system, max(last_run) AS end_date FROM ps GROUP BY system),
        po AS (SELECT ps.org, max(ps.last_run) AS last_run, max(ends.end_date) AS data_end,
                      CAST(min(ends.end_date - ps.last_run) AS INTEGER) AS silence_days
               FROM ps JOIN ends USING (system) GROUP BY ps.org),
        mo AS (SELECT org, year(month) * 12 + month(month) - 1 AS mi, sum(runs) AS runs
               FROM mk GROUP BY org, mi),
        mo2 AS (SELECT mo.*, year(po.data_end) * 12 + month(po.data_end) - 1 AS end_mi FROM mo JOIN po USING (org)),
        shape AS (SELECT org, CAST(sum(runs) AS BIGINT) AS runs, min(mi) AS first_mi, max(mi) AS last_mi,
                         count(*) AS active, max(runs) AS top, any_value(end_mi) AS end_mi,
                         CAST(coalesce(sum(runs) FILTER (WHERE mi > end_mi - {RECENT_MONTHS}), 0) AS BIGINT)
                             AS recent_runs,
                         CAST(coalesce(sum(runs) FILTER (WHERE mi <= end_mi - {RECENT_MONTHS}
                                                         AND mi > end_mi - {2 * RECENT_MONTHS}), 0) AS BIGINT)
                             AS previous_runs
                  FROM mo2 GROUP BY org),
        phase AS (SELECT org, max(n) AS phase_max FROM (SELECT org, mi % 3 AS p, sum(runs) AS n FROM mo
                                                           GROUP BY org, p) GROUP BY org)
        SELECT keep.org, po.last_run, po.data_end, po.silence_days, shape.runs, shape.first_mi, shape.last_mi,
               shape.active, shape.top, shape.end_mi, shape.recent_runs, shape.previous_runs, phase.phase_max
        FROM keep JOIN po USING (org) JOIN shape USING (org) JOIN phase USING (org)
        ORDER BY keep.org"""      # org_key order: the fast engine's dense ids of known orgs follow it, and sort faster


def _scores(stats: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """The score of every org from `_stats_sql`'s rows, which come sorted by org_key (see `score_orgs`), with its
    ORG_TABLE_COLUMNS from `orgs` (one row per org, column org holding what the rows' org holds). The scores come
    from the statistics alone (and the declared tax period, looked up once per distinct value), and the org table's
    strings are taken once, in the final order: taking them row by row twice cost more than the scoring."""
    if stats.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS).astype({"at_risk": bool, "runs": int, "score": float})
    columns = ORG_TABLE_COLUMNS.split(", ")
    index = pd.Index(orgs["org"])
    if index.is_unique:
        at, attributes = index.get_indexer(stats["org"]), orgs[columns]
    else:                                    # as a merge: a row per match
        merged = _with_attributes(stats, orgs)
        stats, at, attributes = merged[list(stats.columns)], np.arange(len(merged)), merged[columns]
    out = stats.copy()
    span = out["last_mi"] - out["first_mi"] + 1
    cadence = infer_cadences(out["runs"], span, out["active"], out["phase_max"] / out["runs"],
                             out["top"] / out["runs"])
    out["cadence"] = cadence
    declared_gap = _looked_up(attributes["tax_period"], {k: GAP_DAYS[v] for k, v in DECLARED.items()})[at]
    gap = _looked_up(cadence, GAP_DAYS)
    out["gap_days"] = np.where(np.isnan(gap), np.where(np.isnan(declared_gap), DEFAULT_GAP_DAYS, declared_gap),
                               gap).astype(int)
    out["missed"] = ((out["silence_days"] - GRACE_DAYS) // out["gap_days"]).clip(lower=0).astype(int)
    out["runs_per_month"] = out["runs"] / (out["end_mi"] - out["first_mi"] + 1)
    prev = out["previous_runs"].astype(float)
    falling = np.where(prev > 0, (1 - out["recent_runs"] / prev.where(prev > 0, 1)).clip(lower=0, upper=1), 0.0)
    low = 1 - out["runs_per_month"].rank(pct=True, method="average")
    out["missed_points"] = RISK_WEIGHTS["missed"] * out["missed"].clip(upper=2) / 2
    out["falling_points"] = RISK_WEIGHTS["falling"] * falling
    out["low_usage_points"] = RISK_WEIGHTS["low_usage"] * low
    out["score"] = (out["missed_points"] + out["falling_points"] + out["low_usage_points"]).round(6)
    out["at_risk"] = out["missed"] >= 1
    for column in ("runs", "recent_runs", "previous_runs", "silence_days"):
        out[column] = out[column].astype(int)
    for column in ("last_run", "data_end"):
        out[column] = pd.to_datetime(out[column])
    # the rows come ordered by org_key: a stable sort by score alone breaks ties by it (and sorts no strings)
    order = np.argsort(-out["score"].to_numpy(dtype=float), kind="stable")
    scored = out.iloc[order].reset_index(drop=True)
    named = attributes.iloc[at[order]].reset_index(drop=True)
    return pd.concat([named, scored.drop(columns=[c for c in columns if c in scored.columns])], axis=1)[SCORE_COLUMNS]


def _looked_up(values, mapping: dict) -> np.ndarray:
    """`mapping`'s number for each of `values` (NaN for a value it lacks, or a missing one), looked up once per
    distinct value."""
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=True)
    table = np.array([float(mapping.get(value, np.nan)) for value in uniques] + [np.nan], dtype=float)
    return table[codes]


def score_orgs(months: pd.DataFrame, orgs: pd.DataFrame, as_of: date | None = None) -> pd.DataFrame:
    """Score every org of `orgs` with a run in `months` (one row per org_key, system and month, with runs and
    last_date) up to `as_of` (the last day of a month; None: all of it), as it would have been scored then.

    Each system's data ends on its last run up to `as_of`. Orgs created after `as_of` or deleted on or before it are
    left out. Grain: one row per scored org, the highest score first (ties: org_key). Columns (SCORE_COLUMNS): the
    org's attributes; cadence (inferred from its months up to the cut-off, segments.infer_cadence) and gap_days (the
    cadence's GAP_DAYS; irregular or too few runs: the declared cadence's, else DEFAULT_GAP_DAYS); runs; last_run;
    data_end (the latest end of the systems it ran); silence_days (the fewest days from its last run on a system to
    that system's end); missed (lodgements missed: (silence - GRACE_DAYS) // gap, at least 0); recent_runs and
    previous_runs (the RECENT_MONTHS months up to data_end's month, and the RECENT_MONTHS before); runs_per_month (runs
    over the months from its first run to data_end); the points of each signal, score (their sum, 0-100) and
    at_risk (missed >= 1). The same SQL scores a view's orgs in the story's connection (`scores_for`)."""
    cursor = duckdb.connect()
    try:
        cursor.execute("SET TimeZone = 'UTC'")
        cursor.register("months_frame", months[["org_key", "system", "month", "runs", "last_date"]].assign(
            month=pd.to_datetime(months["month"]).dt.date, last_date=pd.to_datetime(months["last_date"]).dt.date
        ).rename(columns={"org_key": "org", "last_date": "last_utc"}))
        cursor.register("orgs_frame", orgs[STATS_ORG_COLUMNS.split(", ")].assign(org=orgs["org_key"]))
        stats = cursor.execute(_stats_sql("SELECT * FROM months_frame", "SELECT * FROM orgs_frame", as_of,
                                          local_date="{}")).df()
    finally:
        cursor.close()
    return _scores(stats, orgs.assign(org=orgs["org_key"]))


def _with_attributes(stats: pd.DataFrame, orgs: pd.DataFrame) -> pd.DataFrame:
    """`_stats_sql`'s rows (in their order) with their orgs' ORG_TABLE_COLUMNS first, from `orgs` (one row per
    org, column org holding what the rows' org holds)."""
    columns = ORG_TABLE_COLUMNS.split(", ")
    index = pd.Index(orgs["org"])
    if not index.is_unique:
        return stats.merge(orgs[["org", *columns]], on="org", how="left")[[*columns, *stats.columns]]
    at = index.get_indexer(stats["org"])
    return pd.concat([orgs.iloc[at][columns].reset_index(drop=True), stats.reset_index(drop=True)], axis=1)


def scores_for(con: duckdb.DuckDBPyConnection, f: StoryFilters, as_of: date | None = None,
               where: str = "true") -> pd.DataFrame:
    """`score_orgs` for the view `f` computed in the story's connection (the org table's orgs the view keeps that
    also satisfy `where`)."""
    orgs = orgs_sql(f, where, org_join_column(con), STATS_ORG_COLUMNS)
    stats = frame(con, _stats_sql(months_sql(con, f), orgs, as_of))
    return _scores(stats, org_attributes(con).rename(columns={"_join": "org"}))


def _wide(f: StoryFilters) -> StoryFilters:
    """The backtest's view: `f` with every status and paying flag, over the whole period."""
    return f.with_(statuses=ALL_STATUSES, paying="all", start=None, end=None)


def auc(scores: np.ndarray, labels: np.ndarray) -> float | None:
    """The area under the ROC curve: the chance that a random positive scores above a random negative (ties count
    half); None without both classes."""
    labels = np.asarray(labels, dtype=bool)
    pos, neg = int(labels.sum()), int((~labels).sum())
    if not pos or not neg:
        return None
    ranks = pd.Series(np.asarray(scores, dtype=float)).rank(method="average").to_numpy()
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg))


def default_cutoff(first: pd.Timestamp | None, last: pd.Timestamp | None) -> date | None:
    """The last day of the month BACKTEST_MONTHS before the data's last month `last` (None when that leaves fewer
    than RECENT_MONTHS months of data after the first, `first`)."""
    if first is None or pd.isna(first):
        return None
    first, last = pd.Timestamp(first), pd.Timestamp(last)
    cut_month = last - pd.DateOffset(months=BACKTEST_MONTHS)
    if cut_month < first + pd.DateOffset(months=RECENT_MONTHS - 1):
        return None
    return (cut_month + pd.offsets.MonthEnd(0)).date()


def _month_span(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple:
    row = frame(con, f"SELECT min(month) AS first, max(month) AS last FROM ({months_sql(con, f)})").iloc[0]
    return row["first"], row["last"]


@per_view
def backtest_scores(con: duckdb.DuckDBPyConnection, f: StoryFilters, cutoff: date | None = None
                    ) -> tuple[date | None, pd.DataFrame, np.ndarray, int]:
    """(the cut-off, the orgs scored as of it from the runs up to it with every status but suspended, whether each
    was deleted after the cut-off, how many suspended orgs were left out)."""
    wide = _wide(f)
    cutoff = cutoff or default_cutoff(*_month_span(con, wide))
    suspended = int(frame(con, f"SELECT count(*) AS n FROM ({orgs_sql(wide)}) WHERE status = 'Suspended'").iloc[0, 0])
    if cutoff is None:
        return None, pd.DataFrame(columns=SCORE_COLUMNS), np.zeros(0, dtype=bool), suspended
    scored = scores_for(con, wide, cutoff, "status <> 'Suspended'")
    cut = pd.Timestamp(cutoff) + pd.Timedelta(days=1)
    labels = ((scored["status"] == "Deleted") & scored["deleted_utc"].notna()
              & (pd.to_datetime(scored["deleted_utc"]) >= cut)).to_numpy(dtype=bool)
    return cutoff, scored, labels, suspended


@per_view
def backtest(con: duckdb.DuckDBPyConnection, f: StoryFilters, cutoff: date | None = None) -> dict | None:
    """Score the orgs as of `cutoff` (default: `default_cutoff`) from the runs up to it, every status included, and
    compare with what happened after: {"cutoff", "orgs" (scored), "deleted_after" (of them, deleted after the
    cut-off: the positives), "base_rate", "auc", "k", "precision_at_k" (deleted among the k highest scores),
    "lift_at_k" (precision / base rate), "flagged" (at risk at the cut-off), "flagged_deleted", "flag_precision",
    "flag_recall", "suspended_left_out" (suspended orgs: no date, so not placed in time)}; None when there is no
    cut-off or no org to score."""
    cutoff, scored, labels, suspended = backtest_scores(con, f, cutoff)
    if cutoff is None or scored.empty:
        return None
    pos = int(labels.sum())
    k = min(TOP_K, len(scored))
    flagged = scored["at_risk"].to_numpy(dtype=bool)
    out = {"cutoff": cutoff, "orgs": len(scored), "deleted_after": pos,
           "base_rate": pos / len(scored), "auc": auc(scored["score"].to_numpy(), labels), "k": k,
           "precision_at_k": float(labels[:k].mean()) if k else 0.0,
           "flagged": int(flagged.sum()), "flagged_deleted": int((flagged & labels).sum()),
           "suspended_left_out": suspended}
    out["lift_at_k"] = out["precision_at_k"] / out["base_rate"] if out["base_rate"] else 0.0
    out["flag_precision"] = out["flagged_deleted"] / out["flagged"] if out["flagged"] else 0.0
    out["flag_recall"] = out["flagged_deleted"] / pos if pos else 0.0
    return out


def backtest_curve(con: duckdb.DuckDBPyConnection, f: StoryFilters, cutoff: date | None = None) -> pd.DataFrame:
    """The backtest as a cumulative gains curve: orgs taken in score order, the share of later deletions found.
    Grain: one row per scored org (plus a first row at 0). Columns: reviewed_share, found_share."""
    cutoff, scored, labels, _ = backtest_scores(con, f, cutoff)
    if cutoff is None or not labels.sum():
        return pd.DataFrame(columns=["reviewed_share", "found_share"])
    n = len(scored)
    return pd.DataFrame({"reviewed_share": np.arange(n + 1) / n,
                         "found_share": np.concatenate([[0.0], np.cumsum(labels) / labels.sum()])})


@per_view
def current_scores(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """`score_orgs` for the orgs of the view (active and paying by default) at the end of its data."""
    return scores_for(con, f)


@per_view
def status_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """{"orgs" (the org table's orgs the view keeps), "with_runs", "dormant" (no kept run), "at_risk", "stopped" (of
    the at-risk orgs, those DORMANT_MISSED or more lodgements behind), "at_risk_runs"
    (their kept runs, all time), "at_risk_share" (of orgs with runs), "cancelled" ({"Deleted": n, "Suspended": n}: the
    org table's, whatever the filters), "cancelled_runs" (their runs in the extracts, any date)}."""
    scores = current_scores(con, f)
    orgs = int(frame(con, f"SELECT count(*) AS n FROM ({orgs_sql(f)})").iloc[0, 0])
    at_risk = scores.loc[scores["at_risk"].astype(bool)]
    k = kept_user_orgs(con, _wide(f))
    join = org_join_column(con)
    cancelled = frame(con, f"""
        SELECT o.status, count(DISTINCT o.org_key) AS orgs, CAST(coalesce(sum(k.w), 0) AS BIGINT) AS runs
        FROM orgs o LEFT JOIN (SELECT org_key, {k.weight} AS w FROM ({k.source})) k ON k.org_key = o.{join}
        WHERE o.status IN ('Deleted', 'Suspended') GROUP BY o.status""").set_index("status")
    return {"orgs": orgs, "with_runs": len(scores), "dormant": orgs - len(scores),
            "at_risk": len(at_risk), "at_risk_runs": int(at_risk["runs"].sum()),
            "stopped": int((at_risk["missed"] >= DORMANT_MISSED).sum()),
            "at_risk_share": len(at_risk) / len(scores) if len(scores) else 0.0,
            "cancelled": {s: int(cancelled["orgs"].get(s, 0)) for s in ("Deleted", "Suspended")},
            "cancelled_runs": int(cancelled["runs"].sum())}


def at_risk_by_plan(scores: pd.DataFrame) -> pd.DataFrame:
    """The at-risk orgs per plan family. Grain: one row per plan family with an at-risk org, most first. Columns:
    plan_family, orgs, runs (their kept runs), share (of the plan family's scored orgs)."""
    columns = ["plan_family", "orgs", "runs", "share"]
    if scores.empty:
        return pd.DataFrame(columns=columns)
    by = scores.groupby("plan_family").agg(scored=("org_key", "size"), orgs=("at_risk", "sum"))
    runs = scores[scores["at_risk"]].groupby("plan_family")["runs"].sum()
    by["runs"] = runs.reindex(by.index).fillna(0).astype(int)
    by["share"] = by["orgs"] / by["scored"]
    by = by[by["orgs"] > 0].reset_index()
    by["orgs"] = by["orgs"].astype(int)
    return by.sort_values(["orgs", "plan_family"], ascending=[False, True], kind="stable").reset_index(drop=True)[
        columns]


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: at-risk, dormant and cancelled orgs, and the backtest's AUC."""
    s = status_summary(con, f)
    b = backtest(con, f)
    return {"at_risk_orgs": s["at_risk"], "at_risk_runs": s["at_risk_runs"], "stopped_orgs": s["stopped"],
            "never_ran_orgs": s["dormant"],
            "deleted_orgs": s["cancelled"]["Deleted"], "suspended_orgs": s["cancelled"]["Suspended"],
            "backtest_auc": b["auc"] if b else None,
            "backtest_precision_at_k": b["precision_at_k"] if b else None}
