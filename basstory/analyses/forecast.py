"""The capacity chapter's monthly forecast carried down to the next quarter's days and hours, for Full BAS (the
extract with runtimes, so the one whose concurrency can be measured and planned).

Method, from the top down:
1. **Months**: the capacity chapter's forecast (`capacity.capacity_plan`: seasonal-naive over whole months, a season
   of one BAS quarter) gives each month of the coming quarter its runs, with an `capacity.INTERVAL_LEVEL` interval
   from the spread σ_m of the method's own past log errors (`capacity.seasonal_naive_forecast`).
2. **Days**: a month's runs are shared among its days in proportion to w(day) = exp(weekday effect + due-date
   effect), the effects the spikes chapter fits to the history (`spikes.fit_days`: median polish on ln(1 + runs)
   around a rolling-median trend; the due-date phase is the distance to the next due date of each kind), times the
   holiday effect (the median residual of public holidays and the Christmas–New Year break) on such days. A day's
   interval combines the month's spread with the day model's own: exp(±z·√(σ_m² + σ_d²)), σ_d the robust spread
   (1.4826 × MAD) of the history's day residuals.
3. **Hours**: a day's runs are shared among its Sydney clock hours by the share each hour of the day takes on days of
   its kind (working days, or weekends and public holidays; `spikes.hour_shares`), with a third spread σ_h (the
   robust spread of ln((runs + ½) / (expected + ½)) over the history's hours expected to hold at least 5 runs).
4. **Concurrent runs per hour**: by Little's law the mean number of runs under way in an hour is L = runs × W / 3600,
   W the history's mean runtime. The peak within the hour is read as the level a Poisson count of mean L exceeds
   with probability W / 3600 (an hour holds about 3600 / W independent looks at the system, and the peak is the one
   look in that many): `poisson_peak`, plus, for hours as busy as the history's busiest, the rule's median
   shortfall on those hours, whose measured peaks the chapter sets beside it (`peak_check`, `peak_bias`: re-runs
   arrive in bursts).
"""
from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd

from basstory.analyses import capacity, spikes
from basstory.query.filters import StoryFilters
from basstory.query.view import per_view

#: Hours whose history expects fewer runs than this do not set the hour model's spread (their ratios are noise).
HOUR_SPREAD_MIN_RUNS = 5
DAY_COLUMNS = ["day", "month", "weekday", "phase", "holiday", "runs", "lower", "upper"]
HOUR_COLUMNS = ["hour", "day", "runs", "lower", "upper", "mean_concurrency", "peak_concurrency", "peak_lower",
                "peak_upper"]


def poisson_peak(mean: float, runtime_s: float) -> int:
    """The peak number of runs under way within an hour whose mean is `mean` runs under way (Little's law) and whose
    runs last `runtime_s` on average: the smallest c with P(N > c) ≤ runtime_s / 3600 for N ~ Poisson(mean); 0 for
    no load."""
    if mean <= 0 or runtime_s <= 0:
        return 0
    tail = min(1.0, runtime_s / 3600)
    term = math.exp(-mean)
    cumulative, c = term, 0
    while 1 - cumulative > tail and c < 10_000:
        c += 1
        term *= mean / c
        cumulative += term
    return c


def _spread(values: np.ndarray) -> float:
    """1.4826 × the median absolute deviation from the median (0 for no values)."""
    if values.size == 0:
        return 0.0
    return spikes.MAD_TO_SD * float(np.median(np.abs(values - np.median(values))))


