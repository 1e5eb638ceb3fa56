"""Org segments by behaviour: every org of the view classified by how it actually uses BAS.

Four ways to split the orgs, each from the org's own kept runs:

- **cadence**, inferred from the months it ran BAS in (`infer_cadence`), against the cadence its sales tax period
  declares: a mismatch is a finding, not an error;
- **who runs it**: its own staff (users who run no other org), an adviser (a user who runs reports for
  ADVISER_MIN_ORGS or more orgs, docs/counting.md), or both;
- **which system**: Full BAS only, Simple BAS only, both side by side, or switched from one to the other (with the BAS
  quarter of the switch);
- **intensity**: runs per month of activity, and the re-run rate.

Orgs not in the org table are left out (they have no tax period, plan or status). Every figure reads the view's kept
runs: on the fast engine through the user-org-month cube (runs, runtime and re-runs per system, user, org and month)
summed per org once per view (query.view.org_months_sql), on the reference engine the runs themselves.
"""
from __future__ import annotations

import weakref

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from basstory.analyses.interaction import ADVISER_MIN_ORGS
from basstory.analyses.kept import kept_user_org_keys, org_join_column
from basstory.core.schema import CONTRACT_TZ, SYSTEM_LABELS
from basstory.ingest.derive import REPEAT_MINUTES
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters, bas_quarters
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import org_months_sql, per_view, user_org_keys_sql

# --- The method's constants (the sentences are written from them) --------------------------------------------------

#: An org needs this many runs over at least this many months (first to last run) before its cadence is inferred.
MIN_RUNS, MIN_MONTHS = 6, 4
#: Annual: the busiest month holds at least this share of the runs, over at least ANNUAL_MIN_MONTHS months.
ANNUAL_TOP_SHARE, ANNUAL_MIN_MONTHS = 0.5, 6
#: Quarterly: the busiest of the three month-of-quarter phases (e.g. Feb, May, Aug, Nov) holds at least this share of
#: the runs (a third when runs are spread evenly; twice the other months' rate at 0.5).
QUARTERLY_PHASE_SHARE = 0.5
#: Monthly: runs in at least this share of the months from the first run to the last (and no quarterly pattern).
MONTHLY_ACTIVE_SHARE = 0.75
#: A switch: the org's last run on one system came this many days or more before that system's last run in the view
#: (the extract's end), and its first run on the other came after it, and this many days or more after that
#: system's first run in the view (the extract's start).
SWITCH_GAP_DAYS = 92
#: Runs per month of activity: light below the first bound, heavy from the second on.
INTENSITY_BOUNDS = (4, 20)

CADENCES: tuple[str, ...] = ("monthly", "quarterly", "annual", "irregular", "too few runs")
CADENCE_LABELS = {"monthly": "Monthly", "quarterly": "Quarterly", "annual": "Annual", "irregular": "Irregular",
                  "too few runs": "Too few runs to tell"}
#: The cadence a staged tax period declares (staged tax periods: Monthly, Quarterly, Annual, Other).
DECLARED = {"Monthly": "monthly", "Quarterly": "quarterly", "Annual": "annual"}
WHO = ("own staff", "adviser", "both")
WHO_LABELS = {"own staff": "Own staff only", "adviser": "An adviser only", "both": "Own staff and an adviser"}
SYSTEM_USE = ("full only", "simple only", "both", "switched to simple", "switched to full")
SYSTEM_USE_LABELS = {"full only": "Full BAS only", "simple only": "Simple BAS only", "both": "Both systems",
                     "switched to simple": "Switched Full → Simple BAS",
                     "switched to full": "Switched Simple → Full BAS"}
INTENSITY = ("light", "regular", "heavy")
INTENSITY_LABELS = {"light": f"Light (under {INTENSITY_BOUNDS[0]} runs a month)",
                    "regular": f"Regular ({INTENSITY_BOUNDS[0]}–{INTENSITY_BOUNDS[1] - 1} runs a month)",
                    "heavy": f"Heavy ({INTENSITY_BOUNDS[1]}+ runs a month)"}
