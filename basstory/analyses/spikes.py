"""Spikes and drops: days and hours whose runs or compute depart from what the calendar predicts, and the likely
cause found in the data.

**Days.** Per system, each Sydney day from the system's first to its last kept run (a day without runs counts 0),
for runs and, for Full BAS, compute (the summed runtime of the runs that start that day; Simple BAS records no
runtime). On the log scale, y = ln(1 + value) is split into
- a *trend*: the centred rolling median of y over `TREND_DAYS` days (a median, so the due-date weeks do not lift it);
- a *weekday* effect and a *due-date* effect, fitted to what the trend leaves by median polish (Tukey: the median of
  the rest per weekday, then per due-date phase, `POLISH_ROUNDS` times). The due-date phase of a day is how many days
  it lies before the next BAS due date (0 to 7, quarterly and monthly due dates apart), one or two days after a
  quarterly due date, or neither (`due_phase`);
- a *residual*, scaled robustly: z = (residual - its median) / (1.4826 × its median absolute deviation), so a z of 1
  is one standard deviation were the residuals normal, and a handful of wild days cannot hide themselves by
  inflating the scale.
A day is a **spike** when z ≥ `THRESHOLD` and a **drop** when z ≤ -`THRESHOLD` (3.5, the usual cut-off for a
robust z-score; Iglewicz and Hoaglin), and it differs from its *expected* value, exp(trend + effects + residual
median) - 1, by at least `MIN_SHARE` of the series' median day. The trend skips public holidays and the
Christmas–New Year break (they are judged against it, not folded into it).

**Hours.** An hour is compared with its own day: expected runs = the day's runs × the share of a day's runs that
hour of the day takes over all the system's days of the same kind (working days, or weekends and public holidays).
Counts that small are compared on the square-root scale, which steadies the spread of counts (Anscombe:
r = 2(√(runs + 3/8) - √(expected + 3/8))), scaled the same robust way over the hours the pattern expects at least
one run in (working days and the rest each on their own), and flagged at the same threshold. An hour flagged is
unusual *within its day*: a burst, or a stretch of a busy day with no runs (a gap in the extract, an outage).

**Causes**, found in the data and the calendar for each flagged day or hour (all that apply): no runs at all, the
first or last day of the system's extract, a BAS due date on the day or up to three days later, the day after a
due date, a daylight-saving night (Sydney's clocks change), a national public holiday, the Christmas–New Year
break; else "no cause found in the data".
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import duckdb
import numpy as np
import pandas as pd

from basstory.analyses.dataset import extract_spans
from basstory.analyses.kept import kept_runs
from basstory.core.calendar_au import bas_due_dates, national_public_holidays
from basstory.core.schema import CONTRACT_TZ, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.queries import frame
from basstory.query.view import per_view

#: The trend's window, in days (centred, odd so a day sits in its middle).
TREND_DAYS = 29
#: Median-polish rounds for the weekday and due-date effects.
POLISH_ROUNDS = 4
#: |robust z| at or above which a day or hour is flagged.
THRESHOLD = 3.5
#: Scales a median absolute deviation to a standard deviation for normal residuals.
MAD_TO_SD = 1.4826
#: A due date this many days ahead (or fewer) is a likely cause of a spike.
CAUSE_DAYS_BEFORE = 3
#: Due-date phases run this many days before a due date.
PHASE_DAYS = 7
#: A day is flagged only when it also departs from what was expected by at least this share of the series' median
#: day: a quiet Sunday's two runs instead of twelve are not news for operations.
MIN_SHARE = 0.25
#: Fewer days than this and a system's days are not judged (too few to tell a pattern from an accident).
MIN_DAYS = 28
MEASURES = {"runs": "runs", "compute_s": "compute (runtime-seconds)"}
QUARTERLY = ("quarterly", "quarterly_agent")
DAY_COLUMNS = ["system", "measure", "day", "weekday", "phase", "value", "expected", "z", "kind", "trend",
               "weekday_effect", "phase_effect", "residual"]
HOUR_COLUMNS = ["system", "hour", "day", "runs", "expected", "z", "kind"]


# --- The calendar -----------------------------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _holidays(year: int) -> dict[date, str]:
    return national_public_holidays(year)


def _due_table(first: date, last: date) -> pd.DataFrame:
    """Each due date from `first` to a little after `last`: due_date, quarterly (bool), agent (bool), label
    (joined)."""
    return _due_table_cached(first, last).copy()


@lru_cache(maxsize=32)
def _due_table_cached(first: date, last: date) -> pd.DataFrame:
    due = bas_due_dates(first - timedelta(days=3), last + timedelta(days=40))
    if due.empty:
        return pd.DataFrame(columns=["due_date", "quarterly", "agent", "label"])
    due = due.assign(quarterly=due["cadence"].isin(QUARTERLY), agent=due["cadence"] == "quarterly_agent")
    return due.groupby("due_date", as_index=False).agg(quarterly=("quarterly", "any"), agent=("agent", "any"),
                                                       label=("label", " / ".join))


def due_phase(days: pd.Series | list[date]) -> pd.Series:
    """The due-date phase of each day: 'agent k' / 'quarterly k' / 'monthly k' when the next due date is k = 0..7
    days ahead and is an agent quarterly due date (25 Nov, 28 Feb, 26 May, 25 Aug: most organisations lodge through
    an agent), only a self-lodged quarterly one, or only a monthly one; 'after quarterly k' one or two days after a
    quarterly due date (when no due date is within a week ahead); 'other' otherwise."""
    days = [pd.Timestamp(d).date() for d in days]
    if not days:
        return pd.Series([], dtype="object")
    due = _due_table(min(days), max(days))
    dates = list(due["due_date"])
    quarterly = dict(zip(due["due_date"], due["quarterly"], strict=True))
    kind = {d: "agent" if a else "quarterly" if q else "monthly"
            for d, q, a in zip(due["due_date"], due["quarterly"], due["agent"], strict=True)}
    phases = []
    for d in days:
        ahead = next((x for x in dates if x >= d), None)
        k = (ahead - d).days if ahead is not None else None
        if k is not None and k <= PHASE_DAYS:
            phases.append(f"{kind[ahead]} {k}")
            continue
        behind = [x for x in dates if x < d and quarterly[x] and (d - x).days <= 2]
        phases.append(f"after quarterly {(d - behind[-1]).days}" if behind else "other")
    return pd.Series(phases, dtype="object")


def dst_changes(first: date, last: date) -> dict[date, str]:
    """The Sydney dates from `first` to `last` whose night the clocks change: date -> 'clocks go forward' /
    'clocks go back'."""
    out = {}
    days = pd.date_range(first, last, freq="D")
    if days.empty:
        return out
    starts = days.tz_localize(CONTRACT_TZ)
    ends = (days + pd.Timedelta(hours=23, minutes=59)).tz_localize(CONTRACT_TZ, ambiguous=False,
                                                                    nonexistent="shift_forward")
    for day, a, b in zip(days, starts, ends, strict=True):
        if a.utcoffset() != b.utcoffset():
            out[day.date()] = "clocks go forward" if b.utcoffset() > a.utcoffset() else "clocks go back"
    return out


#: The kinds of cause, in the order a flagged day is filed under the first that applies (`cause_kind`).
CAUSE_KINDS = ("a gap in the extract", "the extract's first or last day", "a BAS due date",
               "a daylight-saving night", "a public holiday", "the Christmas–New Year break",
               "no cause found in the data")


def cause_kind(cause: str) -> str:
    """The kind of a flagged day's causes (`day_causes`, joined with '; '): the first of CAUSE_KINDS that applies."""
    tests = (("a gap in the extract", "no runs"), ("the extract's first or last day", "of the extract"),
             ("a BAS due date", "BAS due date"), ("a daylight-saving night", "daylight-saving"),
             ("a public holiday", "public holiday"), ("the Christmas–New Year break", "Christmas–New Year"))
    return next((kind for kind, text in tests if text in cause), "no cause found in the data")