@per_view
def day_model(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The Full BAS day and hour model fitted to the view's history: weekday effects ({1..7: effect}), due-date
    phase effects ({phase: effect}), holiday_effect, sigma_day, hour shares (frame: working, hour_of_day, share),
    sigma_hour; None without MIN_DAYS days of Full BAS runs (`spikes.day_pattern`)."""
    pattern = spikes.day_pattern(con, f)
    fitted = pattern[(pattern["system"] == "full") & (pattern["measure"] == "runs")]
    if fitted.empty:
        return None
    ordinary = np.array([not spikes.is_break(d.date()) for d in fitted["day"]])
    weekday = fitted.groupby("weekday")["weekday_effect"].first().to_dict()
    phase = fitted.groupby("phase")["phase_effect"].first().to_dict()
    residual = fitted["residual"].to_numpy()
    holiday = float(np.median(residual[~ordinary] - np.median(residual[ordinary]))) if (~ordinary).any() else 0.0
    hourly = spikes.hourly_series(con, f)
    hours = spikes.fit_hours(hourly.loc[hourly["system"] == "full", ["hour", "runs"]])
    busy = hours[hours["expected"] >= HOUR_SPREAD_MIN_RUNS]
    sigma_hour = _spread(np.log((busy["runs"].to_numpy(float) + 0.5) / (busy["expected"].to_numpy(float) + 0.5)))
    return {"weekday": {int(k): float(v) for k, v in weekday.items()},
            "phase": {str(k): float(v) for k, v in phase.items()},
            "holiday_effect": holiday, "sigma_day": _spread(residual[ordinary]),
            "shares": spikes.hour_shares(hours), "sigma_hour": sigma_hour}


def day_weights(days: pd.DatetimeIndex, model: dict) -> pd.DataFrame:
    """Each day's weight w = exp(weekday effect + due-date effect [+ holiday effect]) (a phase the history never
    saw counts 0). Columns: day, weekday, phase, holiday, weight."""
    out = pd.DataFrame({"day": days})
    out["weekday"] = out["day"].dt.isocalendar().day.astype("int64").to_numpy()
    out["phase"] = spikes.due_phase(out["day"]).to_numpy()
    out["holiday"] = [spikes.is_break(d.date()) for d in out["day"]]
    effect = (out["weekday"].map(model["weekday"]).fillna(0.0) + out["phase"].map(model["phase"]).fillna(0.0)
              + np.where(out["holiday"], model["holiday_effect"], 0.0))
    out["weight"] = np.exp(effect.to_numpy(float))
    return out


@per_view
def forecast(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The next quarter's Full BAS days and hours (module docstring); None when the capacity chapter has no
    forecast (fewer than five whole months of Full BAS) or the day model cannot be fitted.

    Keys: plan (capacity_plan's dict), level, z, peak_bias (`peak_bias`), sigma_month, sigma_day, sigma_hour,
    mean_runtime_s;
    months (frame: month, month_start, runs, lower, upper, peak_concurrency_forecast, peak_lower, peak_upper);
    days (frame, one row per day of the quarter: DAY_COLUMNS, plus peak_concurrency: the busiest hour's peak);
    hours (frame, one row per Sydney clock hour of the quarter: HOUR_COLUMNS);
    history (frame: the last quarter of whole months' actual days: day, runs).
    """
    outlook = capacity.capacity_outlook(con, f)
    plan, load = outlook["plan"], outlook["load"]
    if plan is None or load is None:
        return None
    model = day_model(con, f)
    if model is None:
        return None
    level = plan["level"]
    runs_fc = capacity.seasonal_naive_forecast(plan["history"]["runs"].to_numpy(), level=level)
    if runs_fc is None:
        return None
    z = capacity.normal_quantile(level)
    sigma_m = float(runs_fc["sigma"].iloc[0])
    months = plan["forecasts"][["month", "month_start", "peak_concurrency_forecast", "lower", "upper"]].rename(
        columns={"lower": "peak_lower", "upper": "peak_upper"})
    months.insert(2, "runs", runs_fc["forecast"].to_numpy())
    months.insert(3, "lower", runs_fc["lower"].to_numpy())
    months.insert(4, "upper", runs_fc["upper"].to_numpy())

    first = months["month_start"].min()
    last = months["month_start"].max() + pd.offsets.MonthEnd(0)
    days = _share_days(months, model, math.exp(z * math.sqrt(sigma_m ** 2 + model["sigma_day"] ** 2)))

    runtime = float(load["summary"]["mean_runtime_s"])
    bias = peak_bias(con, f)
    check = peak_check(con, f)
    busy = float(check["runs"].min()) if not check.empty else float("inf")
    hours = pd.DataFrame({"hour": pd.date_range(first, last + pd.Timedelta(hours=23), freq="h")})
    hours["day"] = hours["hour"].dt.normalize()
    hours["working"] = hours["day"].map({d: spikes.is_working_day(d.date()) for d in days["day"]}).astype(bool)
    hours["hour_of_day"] = hours["hour"].dt.hour
    hours = hours.merge(model["shares"], on=["working", "hour_of_day"], how="left").fillna({"share": 0.0})
    hours["runs"] = hours["share"] * hours["day"].map(days.set_index("day")["runs"])
    hour_width = math.exp(z * math.sqrt(sigma_m ** 2 + model["sigma_day"] ** 2 + model["sigma_hour"] ** 2))
    hours["lower"], hours["upper"] = hours["runs"] / hour_width, hours["runs"] * hour_width
    hours["mean_concurrency"] = hours["runs"] * runtime / 3600
    for column, runs in (("peak_concurrency", "runs"), ("peak_lower", "lower"), ("peak_upper", "upper")):
        hours[column] = [poisson_peak(r * runtime / 3600, runtime) + (bias if r >= busy else 0) for r in hours[runs]]
    days["peak_concurrency"] = days["day"].map(hours.groupby("day")["peak_concurrency"].max()).astype("int64")

    daily = spikes.daily_series(con, f)
    full = daily[daily["system"] == "full"]
    history_start = plan["history"]["month_start"].iloc[-min(3, len(plan["history"]))]
    history = full[(full["day"] >= history_start) & (full["day"] < first)][["day", "runs"]].reset_index(drop=True)
    return {"plan": plan, "level": level, "z": z, "peak_bias": bias, "sigma_month": sigma_m,
            "sigma_day": model["sigma_day"], "sigma_hour": model["sigma_hour"], "mean_runtime_s": runtime,
            "months": months.reset_index(drop=True),
            "days": days[[*DAY_COLUMNS, "peak_concurrency"]].reset_index(drop=True),
            "hours": hours[HOUR_COLUMNS].reset_index(drop=True), "history": history}