#: The ways to split, in the order the chapter shows them: key -> (column, label, segment labels).
DIMENSIONS: dict[str, tuple[str, str, dict[str, str]]] = {
    "cadence": ("cadence", "Lodging cadence (inferred)", CADENCE_LABELS),
    "who": ("who", "Who runs it", WHO_LABELS),
    "system": ("system_use", "Which system", SYSTEM_USE_LABELS),
    "intensity": ("intensity", "Intensity", INTENSITY_LABELS),
}

USAGE_COLUMNS = ["org_key", "shortcode", "status", "paying", "plan", "plan_family", "tax_period", "managed_by_practice",
                 "created_utc", "deleted_utc", "runs", "runs_full", "runs_simple", "compute_s", "repeats", "users",
                 "adviser_users", "first_full", "last_full", "first_simple", "last_simple", "first_date", "last_date",
                 "span_months", "active_months", "phase_share", "top_month_share"]


def org_months_of_view_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str:
    """SQL: the view's kept runs of known orgs per (org, system, Sydney month): org_key, system, month, runs,
    runtime_s (summed; NULL when no run has one), repeats (runs the same user ran for the same org in the same system
    at most REPEAT_MINUTES after the previous one, within the view), first_utc, last_utc. org_key is what
    `kept.org_join_column` matches: the dense id on the fast engine, whose rows are the view's org-months
    (query.view.org_months_sql); the reference engine groups the runs."""
    if is_fast(con):
        return (f"SELECT org_id AS org_key, system, month, runs, runtime_s, repeats, first_utc, last_utc "
                f"FROM ({org_months_sql(con, f)})")
    return f"""
        WITH k AS (SELECT org_key, system, user_key, run_utc, runtime_s, run_local_date FROM ({filtered_runs_sql(f)})
                   WHERE org_key IS NOT NULL),
        g AS (SELECT *, coalesce(run_utc - lag(run_utc) OVER (PARTITION BY system, user_key, org_key ORDER BY run_utc)
                                 <= INTERVAL {REPEAT_MINUTES} MINUTE, false) AS is_repeat FROM k)
        SELECT org_key, system, CAST(date_trunc('month', run_local_date) AS DATE) AS month, count(*) AS runs,
               sum(runtime_s) AS runtime_s, count(*) FILTER (WHERE is_repeat) AS repeats, min(run_utc) AS first_utc,
               max(run_utc) AS last_utc
        FROM g GROUP BY ALL"""


#: SQL over a month's first day: its phase in the quarter (0, 1 or 2; months three apart share one).
_PHASE = "(year(month) * 12 + month(month)) % 3"