def day_causes(day: date, runs: int | None, span: tuple[date, date] | None, due: pd.DataFrame,
               dst: dict[date, str]) -> list[str]:
    """The likely causes of a flagged day found in the data and the calendar (see the module docstring)."""
    causes = []
    if runs == 0:
        causes.append("no runs at all: a gap in the extract?")
    if span is not None:
        if day == span[0]:
            causes.append("first day of the extract")
        if day == span[1]:
            causes.append("last day of the extract")
    for row in due.itertuples(index=False):
        ahead = (row.due_date - day).days
        if ahead == 0:
            causes.append(f"BAS due date ({row.label})")
        elif 0 < ahead <= CAUSE_DAYS_BEFORE:
            causes.append(f"{ahead} day{'s' if ahead > 1 else ''} before a BAS due date ({row.label})")
        elif ahead == -1:
            causes.append(f"the day after a BAS due date ({row.label})")
    if day in dst:
        causes.append(f"daylight-saving night ({dst[day]})")
    holiday = _holidays(day.year).get(day)
    if holiday:
        causes.append(f"public holiday ({holiday})")
    elif (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day <= 5):
        causes.append("Christmas–New Year break")
    return causes or ["no cause found in the data"]


# --- The robust model -------------------------------------------------------------------------------------------

def robust_z(residuals: np.ndarray, among: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
    """(z, centre, scale): residuals centred on their median and scaled by MAD_TO_SD × their median absolute
    deviation, both taken over `among` (a boolean mask; all when None). A zero scale (over half the residuals
    equal) gives z = 0 where the residual is the centre and ±inf elsewhere."""
    values = residuals if among is None else residuals[among]
    if values.size == 0:
        return np.zeros_like(residuals), 0.0, 0.0
    centre = float(np.median(values))
    scale = MAD_TO_SD * float(np.median(np.abs(values - centre)))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (residuals - centre) / scale if scale > 0 else np.where(residuals == centre, 0.0,
                                                                     np.sign(residuals - centre) * np.inf)
    return z, centre, scale


def fit_days(days: pd.DataFrame) -> pd.DataFrame:
    """The day model (module docstring) on one series: `days` has day (Timestamp, every day of the span), value;
    returns it with weekday (1 = Monday), phase, trend, weekday_effect, phase_effect, residual, expected, z, kind
    ('spike', 'drop' or None)."""
    out = days.sort_values("day").reset_index(drop=True).copy()
    y = np.log1p(out["value"].to_numpy(dtype=float))
    # the trend reads ordinary days: public holidays and the Christmas–New Year break would pull it down around them
    ordinary = np.array([not is_break(d.date()) for d in out["day"]])
    trend = (pd.Series(np.where(ordinary, y, np.nan)).rolling(TREND_DAYS, center=True, min_periods=1).median()
             .interpolate(limit_direction="both").to_numpy())
    out["weekday"] = out["day"].dt.isocalendar().day.astype("int64").to_numpy()
    out["phase"] = due_phase(out["day"]).to_numpy()
    rest = y - trend
    weekday_effect = np.zeros_like(y)
    phase_effect = np.zeros_like(y)
    for _ in range(POLISH_ROUNDS):
        weekday_effect = pd.Series(rest - phase_effect).groupby(out["weekday"]).transform("median").to_numpy()
        phase_effect = pd.Series(rest - weekday_effect).groupby(out["phase"]).transform("median").to_numpy()
    residual = rest - weekday_effect - phase_effect
    z, centre, _ = robust_z(residual)
    out["trend"], out["weekday_effect"], out["phase_effect"] = trend, weekday_effect, phase_effect
    out["residual"] = residual
    out["expected"] = np.expm1(trend + weekday_effect + phase_effect + centre)
    out["z"] = z
    big = np.abs(out["value"].to_numpy(float) - out["expected"].to_numpy(float)) >= MIN_SHARE * out["value"].median()
    out["kind"] = np.where(big & (z >= THRESHOLD), "spike", np.where(big & (z <= -THRESHOLD), "drop", None))
    return out


def is_break(d: date) -> bool:
    """A national public holiday or a day of the Christmas–New Year break (24 Dec to 5 Jan)."""
    return d in _holidays(d.year) or (d.month == 12 and d.day >= 24) or (d.month == 1 and d.day <= 5)


def hour_shares(hours: pd.DataFrame) -> pd.DataFrame:
    """The share of a day's runs each hour of the day takes, per day kind: runs in that hour over all the kind's days
    / all the runs of those days (pooled, so a quiet day's few runs do not make an hour look empty). `hours` has
    hour_of_day, runs, working (bool, the day's kind). Columns: working, hour_of_day, share."""
    shares = hours.groupby(["working", "hour_of_day"], as_index=False)["runs"].sum()
    total = shares.groupby("working")["runs"].transform("sum")
    shares["share"] = (shares["runs"] / total.where(total > 0)).fillna(0.0)
    return shares[["working", "hour_of_day", "share"]]


def fit_hours(hours: pd.DataFrame) -> pd.DataFrame:
    """The hour model (module docstring) on one system: `hours` has hour (Timestamp), runs, every hour of every day
    of the span; returns it with day, hour_of_day, working, expected, r (Anscombe residual), z, kind."""
    out = hours.sort_values("hour").reset_index(drop=True).copy()
    out["day"] = out["hour"].dt.normalize()
    out["hour_of_day"] = out["hour"].dt.hour
    out["working"] = out["day"].map({d: is_working_day(d.date()) for d in out["day"].unique()}).astype(bool)
    shares = hour_shares(out)
    out = out.merge(shares, on=["working", "hour_of_day"], how="left").fillna({"share": 0.0})
    out["expected"] = out.groupby("day")["runs"].transform("sum") * out["share"]
    runs, expected = out["runs"].to_numpy(float), out["expected"].to_numpy(float)
    r = 2 * (np.sqrt(runs + 3 / 8) - np.sqrt(expected + 3 / 8))
    z = np.zeros_like(r)
    working = out["working"].to_numpy(bool)
    for kind in (True, False):          # working days and the rest vary differently: each is scaled on its own
        z_kind, _, _ = robust_z(r, (working == kind) & (expected >= 1))
        z = np.where(working == kind, z_kind, z)
    z = np.where((expected >= 1) | (runs >= 1), z, 0.0)
    out["r"], out["z"] = r, z
    out["kind"] = np.where(z >= THRESHOLD, "spike", np.where(z <= -THRESHOLD, "drop", None))
    return out.drop(columns="share")


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in _holidays(d.year)


# --- From the data ----------------------------------------------------------------------------------------------

@per_view
def daily_series(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Kept runs and Full BAS compute per system and Sydney day, every day from the system's first to its last kept
    run. Grain: one row per (system, day). Columns: system, day (Timestamp), runs, compute_s (summed runtime of the
    runs starting that day; NaN for Simple BAS)."""
    k = kept_runs(con, f)
    df = frame(con, f"""
        WITH d AS (SELECT system, run_local_date AS day, {k.count} AS runs, sum(runtime_s) AS compute_s
                   FROM ({k.source}) GROUP BY ALL),
        span AS (SELECT system, min(day) AS first, max(day) AS last FROM d GROUP BY system),
        grid AS (SELECT system, CAST(unnest(generate_series(first, last, INTERVAL 1 DAY)) AS DATE) AS day FROM span)
        SELECT g.system, CAST(g.day AS TIMESTAMP) AS day, coalesce(d.runs, 0) AS runs,
               CASE WHEN g.system = 'full' THEN coalesce(d.compute_s, 0) END AS compute_s
        FROM grid g LEFT JOIN d USING (system, day) ORDER BY g.system, g.day""")
    df["runs"] = df["runs"].astype("int64")
    df["compute_s"] = df["compute_s"].astype("float64")
    return df


@per_view
def hourly_series(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Kept runs per system and Sydney clock hour, every hour of every day from the system's first to its last kept
    run. Grain: one row per (system, hour). Columns: system, hour (Timestamp, Sydney wall-clock), runs."""
    k = kept_runs(con, f.with_(tz=CONTRACT_TZ))
    df = frame(con, f"""
        WITH h AS (SELECT system, date_trunc('hour', {k.display}) AS hour, {k.count} AS runs
                   FROM ({k.source}) GROUP BY ALL),
        span AS (SELECT system, date_trunc('day', min(hour)) AS first, date_trunc('day', max(hour)) + INTERVAL 23 HOUR
                 AS last FROM h GROUP BY system),
        grid AS (SELECT system, unnest(generate_series(first, last, INTERVAL 1 HOUR)) AS hour FROM span)
        SELECT g.system, CAST(g.hour AS TIMESTAMP) AS hour, coalesce(h.runs, 0) AS runs
        FROM grid g LEFT JOIN h USING (system, hour) ORDER BY g.system, g.hour""")
    df["runs"] = df["runs"].astype("int64")
    return df


@per_view
def day_pattern(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Every day of each series with what the pattern expects of it and how far it departs.

    Grain: one row per (system, measure, day) for each system with at least MIN_DAYS days: measure 'runs' for each
    system, 'compute_s' for Full BAS. Columns: system, measure, day, weekday (1 = Monday), phase (`due_phase`),
    value, expected, z (robust z of the residual), kind ('spike', 'drop' or None), and the model's parts (`fit_days`:
    trend, weekday_effect, phase_effect, residual, on the ln(1 + value) scale).
    """
    daily = daily_series(con, f)
    parts = []
    for system, one in daily.groupby("system", sort=False):
        if len(one) < MIN_DAYS:
            continue
        for measure in MEASURES:
            if measure == "compute_s" and system != "full":
                continue
            fitted = fit_days(one[["day"]].assign(value=one[measure].to_numpy()))
            parts.append(fitted.assign(system=system, measure=measure))
    if not parts:
        return pd.DataFrame(columns=DAY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["system", "measure", "day"], key=_system_order)
    return out[DAY_COLUMNS].reset_index(drop=True)


def _system_order(column: pd.Series) -> pd.Series:
    return column.map(SYSTEMS.index) if column.name == "system" else column


def _span_dates(spans: dict, system: str) -> tuple[date, date] | None:
    span = spans.get(system)
    return (pd.Timestamp(span[0]).date(), pd.Timestamp(span[1]).date()) if span else None


@per_view
def spike_days(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The flagged days, biggest departure first.

    Grain: one row per (system, measure, day) with a spike or a drop. Columns: system, measure, day, kind, value,
    expected, difference (value - expected), ratio (value / expected; NaN when nothing was expected), z, runs (the
    day's runs of that system), cause (the likely causes, joined with '; ').
    """
    pattern = day_pattern(con, f)
    flagged = pattern[pattern["kind"].notna()].copy()
    columns = ["system", "measure", "day", "kind", "value", "expected", "difference", "ratio", "z", "runs", "cause"]
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    runs = pattern[pattern["measure"] == "runs"].set_index(["system", "day"])["value"]
    flagged["runs"] = [int(runs.get((s, d), 0)) for s, d in zip(flagged["system"], flagged["day"], strict=True)]
    spans = extract_spans(con, f)
    first, last = pattern["day"].min().date(), pattern["day"].max().date()
    due, dst = _due_table(first, last), dst_changes(first, last)
    flagged["cause"] = ["; ".join(day_causes(d.date(), r, _span_dates(spans, s), due, dst))
                        for s, d, r in zip(flagged["system"], flagged["day"], flagged["runs"], strict=True)]
    flagged["difference"] = flagged["value"] - flagged["expected"]
    flagged["ratio"] = flagged["value"] / flagged["expected"].where(flagged["expected"] > 0)
    flagged = flagged.assign(size=flagged["z"].abs()).sort_values(["size", "day"], ascending=[False, True])
    return flagged[columns].reset_index(drop=True)


@per_view
def hour_pattern(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Every Sydney hour of each system with at least MIN_DAYS days, against its day's usual shape (`fit_hours`).
    Grain: one row per (system, hour). Columns: system, hour, day, runs, expected, z, kind."""
    hourly = hourly_series(con, f)
    columns = ["system", "hour", "day", "runs", "expected", "z", "kind"]
    parts = [fit_hours(one[["hour", "runs"]]).assign(system=system)[columns]
             for system, one in hourly.groupby("system", sort=False)
             if one["hour"].dt.normalize().nunique() >= MIN_DAYS]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


@per_view
def spike_hours(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The flagged hours (runs only), biggest departure first.

    Grain: one row per (system, Sydney hour) with a spike or a drop, for systems with at least MIN_DAYS days.
    Columns: system, hour (Timestamp, Sydney), kind, runs, expected, z, cause (as for days, plus the daylight-saving
    hour itself).
    """
    pattern = hour_pattern(con, f)
    columns = ["system", "hour", "kind", "runs", "expected", "z", "cause"]
    flagged = pattern[pattern["kind"].notna()].reset_index(drop=True)
    if flagged.empty:
        return pd.DataFrame(columns=columns)
    spans = extract_spans(con, f)
    first, last = flagged["day"].min().date(), flagged["day"].max().date()
    due, dst = _due_table(first, last), dst_changes(first, last)
    causes = []
    for system, hour, runs in zip(flagged["system"], flagged["hour"], flagged["runs"], strict=True):
        day = hour.date()
        found = [c for c in day_causes(day, None, _span_dates(spans, system), due, dst)
                 if c != "no cause found in the data"]
        if runs == 0:
            found.insert(0, "no runs in a busy hour: a gap in the extract?")
        causes.append("; ".join(found) or "no cause found in the data")
    flagged["cause"] = causes
    flagged = flagged.assign(size=flagged["z"].abs()).sort_values(["size", "hour"], ascending=[False, True])
    return flagged[columns].reset_index(drop=True)


@per_view
def spikes_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: days judged and flagged per system and measure ({(system, measure): {...}}
    as 'system/measure' keys: days, spikes, drops), the biggest spike and the biggest drop of runs (rows of
    `spike_days` as dicts, or None), how many flagged days a cause explains and the flagged days per kind of cause
    (causes: {kind: days}, CAUSE_KINDS order; hours: `hours_summary`). Days are
    counted per (system, day): flagged_days, spike_days (with a spike in runs or compute), drop_days (with a
    drop), a day with both counted in each."""
    pattern = day_pattern(con, f)
    days = spike_days(con, f)
    series = {}
    for (system, measure), one in pattern.groupby(["system", "measure"], sort=False):
        flagged = days[(days["system"] == system) & (days["measure"] == measure)]
        series[f"{system}/{measure}"] = {"days": int(len(one)), "spikes": int((flagged["kind"] == "spike").sum()),
                                         "drops": int((flagged["kind"] == "drop").sum())}
    runs = days[days["measure"] == "runs"]

    def biggest(kind: str) -> dict | None:
        rows = runs[runs["kind"] == kind]
        return None if rows.empty else rows.iloc[0].to_dict()

    flagged_days = days.drop_duplicates(["system", "day"])
    causes: dict[str, int] = {}
    for cause in flagged_days["cause"]:
        kind = cause_kind(cause)
        causes[kind] = causes.get(kind, 0) + 1
    return {
        "causes": {k: causes[k] for k in CAUSE_KINDS if k in causes},
        "series": series,
        "flagged_days": int(len(flagged_days)),
        "spike_days": int(len(days.loc[days["kind"] == "spike"].drop_duplicates(["system", "day"]))),
        "drop_days": int(len(days.loc[days["kind"] == "drop"].drop_duplicates(["system", "day"]))),
        "due_explained": int(flagged_days["cause"].str.contains("BAS due date").sum()),
        "unexplained": int((flagged_days["cause"] == "no cause found in the data").sum()),
        "biggest_spike": biggest("spike"),
        "biggest_drop": biggest("drop"),
        "threshold": THRESHOLD,
    }


@per_view
def hours_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """How many hours were flagged (`spike_hours`): hours, hour_spikes, hour_drops."""
    hours = spike_hours(con, f)
    return {"hours": int(len(hours)), "hour_spikes": int((hours["kind"] == "spike").sum()),
            "hour_drops": int((hours["kind"] == "drop").sum())}


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """Headline numbers for the facts CLI: flagged days (spike and drop days, distinct by system and day), flagged
    hours, and the biggest spike and drop of runs (system, day 'YYYY-MM-DD', runs, expected, cause)."""
    s = spikes_summary(con, f)

    def brief(row: dict | None) -> dict | None:
        if row is None:
            return None
        return {"system": row["system"], "day": f"{row['day']:%Y-%m-%d}", "runs": int(row["value"]),
                "expected": round(float(row["expected"]), 1), "cause": row["cause"]}

    return {"spike_days": s["spike_days"], "drop_days": s["drop_days"], "flagged_days": s["flagged_days"],
            "flagged_hours": hours_summary(con, f)["hours"], "threshold_z": s["threshold"],
            "biggest_spike": brief(s["biggest_spike"]), "biggest_drop": brief(s["biggest_drop"])}