@per_view
def peak_check(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The peak-per-hour rule (`poisson_peak`) against the measured peaks of the history's busiest hours
    (`capacity.full_bas_load`'s Little's law table). Grain: one row per busiest hour. Columns: hour_local, runs,
    mean_runtime_s, measured_l, peak_concurrency (measured), predicted_peak (the rule, from the hour's runs and
    the history's mean runtime), difference (predicted - measured)."""
    load = capacity.capacity_outlook(con, f)["load"]
    columns = ["hour_local", "runs", "mean_runtime_s", "measured_l", "peak_concurrency", "predicted_peak",
               "difference"]
    if load is None or load["busiest_hours"].empty:
        return pd.DataFrame(columns=columns)
    runtime = float(load["summary"]["mean_runtime_s"])
    out = load["busiest_hours"].copy()
    out["predicted_peak"] = [poisson_peak(r * runtime / 3600, runtime) for r in out["runs"]]
    out["difference"] = out["predicted_peak"] - out["peak_concurrency"]
    out["peak_concurrency"] = out["peak_concurrency"].astype("int64")
    return out[columns].reset_index(drop=True)


def peak_bias(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> int:
    """What the forecast adds to the Poisson peak of an hour at least as busy as the history's busiest hours (the
    fewest runs among them): the rule's median shortfall on those hours (measured - predicted, rounded, never below
    0): re-runs come in bursts, which a Poisson count does not. Quieter hours, where it was not measured, get
    none."""
    check = peak_check(con, f)
    if check.empty:
        return 0
    return max(0, int(round(float(np.median(-check["difference"])))))


def _share_days(months: pd.DataFrame, model: dict, width: float) -> pd.DataFrame:
    """Each day of `months` (month, month_start, runs) with its share of its month's runs and the interval
    forecast / width .. forecast × width. Columns: day, month, weekday, phase, holiday, runs, lower, upper."""
    first = months["month_start"].min()
    last = months["month_start"].max() + pd.offsets.MonthEnd(0)
    days = day_weights(pd.date_range(first, last, freq="D"), model)
    days["month"] = days["day"].dt.strftime("%Y-%m")
    share = days["weight"] / days.groupby("month")["weight"].transform("sum")
    days["runs"] = share * days["month"].map(months.set_index("month")["runs"])
    days["lower"], days["upper"] = days["runs"] / width, days["runs"] * width
    return days[DAY_COLUMNS]


@per_view
def backtest(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The method run as if the last quarter of whole months were still to come: the monthly forecast from the
    months before it only (the day pattern is the one fitted to the whole history: in-sample), against what came.
    None without five whole months before that quarter.

    Keys: level; months (frame: month, month_start, runs (forecast), lower, upper, actual, error: forecast /
    actual - 1); days (frame: DAY_COLUMNS, actual); day_error (median |forecast / actual - 1| over working days
    with runs); within (share of days whose actual runs lie inside the interval); days_judged.
    """
    plan = capacity.capacity_outlook(con, f)["plan"]
    model = day_model(con, f)
    if plan is None or model is None:
        return None
    history = plan["history"]
    season = capacity.SEASON_MONTHS
    past, held = history.iloc[:-season], history.iloc[-season:]
    level = plan["level"]
    runs_fc = capacity.seasonal_naive_forecast(past["runs"].to_numpy(), level=level)
    if len(past) < 5 or runs_fc is None:
        return None
    z = capacity.normal_quantile(level)
    sigma_m = float(runs_fc["sigma"].iloc[0])
    months = held[["month", "month_start"]].reset_index(drop=True).assign(
        runs=runs_fc["forecast"].to_numpy(), lower=runs_fc["lower"].to_numpy(), upper=runs_fc["upper"].to_numpy(),
        actual=held["runs"].to_numpy())
    months["error"] = months["runs"] / months["actual"] - 1
    width = math.exp(z * math.sqrt(sigma_m ** 2 + model["sigma_day"] ** 2))
    days = _share_days(months, model, width)
    daily = spikes.daily_series(con, f)
    actual = daily[daily["system"] == "full"].set_index("day")["runs"]
    days["actual"] = days["day"].map(actual).fillna(0).astype("int64")
    working = np.array([spikes.is_working_day(d.date()) for d in days["day"]]) & (days["actual"] > 0).to_numpy()
    errors = (days["runs"] / days["actual"].where(days["actual"] > 0) - 1).abs()[working]
    inside = (days["actual"] >= days["lower"]) & (days["actual"] <= days["upper"])
    return {"level": level, "months": months, "days": days, "day_error": float(errors.median()),
            "within": float(inside.mean()), "days_judged": int(len(days))}


@per_view
def forecast_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The chapter's headline numbers: quarter (first and last month), total runs with its interval (the months'
    sums), peak_day (day, runs, lower, upper, phase), peak_hour (hour, runs, lower, upper, peak_concurrency,
    peak_lower, peak_upper), busiest_week (its Monday and runs), the capacity plan's monthly peak and provision, and
    the peak rule's check (hours checked, exact, within one, without and with the correction `peak_bias`); None
    without a forecast."""
    fc = forecast(con, f)
    if fc is None:
        return None
    days, hours, months = fc["days"], fc["hours"], fc["months"]
    top_day = days.sort_values(["runs", "day"], ascending=[False, True]).iloc[0]
    top_hour = hours.sort_values(["runs", "hour"], ascending=[False, True]).iloc[0]
    weeks = days.groupby(days["day"] - pd.to_timedelta(days["weekday"] - 1, unit="D"))["runs"].sum()
    check = peak_check(con, f)
    plan = fc["plan"]
    return {
        "first_month": str(months["month"].iloc[0]), "last_month": str(months["month"].iloc[-1]),
        "runs": float(months["runs"].sum()), "runs_lower": float(months["lower"].sum()),
        "runs_upper": float(months["upper"].sum()), "level": fc["level"],
        "peak_day": {k: top_day[k] for k in ("day", "runs", "lower", "upper", "phase", "peak_concurrency")},
        "peak_hour": {k: top_hour[k] for k in ("hour", "runs", "lower", "upper", "peak_concurrency", "peak_lower",
                                               "peak_upper")},
        "busiest_week": {"monday": weeks.idxmax(), "runs": float(weeks.max())},
        "monthly_peak": {"month": plan["peak_month"], "forecast": plan["forecast"], "lower": plan["lower"],
                         "upper": plan["upper"], "provision": plan["provision"]},
        "check": {"hours": int(len(check)), "exact": int((check["difference"] == 0).sum()),
                  "within_one": int((check["difference"].abs() <= 1).sum()), "bias": fc["peak_bias"],
                  "exact_corrected": int((check["difference"] + fc["peak_bias"] == 0).sum()),
                  "within_one_corrected": int(((check["difference"] + fc["peak_bias"]).abs() <= 1).sum())},
        "mean_runtime_s": fc["mean_runtime_s"],
    }


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """Headline numbers for the facts CLI: the next quarter's forecast Full BAS runs (with interval), its peak day
    and peak hour (Sydney time) with their runs and peak concurrent runs; {} without a forecast."""
    s = forecast_summary(con, f)
    if s is None:
        return {}
    day, hour = s["peak_day"], s["peak_hour"]
    return {"quarter": f"{s['first_month']}..{s['last_month']}", "runs": round(s["runs"]),
            "runs_interval": [round(s["runs_lower"]), round(s["runs_upper"])], "level": s["level"],
            "peak_day": f"{day['day']:%Y-%m-%d}", "peak_day_runs": round(float(day["runs"])),
            "peak_day_interval": [round(float(day["lower"])), round(float(day["upper"]))],
            "peak_hour": f"{hour['hour']:%Y-%m-%d %H:00}", "peak_hour_runs": round(float(hour["runs"])),
            "peak_hour_concurrency": int(hour["peak_concurrency"]),
            "peak_hour_concurrency_interval": [int(hour["peak_lower"]), int(hour["peak_upper"])]}