def org_usage(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """How each org of the view used BAS. Not memoised itself: `classified_orgs` (which is) holds all of it, and a
    second copy of a frame of every org would only take memory.

    Grain: one row per org in the org table with a kept run. Columns (USAGE_COLUMNS): the org's attributes
    (org_key, shortcode, status, paying, plan, plan_family, tax_period, managed_by_practice, created_utc,
    deleted_utc); runs, runs_full, runs_simple; compute_s (Full BAS runtime, seconds); repeats (re-runs); users (who
    ran it) and adviser_users (those of them who ran ADVISER_MIN_ORGS or more orgs in the view); first_full,
    last_full, first_simple, last_simple, first_date, last_date (Sydney dates; NaT for a system it did not run);
    span_months (calendar months from the first run's to the last run's, inclusive); active_months (months with a
    run); phase_share (the share of its runs in the busiest of the three month-of-quarter phases); top_month_share
    (the share of its runs in its busiest month). Sorted by org_key.

    Everything but who ran it is summed from the org's months: the sums and first and last runs per system, then per
    org; the month shares from its runs per month, plain sums (one grouping per org and month with a filter per
    system and column made the query take 0.50-0.71 s at 100x, against 0.33-0.55 s this way). Who ran it needs only
    the view's (system, user, org) keys. On the fast engine, whose org and user ids are dense integers, the same sums
    are array sums indexed by id (`_usage_by_arrays`): about 0.1 s at 100x against 0.37 s for the query.
    """
    df = _usage_by_arrays(con, f) if is_fast(con) else None
    if df is None:
        df = frame(con, f"""
            WITH pairs AS (SELECT DISTINCT user_key, org_id, org_key FROM ({kept_user_org_keys(con, f).source})),
            per_user AS (SELECT user_key, count(*) >= {ADVISER_MIN_ORGS} AS adviser FROM pairs GROUP BY user_key),
            users AS (SELECT pairs.org_key, count(*) AS users, count(*) FILTER (WHERE p.adviser) AS adviser_users
                      FROM pairs JOIN per_user p USING (user_key) WHERE pairs.org_key IS NOT NULL
                      GROUP BY pairs.org_key),
            org_months AS (SELECT * FROM ({org_months_of_view_sql(con, f)})),
            per_system AS (SELECT org_key, system, sum(runs) AS runs, sum(runtime_s) AS compute_s,
                                  sum(repeats) AS repeats, min(first_utc) AS first_utc, max(last_utc) AS last_utc
                           FROM org_months GROUP BY org_key, system),
            totals AS (SELECT org_key, sum(runs) AS runs,
                              coalesce(sum(CASE WHEN system = 'full' THEN runs END), 0) AS runs_full,
                              coalesce(sum(CASE WHEN system = 'simple' THEN runs END), 0) AS runs_simple,
                              coalesce(sum(compute_s), 0) AS compute_s, sum(repeats) AS repeats,
                              min(CASE WHEN system = 'full' THEN first_utc END) AS first_full,
                              max(CASE WHEN system = 'full' THEN last_utc END) AS last_full,
                              min(CASE WHEN system = 'simple' THEN first_utc END) AS first_simple,
                              max(CASE WHEN system = 'simple' THEN last_utc END) AS last_simple
                       FROM per_system GROUP BY org_key),
            months AS (SELECT org_key, month, sum(runs) AS n FROM org_months GROUP BY org_key, month),
            shape AS (SELECT org_key, count(*) AS active_months,
                             date_diff('month', min(month), max(month)) + 1 AS span_months,
                             max(n) / sum(n) AS top_month_share,
                             greatest({', '.join(f'coalesce(sum(n) FILTER (WHERE {_PHASE} = {phase}), 0)'
                                                 for phase in range(3))}) / sum(n) AS phase_share
                      FROM months GROUP BY org_key)
            SELECT t.org_key AS _join, CAST(t.runs AS BIGINT) AS runs, CAST(t.runs_full AS BIGINT) AS runs_full,
                   CAST(t.runs_simple AS BIGINT) AS runs_simple, CAST(t.compute_s AS DOUBLE) AS compute_s,
                   CAST(t.repeats AS BIGINT) AS repeats, CAST(u.users AS BIGINT) AS users,
                   CAST(u.adviser_users AS BIGINT) AS adviser_users,
                   t.first_full, t.last_full, t.first_simple, t.last_simple,
                   CAST(s.span_months AS BIGINT) AS span_months, CAST(s.active_months AS BIGINT) AS active_months,
                   CAST(s.phase_share AS DOUBLE) AS phase_share, CAST(s.top_month_share AS DOUBLE) AS top_month_share
            FROM totals t
            JOIN shape s USING (org_key)
            JOIN users u ON u.org_key = t.org_key
            ORDER BY t.org_key""")     # the dense ids of known orgs follow their keys' order, and sort faster
    # the org table's columns joined here, from a copy read once per connection: taking them through the query
    # costs more than the sums
    orgs = org_attributes(con)
    at = pd.Index(orgs["_join"]).get_indexer(df["_join"])
    if (at < 0).any():                       # as an inner join: an org missing from the org table is left out
        df, at = df[at >= 0].reset_index(drop=True), at[at >= 0]
    df = pd.concat([orgs.iloc[at].reset_index(drop=True), df.drop(columns="_join")], axis=1)
    for column in ("first_full", "last_full", "first_simple", "last_simple"):
        df[column] = sydney_dates(df[column])
    df["first_date"] = df[["first_full", "first_simple"]].min(axis=1)
    df["last_date"] = df[["last_full", "last_simple"]].max(axis=1)
    return df[USAGE_COLUMNS].reset_index(drop=True)


#: `_usage_by_arrays` leaves to the query a view whose orgs times months would make a grid of more cells than this
#: (its runs and its row counts take 16 bytes a cell while they are summed: at most 128 MB; at 100x, the whole period
#: takes 4.3 million cells).
MAX_GRID_CELLS = 8_000_000


def _usage_by_arrays(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame | None:
    """`org_usage`'s sums, before the org table's columns, computed with NumPy from the view's org-months and keys
    (fast engine: dense integer ids, so a sum per org is a `bincount`): the same columns, rows and order as its
    query, with `_join` the org's dense id. None when the org-by-month grid would be too large (MAX_GRID_CELLS)."""
    cursor = open_cursor(con)
    try:
        months = cursor.sql(f"""
            SELECT org_id, system = 'full' AS full, year(month) * 12 + month(month) AS month_no, runs,
                   coalesce(runtime_s, 0) AS runtime_s, repeats, epoch_us(first_utc) AS first_us,
                   epoch_us(last_utc) AS last_us
            FROM ({org_months_sql(con, f)})""").fetchnumpy()
        pairs = cursor.sql(f"SELECT DISTINCT user_id, org_id, known FROM ({user_org_keys_sql(con, f)})").fetchnumpy()
    finally:
        cursor.close()
    org, full = np.asarray(months["org_id"], dtype=np.int64), np.asarray(months["full"], dtype=bool)
    if org.size == 0:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in _USAGE_DTYPES.items()})
    user, pair_org = np.asarray(pairs["user_id"], dtype=np.int64), np.asarray(pairs["org_id"], dtype=np.int64)
    known = np.asarray(pairs["known"], dtype=bool)
    size = int(max(org.max(), pair_org.max() if pair_org.size else 0)) + 1

    # who ran it: a user running ADVISER_MIN_ORGS or more orgs of the view (known to the org table or not) is an
    # adviser; each known org counts its users and its advisers
    adviser = np.bincount(user)[user] >= ADVISER_MIN_ORGS
    users = np.bincount(pair_org[known], minlength=size)
    adviser_users = np.bincount(pair_org[known], weights=adviser[known], minlength=size).astype(np.int64)

    runs = np.asarray(months["runs"], dtype=np.int64)
    present = np.bincount(org, minlength=size) > 0
    kept = np.flatnonzero(present & (users > 0))                 # as the query's inner joins: runs and a user

    def total(values, where=None) -> np.ndarray:
        weights = values if where is None else np.where(where, values, 0)
        return np.bincount(org, weights=weights, minlength=size)[kept]

    def extreme(values: np.ndarray, where: np.ndarray, ufunc, start: int) -> np.ndarray:
        out = np.full(size, start, dtype=np.int64)
        ufunc.at(out, org[where], values[where])
        return out[kept]

    first_us, last_us = (np.asarray(months[c], dtype=np.int64) for c in ("first_us", "last_us"))
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    stamps = {}
    for system, is_system in (("full", full), ("simple", ~full)):
        first = extreme(first_us, is_system, np.minimum, big)
        last = extreme(last_us, is_system, np.maximum, small)
        stamps[f"first_{system}"] = pd.to_datetime(np.where(first == big, np.datetime64("NaT", "us"),
                                                            first.astype("datetime64[us]")))
        stamps[f"last_{system}"] = pd.to_datetime(np.where(last == small, np.datetime64("NaT", "us"),
                                                           last.astype("datetime64[us]")))

    # the month shares, over a grid of the kept orgs by the view's months
    month_no = np.asarray(months["month_no"], dtype=np.int64)
    first_month = int(month_no.min())
    n_months = int(month_no.max()) - first_month + 1
    if kept.size * n_months > MAX_GRID_CELLS:
        return None
    row = np.full(size, -1, dtype=np.int64)
    row[kept] = np.arange(kept.size)
    mine = row[org] >= 0
    cell = row[org[mine]] * n_months + (month_no[mine] - first_month)
    grid = np.bincount(cell, weights=runs[mine], minlength=kept.size * n_months).reshape(kept.size, n_months)
    has = np.bincount(cell, minlength=kept.size * n_months).reshape(kept.size, n_months) > 0
    per_org = grid.sum(axis=1)
    first_active = has.argmax(axis=1)
    last_active = n_months - 1 - has[:, ::-1].argmax(axis=1)
    phase_of = (first_month + np.arange(n_months)) % 3
    phases = np.stack([grid[:, phase_of == phase].sum(axis=1) for phase in range(3)], axis=1)
    return pd.DataFrame({
        "_join": kept.astype(np.int32),
        "runs": total(runs).round().astype(np.int64),
        "runs_full": total(runs, full).round().astype(np.int64),
        "runs_simple": total(runs, ~full).round().astype(np.int64),
        "compute_s": total(np.asarray(months["runtime_s"], dtype=np.float64)),
        "repeats": total(np.asarray(months["repeats"], dtype=np.int64)).round().astype(np.int64),
        "users": users[kept].astype(np.int64),
        "adviser_users": adviser_users[kept],
        **stamps,
        "span_months": (last_active - first_active + 1).astype(np.int64),
        "active_months": has.sum(axis=1).astype(np.int64),
        "phase_share": phases.max(axis=1) / per_org,
        "top_month_share": grid.max(axis=1) / per_org,
    })


#: The columns (and dtypes) of `_usage_by_arrays` for a view without runs.
_USAGE_DTYPES = {
    "_join": "int32", "runs": "int64", "runs_full": "int64", "runs_simple": "int64", "compute_s": "float64",
    "repeats": "int64", "users": "int64", "adviser_users": "int64", "first_full": "datetime64[us]",
    "last_full": "datetime64[us]", "first_simple": "datetime64[us]", "last_simple": "datetime64[us]",
    "span_months": "int64", "active_months": "int64", "phase_share": "float64", "top_month_share": "float64"}


#: The org table's columns `org_usage` carries, in its order.
ORG_COLUMNS = ["org_key", "shortcode", "status", "paying", "plan", "plan_family", "tax_period", "managed_by_practice",
               "created_utc", "deleted_utc"]
_org_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def org_attributes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every org of the org table: `_join` (what `kept.org_join_column` matches) and ORG_COLUMNS, sorted by `_join`;
    read once per connection (a version's org table never changes)."""
    orgs = _org_tables.get(con)
    if orgs is None:
        orgs = frame(con, f"SELECT {org_join_column(con)} AS _join, {', '.join(ORG_COLUMNS)} FROM orgs ORDER BY _join")
        _org_tables[con] = orgs
    return orgs


def sydney_dates(utc: pd.Series) -> pd.Series:
    """The Sydney dates (midnight timestamps, NaT kept) of naive UTC timestamps: converted in pandas, which is
    several times faster than the engine's time-zone conversion over a hundred thousand orgs."""
    local = pd.to_datetime(utc).dt.tz_localize("UTC").dt.tz_convert(CONTRACT_TZ)
    return local.dt.tz_localize(None).dt.normalize().astype("datetime64[us]")


def infer_cadence(runs: int, span_months: int, active_months: int, phase_share: float,
                  top_month_share: float) -> str:
    """The cadence an org's runs show, from the months it ran BAS in (first matching rule wins):

    1. 'too few runs': fewer than MIN_RUNS runs, or fewer than MIN_MONTHS months from the first run to the last;
    2. 'annual': the busiest month holds ANNUAL_TOP_SHARE of the runs or more, over ANNUAL_MIN_MONTHS months or more;
    3. 'quarterly': the busiest month-of-quarter phase holds QUARTERLY_PHASE_SHARE of the runs or more;
    4. 'monthly': runs in MONTHLY_ACTIVE_SHARE of the months or more;
    5. 'irregular': anything else."""
    return str(infer_cadences([runs], [span_months], [active_months], [phase_share], [top_month_share])[0])


def infer_cadences(runs, span_months, active_months, phase_share, top_month_share) -> np.ndarray:
    """`infer_cadence` over arrays, one element an org."""
    return np.array(_CADENCE_RULES, dtype=object)[_cadence_codes(runs, span_months, active_months, phase_share,
                                                                 top_month_share)]


#: The cadences in the order `infer_cadence`'s rules try them, the last being what no rule matches.
_CADENCE_RULES = ("too few runs", "annual", "quarterly", "monthly", "irregular")


def _cadence_codes(runs, span_months, active_months, phase_share, top_month_share) -> np.ndarray:
    """Each org's cadence as its position in _CADENCE_RULES."""
    runs, span = np.asarray(runs, dtype=float), np.asarray(span_months, dtype=float)
    active, phase = np.asarray(active_months, dtype=float), np.asarray(phase_share, dtype=float)
    top = np.asarray(top_month_share, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        active_share = np.where(span > 0, active / np.where(span > 0, span, 1), 0.0)
    return np.select(
        [(runs < MIN_RUNS) | (span < MIN_MONTHS), (top >= ANNUAL_TOP_SHARE) & (span >= ANNUAL_MIN_MONTHS),
         phase >= QUARTERLY_PHASE_SHARE, active_share >= MONTHLY_ACTIVE_SHARE], [0, 1, 2, 3], 4)


def _labels(codes: np.ndarray, labels: tuple[str, ...], index: pd.Index) -> pd.Series:
    """A str column whose row i is labels[codes[i]], built as Arrow dictionary codes: pandas turns an array of
    Python strings into its str dtype one string at a time, several times slower over a hundred thousand orgs."""
    column = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int8)), pa.array(labels))
    return pd.Series(column.cast(pa.string()).to_pandas().array, index=index)


def _choose(conditions: list, choices: tuple[str, ...], default: str, index: pd.Index) -> pd.Series:
    """`np.select(conditions, choices, default)` as a str column (`_labels`)."""
    return _labels(np.select(conditions, list(range(len(choices))), len(choices)), (*choices, default), index)


def _system_uses(out: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(system use, the first run on the new system for a switch, else NaT) of every org of `classify`."""
    full, simple = out["runs_full"] > 0, out["runs_simple"] > 0
    gap = pd.Timedelta(days=SWITCH_GAP_DAYS)
    starts = {"full": out["first_full"].min(), "simple": out["first_simple"].min()}
    ends = {"full": out["last_full"].max(), "simple": out["last_simple"].max()}
    to_simple = (full & simple & (out["last_full"] + gap <= ends["full"])
                 & (out["first_simple"] > out["last_full"]) & (out["first_simple"] - gap >= starts["simple"]))
    to_full = (full & simple & ~to_simple & (out["last_simple"] + gap <= ends["simple"])
               & (out["first_full"] > out["last_simple"]) & (out["first_full"] - gap >= starts["full"]))
    use = _choose([~simple, ~full, to_simple, to_full],
                  ("full only", "simple only", "switched to simple", "switched to full"), "both", out.index)
    when = out["first_simple"].where(to_simple, out["first_full"].where(to_full))
    return use, pd.to_datetime(when)


def _quarter_label(day: pd.Timestamp) -> str:
    return bas_quarters(day.date(), day.date())[0][0]


def classify(usage: pd.DataFrame) -> pd.DataFrame:
    """`org_usage` with each org's segments. Added columns: cadence (CADENCES, inferred), declared (the cadence its
    tax period declares; None for 'Other'), cadence_match ('matches', 'differs', 'not declared' or 'too few runs'),
    who (WHO), system_use (SYSTEM_USE), switch_date and switch_quarter (for a switch: the first run on the new
    system and its BAS quarter, e.g. 'Oct–Dec 2017 (Q2 2017–18)'), runs_per_month (runs per month from the first run
    to the last), intensity (INTENSITY), rerun_rate (repeats / runs).

    A switch is judged against each system's first and last run in the view (`usage`'s earliest first_ and latest
    last_ dates): an org that stops running Full BAS only because the Full BAS extract ends, or starts on it only
    because its extract starts later, has not switched."""
    out = usage.copy()
    out["cadence"] = _labels(_cadence_codes(out["runs"], out["span_months"], out["active_months"],
                                            out["phase_share"], out["top_month_share"]), _CADENCE_RULES, out.index)
    out["declared"] = out["tax_period"].map(DECLARED)
    out["cadence_match"] = _choose(
        [out["cadence"] == "too few runs", out["declared"].isna(), out["cadence"] == out["declared"]],
        ("too few runs", "not declared", "matches"), "differs", out.index)
    out["who"] = _choose([out["adviser_users"] == 0, out["adviser_users"] == out["users"]],
                         ("own staff", "adviser"), "both", out.index)
    out["system_use"], out["switch_date"] = _system_uses(out)
    quarters = {d: _quarter_label(d) for d in out["switch_date"].dropna().unique()}
    out["switch_quarter"] = out["switch_date"].map(quarters).astype(object).where(out["switch_date"].notna(), None)
    out["runs_per_month"] = out["runs"] / out["span_months"]
    low, high = INTENSITY_BOUNDS
    out["intensity"] = _choose([out["runs_per_month"] < low, out["runs_per_month"] < high],
                               ("light", "regular"), "heavy", out.index)
    out["rerun_rate"] = out["repeats"] / out["runs"]
    return out


@per_view
def classified_orgs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """`classify(org_usage(...))` for the view, computed once per view."""
    return classify(org_usage(con, f))


def segment_sizes(orgs: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """The segments of one dimension (DIMENSIONS) with their size and weight.

    Grain: one row per segment of the dimension, in the dimension's order (empty segments kept, with zeros).
    Columns: dimension, segment, label, orgs, org_share, runs, run_share, compute_s, compute_share, runs_per_org,
    rerun_rate (re-runs / runs of the segment).
    """
    column, _, labels = DIMENSIONS[dimension]
    rows = []
    totals = {"orgs": len(orgs), "runs": orgs["runs"].sum(), "compute_s": orgs["compute_s"].sum()}
    # only the columns summed: taking every column of a segment's rows costs more than the sums
    weights = orgs[[column, "runs", "compute_s", "repeats"]]
    for segment, label in labels.items():
        part = weights[weights[column] == segment]
        runs, compute = int(part["runs"].sum()), float(part["compute_s"].sum())
        rows.append({"dimension": dimension, "segment": segment, "label": label, "orgs": len(part),
                     "org_share": len(part) / totals["orgs"] if totals["orgs"] else 0.0,
                     "runs": runs, "run_share": runs / totals["runs"] if totals["runs"] else 0.0,
                     "compute_s": compute,
                     "compute_share": compute / totals["compute_s"] if totals["compute_s"] else 0.0,
                     "runs_per_org": runs / len(part) if len(part) else 0.0,
                     "rerun_rate": int(part["repeats"].sum()) / runs if runs else 0.0})
    return pd.DataFrame(rows)


def all_segments(orgs: pd.DataFrame) -> pd.DataFrame:
    """`segment_sizes` of every dimension, one after the other."""
    return pd.concat([segment_sizes(orgs, d) for d in DIMENSIONS], ignore_index=True)


def cadence_vs_declared(orgs: pd.DataFrame) -> pd.DataFrame:
    """Declared against inferred cadence. Grain: one row per (declared tax period, inferred cadence) with orgs.
    Columns: tax_period, cadence, cadence_label, orgs, share (of the tax period's orgs), match (the cadence_match
    of those orgs)."""
    columns = ["tax_period", "cadence", "cadence_label", "orgs", "share", "match"]
    if orgs.empty:
        return pd.DataFrame(columns=columns)
    out = orgs.groupby(["tax_period", "cadence", "cadence_match"], as_index=False).size().rename(
        columns={"size": "orgs", "cadence_match": "match"})
    out["share"] = out["orgs"] / out.groupby("tax_period")["orgs"].transform("sum")
    out["cadence_label"] = out["cadence"].map(CADENCE_LABELS)
    order = {c: i for i, c in enumerate(CADENCES)}
    return out.sort_values(["tax_period", "cadence"], key=lambda s: s.map(order) if s.name == "cadence" else s,
                           kind="stable").reset_index(drop=True)[columns]


def mismatches(orgs: pd.DataFrame) -> dict:
    """How many orgs with a declared cadence and enough runs lodge differently: {"judged", "differs", "share",
    "top": (declared, inferred, orgs) of the commonest mismatch or None}."""
    cadences = orgs[["cadence_match", "declared", "cadence"]]      # only what is counted: copying rows costs more
    judged = cadences[cadences["cadence_match"].isin(["matches", "differs"])]
    differs = judged[judged["cadence_match"] == "differs"]
    top = None
    if len(differs):
        counts = differs.groupby(["declared", "cadence"]).size().sort_values(ascending=False, kind="stable")
        (declared, inferred), n = counts.index[0], int(counts.iloc[0])
        top = (str(declared), str(inferred), n)
    return {"judged": len(judged), "differs": len(differs),
            "share": len(differs) / len(judged) if len(judged) else 0.0, "top": top}


def switches_by_quarter(orgs: pd.DataFrame) -> pd.DataFrame:
    """Orgs that switched system, by the BAS quarter of their first run on the new one. Grain: one row per (quarter,
    direction). Columns: quarter, quarter_start (date), system (the system switched to), system_label, orgs."""
    columns = ["quarter", "quarter_start", "system", "system_label", "orgs"]
    uses = orgs[["system_use", "switch_date", "switch_quarter"]]      # only what is counted, as above
    moved = uses[uses["system_use"].str.startswith("switched")]
    if moved.empty:
        return pd.DataFrame(columns=columns)
    out = moved.assign(system=moved["system_use"].str.replace("switched to ", "", regex=False),
                       quarter_start=moved["switch_date"].dt.to_period("Q").dt.start_time)
    out = out.groupby(["quarter_start", "switch_quarter", "system"], as_index=False).size()
    out = out.rename(columns={"switch_quarter": "quarter", "size": "orgs"})
    out["system_label"] = out["system"].map(SYSTEM_LABELS)
    return out.sort_values(["quarter_start", "system"]).reset_index(drop=True)[columns]


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: orgs classified, each dimension's segment sizes (orgs), the cadence
    mismatches and the switches."""
    orgs = classified_orgs(con, f)
    out: dict = {"orgs": len(orgs)}
    for dimension, (column, _, labels) in DIMENSIONS.items():
        out[f"{dimension}_segments"] = {s: int((orgs[column] == s).sum()) for s in labels}
    m = mismatches(orgs)
    out["cadence_mismatches"] = m["differs"]
    out["cadence_judged"] = m["judged"]
    out["switched_orgs"] = int(orgs["system_use"].str.startswith("switched").sum())
    return out
