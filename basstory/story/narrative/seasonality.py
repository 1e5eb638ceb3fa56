"""Chapter 3's sentences: seasonality and capacity. Numbers in, sentences out; every number comes from the
analyses (basstory.analyses.seasonality and .capacity) passed in."""
from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from basstory.analyses.seasonality import (
    CYCLE_DAYS_AFTER,
    CYCLE_DAYS_BEFORE,
    TREND_DAYS,
    first_by_factor,
)
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_day, fmt_int, fmt_month, ordinal, plural, weekday_name
from basstory.story.narrative import claims as said
from basstory.story.narrative.claims import times
from basstory.story.narrative.common import ChartTitle

#: Days of the month from which the BAS due dates (21st, 25th, 26th, 28th) and their weeks begin.
DUE_DAYS_FROM = 15
#: A cycle factor at least this far above 1 is called a season.
STRONG_FACTOR = 1.1


def _extremes(frame: pd.DataFrame, tie: str) -> Iterator[tuple[str, pd.Series, pd.Series]]:
    """Per system in the frame: (system, its row with the highest factor, its row with the lowest); factors equal to
    analyses.seasonality.FACTOR_DECIMALS decimals tie, and ties go to the smallest `tie`."""
    for system in SYSTEMS:
        rows = frame[frame["system"] == system]
        if rows.empty:
            continue
        yield system, first_by_factor(rows, tie), first_by_factor(rows, tie, highest=False)


def days_phrase(offset: int) -> str:
    """-7 -> '7 days before', 0 -> 'on', 2 -> '2 days after' (the due date)."""
    if offset == 0:
        return "on"
    return f"{plural(abs(offset), 'day')} {'before' if offset < 0 else 'after'}"


def _one_decimal(x: float) -> str:
    return f"{x:,.1f}".rstrip("0").rstrip(".") if abs(x - round(x)) > 1e-9 else fmt_int(x)


# --- Headline ---------------------------------------------------------------------------------------------------------

def seasonality_finding(summary: dict[str, dict], plan: dict | None, claims: dict | None = None) -> str:
    """The chapter's finding in one sentence, from `seasonality_summary`, `capacity_plan` and the quarter claims
    (analyses.claims)."""
    if not summary:
        return "No report runs in this view, so there is no season to read."
    lead = "full" if "full" in summary else next(iter(summary))
    s = summary[lead]
    quarter = ((claims or {}).get("quarter", {}).get(lead) if claims is not None else
               {"month_of_quarter": s["peak_month_of_quarter"], "factor": s["peak_month_of_quarter_factor"]}
               if s["peak_month_of_quarter"] is not None else None)
    parts = []
    if quarter and quarter["factor"] > 1:
        due = said.month_of_quarter_due(quarter["month_of_quarter"])
        parts.append(f"{SYSTEM_LABELS[lead]} load follows the BAS quarter: {said.quarter_phrase(quarter)}"
                     + (f", {due.split(';')[0]}" if due else ""))
    else:
        parts.append(f"{SYSTEM_LABELS[lead]}'s busiest month was {fmt_month(s['busiest_month'])} "
                     f"({plural(s['busiest_runs'], 'run')})")
    if plan:
        parts.append(f"provision for {plan['provision']} concurrent Full BAS runs "
                     f"{_due_week_phrase(plan)}")
    return "; ".join(parts) + "."


def _due_week_phrase(plan: dict) -> str:
    if plan.get("due_date"):
        return f"in the week before {fmt_day(plan['due_date'])}"
    return f"in {fmt_month(plan['peak_month'])}"


# --- Runs per month ---------------------------------------------------------------------------------------------------

def monthly_title(months: pd.DataFrame, month: dict | None = None) -> ChartTitle:
    """Title of the runs-per-month chart, from `runs_per_month` and the month claims (analyses.claims: the
    busiest month, both systems and each)."""
    subtitle = ("Report runs per calendar month (Sydney time), stacked by system: the bar's height is both systems "
                "together. The busiest month is outlined.")
    if months.empty:
        return ChartTitle("No runs in this view", subtitle)
    if month is None:
        busiest = months[months["busiest"]].iloc[0]
        month = {"all": {"month": busiest["month"], "runs": int(busiest["month_total"])}}
        month |= {r.system: {"month": r.month, "runs": int(r.runs)}
                  for r in months[months["busiest_for_system"]].itertuples()}
    top = month["all"]
    others = [f"{SYSTEM_LABELS[s]} peaks in {fmt_month(month[s]['month'])}" for s in SYSTEMS
              if month.get(s) and month[s]["month"] != top["month"]]
    text = (f"{fmt_month(top['month'])} was the busiest month: {plural(int(top['runs']), 'run')}"
            + (f"; {', '.join(others)}" if others else ""))
    return ChartTitle(text, subtitle)


# --- The quarterly cycle ----------------------------------------------------------------------------------------------

def cycle_title(cycle: pd.DataFrame) -> ChartTitle:
    """Title of the days-around-the-due-date chart, from `quarterly_cycle`."""
    if cycle.empty:
        return ChartTitle("The period is too short to hold a whole quarterly cycle",
                          f"A cycle runs from {CYCLE_DAYS_BEFORE} days before a quarterly due date to "
                          f"{CYCLE_DAYS_AFTER} days after it.")
    parts = []
    for system in SYSTEMS:
        c = cycle[cycle["system"] == system]
        if c.empty:
            continue
        peak = c.sort_values(["vs_average", "offset_days"], ascending=[False, True]).iloc[0]
        parts.append(f"{SYSTEM_LABELS[system]} peaks {days_phrase(int(peak['offset_days']))} the due date "
                     f"({times(float(peak['vs_average']))} an average day of the cycle)")
    counts = ", ".join(f"{SYSTEM_LABELS[s]} {int(c['due_dates'].iloc[0])}" for s, c in cycle.groupby("system"))
    subtitle = ("Runs per day around each quarterly BAS due date (self-lodged and agent dates), averaged over the due "
                f"dates whose whole cycle lies inside the period ({counts}), as a multiple of the cycle's average day.")
    return ChartTitle("; ".join(parts), subtitle)


# --- The decomposition ------------------------------------------------------------------------------------------------

def decomposition_method() -> str:
    """How the daily series is decomposed, in plain words (the page states its method)."""
    return (f"**Method.** Each system's runs per Sydney day (a day without runs counts as 0) are split into parts "
            f"that multiply: the **trend** is the centred {TREND_DAYS}-day moving average — four whole weeks, so "
            f"the weekly rhythm cancels out of it (it is left blank for the {TREND_DAYS // 2} days at either end); "
            f"the **weekly cycle** is the average of runs ÷ trend for each day of the week, scaled so the seven "
            f"factors average 1; the **monthly cycle** is what is left — runs ÷ (trend × weekday factor) — averaged "
            f"by day of the month. The **quarterly cycle** is slower than the trend's four weeks, so it is read "
            f"from whole calendar months: average runs per day in the 1st, 2nd and 3rd month of a quarter, over the "
            f"average of all whole months.")


def daily_title(system: str, daily: pd.DataFrame) -> ChartTitle:
    """Title of one system's daily series chart, from `daily_decomposition(...)["daily"]` for that system."""
    label = SYSTEM_LABELS[system]
    subtitle = (f"Thin line: {label} runs per day (Sydney dates); thick line: the centred {TREND_DAYS}-day trend. "
                "Dashed: quarterly BAS due dates. Triangles: days the chapter Spikes and drops flags as unusual.")
    trend = daily.dropna(subset=["trend"])
    if trend.empty:
        return ChartTitle(f"{label}: too few days for a {TREND_DAYS}-day trend", subtitle)
    top = trend.sort_values(["trend", "day"], ascending=[False, True]).iloc[0]
    low = trend.sort_values(["trend", "day"], ascending=[True, True]).iloc[0]
    ratio = float(top["trend"]) / float(low["trend"]) if float(low["trend"]) > 0 else None
    text = (f"{label}'s trend peaks around {fmt_day(top['day'])} at {_one_decimal(float(top['trend']))} runs a day"
            + (f", {times(ratio)} its low point" if ratio else ""))
    return ChartTitle(text, subtitle)


def weekly_title(weekly: pd.DataFrame, week: dict | None = None) -> ChartTitle:
    """Title of the weekly-cycle chart, from `daily_decomposition(...)["weekly"]` and the week claims
    (analyses.claims): the factor is read on each system's busiest weekday (the weekday with the most runs) and its
    quietest."""
    subtitle = (f"Runs on each day of the week ÷ the {TREND_DAYS}-day trend, per system; 1 = the trend. A weekday's "
                f"factor takes out the season, so it can differ a little from its share of runs.")
    if weekly.empty:
        return ChartTitle("Too few days to read a weekly cycle", subtitle)
    parts, weekday_peaks = [], True
    for system, hi, lo in _extremes(weekly, "weekday"):
        w = (week or {}).get(system)
        day = int(w["weekday"]) if w else int(hi["weekday"])
        on_day = weekly[(weekly["system"] == system) & (weekly["weekday"] == day)]
        factor = float(on_day["factor"].iloc[0]) if not on_day.empty else float(hi["factor"])
        weekday_peaks &= day <= 5
        busiest = said.busiest_weekday({"weekday": day})
        parts.append(f"{SYSTEM_LABELS[system]}, {busiest}, runs {times(factor)} its trend then and "
                     f"{times(float(lo['factor']))} on {weekday_name(int(lo['weekday']))}s")
    lead = "Weekdays carry the load" if weekday_peaks else "The week's rhythm"
    return ChartTitle(f"{lead}: " + "; ".join(parts), subtitle)


def day_of_month_title(day_of_month: pd.DataFrame, month_day: dict | None = None) -> ChartTitle:
    """Title of the monthly-cycle chart, from `daily_decomposition(...)["day_of_month"]` and the month-day claims
    (analyses.claims): the factor is read on each system's busiest day of the month."""
    subtitle = ("What is left after trend and weekly cycle — runs ÷ (trend × weekday factor) — averaged by day of "
                "the month; 1 = as trend and weekday predict.")
    if day_of_month.empty:
        return ChartTitle("Too few days to read a monthly cycle", subtitle)
    parts, late = [], True
    for system, hi, _ in _extremes(day_of_month, "day_of_month"):
        m = (month_day or {}).get(system)
        day = int(m["day"]) if m else int(hi["day_of_month"])
        on_day = day_of_month[(day_of_month["system"] == system) & (day_of_month["day_of_month"] == day)]
        factor = float(on_day["factor"].iloc[0]) if not on_day.empty else float(hi["factor"])
        late &= day >= DUE_DAYS_FROM
        parts.append(f"{SYSTEM_LABELS[system]}'s busiest day, the {ordinal(day)}, still runs {times(factor)} what "
                     f"trend and weekday predict")
    lead = "Within the month, runs crowd towards the due days" if late else "Within the month"
    return ChartTitle(f"{lead}: " + "; ".join(parts), subtitle)


def month_of_quarter_title(month_of_quarter: pd.DataFrame, quarter: dict | None = None) -> ChartTitle:
    """Title of the quarterly-cycle chart, from `daily_decomposition(...)["month_of_quarter"]` and the quarter claims
    (analyses.claims)."""
    subtitle = ("Average runs per day in the 1st, 2nd and 3rd month of a calendar quarter ÷ the average over all "
                "whole months, per system.")
    if month_of_quarter.empty:
        return ChartTitle("No whole month in this view to read a quarterly cycle", subtitle)
    parts, strong = [], False
    for system, hi, lo in _extremes(month_of_quarter, "month_of_quarter"):
        q = (quarter or {}).get(system) or {"month_of_quarter": int(hi["month_of_quarter"]),
                                            "factor": float(hi["factor"])}
        strong = strong or q["factor"] >= STRONG_FACTOR
        parts.append(f"for {SYSTEM_LABELS[system]} {said.quarter_phrase(q)}, the "
                     f"{said.MONTHS_OF_QUARTER[int(lo['month_of_quarter'])][0]} {times(float(lo['factor']))}")
    lead = "The quarter sets the season" if strong else "The quarter barely shows"
    return ChartTitle(f"{lead}: " + "; ".join(parts), subtitle)


# --- Capacity ---------------------------------------------------------------------------------------------------------

def load_title(load: dict) -> ChartTitle:
    """Title of the busiest-hour-per-day chart, from the load claims (analyses.claims)."""
    ratio = said.hour_by_compute_ratio(load)
    text = said.hour_by_compute(load)[:1].upper() + said.hour_by_compute(load)[1:] + (f" — {ratio}" if ratio else "")
    subtitle = ("Seconds of Full BAS runtime inside each day's busiest hour by compute-seconds (a run's seconds "
                "count in the hour they fall in; 3,600 compute-seconds = one run under way all hour long). Dashed: "
                "quarterly BAS due dates.")
    return ChartTitle(text, subtitle)


def concurrency_title(summary: dict, load: dict) -> ChartTitle:
    """Title of the peak-concurrency-per-day chart, from `full_bas_load(...)["summary"]` and the load claims."""
    text = (f"{said.peak_concurrency(load)[:1].upper()}{said.peak_concurrency(load)[1:]} "
            f"({load['peak_at']:%-d %b %Y %H:%M} Sydney time); in 99% of minutes no more than "
            f"{plural(round(summary['minute_p99']), 'run')}")
    subtitle = ("The most runs under way at the same instant each day; a run occupies [start, start + runtime).")
    return ChartTitle(text, subtitle)


def load_sentences(summary: dict, load: dict) -> list[str]:
    """Peak-to-median ratios and per-minute percentiles as sentences, from `full_bas_load(...)["summary"]` and the
    load claims."""
    lines = [
        f"**{fmt_int(summary['runs'])} Full BAS runs** averaging **{summary['mean_runtime_s']:.2f} s** each.",
        f"Per minute, the most runs under way at once is {_one_decimal(summary['minute_p50'])} at the median "
        f"minute, **{_one_decimal(summary['minute_p95'])} in 95% of minutes and {_one_decimal(summary['minute_p99'])} "
        f"in 99%** (over all {fmt_int(summary['minutes'])} minutes of the period; over minutes with a run under "
        f"way: {_one_decimal(summary['busy_minute_p95'])} and {_one_decimal(summary['busy_minute_p99'])}); "
        f"{said.peak_concurrency(load)}.",
    ]
    ratio = said.hour_by_compute_ratio(load)
    day = summary["peak_to_median_day"]
    lines.append(
        f"Peak-to-median: {said.hour_by_compute(load)}, against "
        f"{_one_decimal(round(summary['median_hour_compute_s'], 1))} in the median hour"
        + (f" (**{ratio}**)" if ratio else "")
        + f"; the busiest day had {plural(summary['peak_day_runs'], 'run')} against "
        f"{_one_decimal(summary['median_day_runs'])} on the median day" + (f" (**{times(day)}**)." if day else "."))
    return lines


def littles_law_sentence(summary: dict, busiest_hours: pd.DataFrame, load: dict) -> str:
    """Whether the sweep agrees with Little's law over the hours with the most runs starting."""
    if busiest_hours.empty or summary["little_max_error"] is None or not load.get("hour_by_runs"):
        return "No busy hour to check against Little's law."
    n = len(busiest_hours)
    top = busiest_hours.iloc[0]
    hours = "the hour" if n == 1 else f"the {fmt_int(n)} hours"
    peak = int(busiest_hours["peak_concurrency"].max())
    text = (f"**Check (Little's law, L = λ·W: runs under way on average = runs starting per second × seconds a run "
            f"takes).** In {hours} with the most runs starting, arrivals per second (λ) × "
            f"mean runtime in seconds (W) predicts the average number of runs under way (L); the sweep measures it "
            f"as compute-seconds ÷ 3,600. They agree within {summary['little_max_error']:.1%}. In "
            f"{said.hour_by_runs(load)}: λ = {top['arrivals_per_s']:.4f} runs a second, "
            f"W = {top['mean_runtime_s']:.2f} s, λ·W = {top['littles_l']:.3f}, measured {top['measured_l']:.3f} runs "
            f"under way on average. It differs from the busiest hour by compute-seconds because that one counts how "
            f"long the runs took, not how many started.")
    if peak >= 2 * float(busiest_hours["measured_l"].max()):
        text += (f" The peak concurrency in those hours ({plural(peak, 'run')}) is well above their average: "
                 f"bursts, not the average, size the capacity.")
    return text


def runtime_title(deciles: pd.DataFrame) -> ChartTitle:
    """Title of the runtime-by-load chart, from `runtime_by_load_decile`."""
    subtitle = ("Hours with at least one Full BAS run, ranked by runs starting in them and cut into ten equal groups; "
                "median (solid) and 95th-percentile (dashed) runtime of the runs in each group.")
    if len(deciles) < 2:
        return ChartTitle("Too few busy hours to see how runtime changes with load", subtitle)
    low, high = deciles.iloc[0], deciles.iloc[-1]
    change = float(high["runtime_median_s"]) / float(low["runtime_median_s"]) if low["runtime_median_s"] > 0 else None
    p95 = float(high["runtime_p95_s"]) / float(low["runtime_p95_s"]) if low["runtime_p95_s"] > 0 else None
    if change is None or p95 is None:
        return ChartTitle("Runtime by hourly load", subtitle)
    if change >= 1.1 or p95 >= 1.1:
        text = (f"Runtime degrades at peak: in the tenth of hours with the most runs starting the median run "
                f"takes {times(change)} and the 95th percentile {times(p95)} as long as in the quietest tenth")
    else:
        text = (f"Runtime holds up under load: in the tenth of hours with the most runs starting the median run "
                f"takes {times(change)} as long as in the quietest tenth")
    return ChartTitle(text, subtitle)


# --- Forecast and capacity statement ----------------------------------------------------------------------------------

def forecast_method(plan: dict) -> str:
    """The forecast's method in plain words, with its numbers."""
    return (f"**Forecast method: seasonal-naive.** The season is one BAS quarter ({plan['season_months']} months): "
            f"each month of the next quarter is forecast to repeat its peak concurrency from the same month of the "
            f"last quarter. The interval ({plan['level']:.0%}) comes from the spread of that rule's past errors: the "
            f"root mean square of ln(actual ÷ the value one season earlier) over "
            f"{plural(plan['errors'], 'past month')} is σ = {plan['sigma']:.2f} (sigma: the typical size of a miss), "
            f"so the interval is the forecast "
            f"× e^(±{plan['z']:.2f}σ). Capacity = the interval's upper end plus {plan['headroom']:.0%} "
            f"headroom, rounded up.")


def forecast_title(plan: dict) -> ChartTitle:
    """Title of the forecast chart, from `capacity_plan`."""
    text = (f"Next peak: {fmt_month(plan['peak_month'])}, forecast {_one_decimal(round(plan['forecast'], 1))} runs "
            f"at once ({plan['level']:.0%} interval {plan['lower']:.1f}–{plan['upper']:.1f}); provision "
            f"{plan['provision']}")
    subtitle = ("Solid: the most Full BAS runs under way at once in each whole month. Circles and bars: the "
                "seasonal-naive forecast for the next three months with its interval. Dashed: capacity to provision.")
    return ChartTitle(text, subtitle)


def capacity_phrase(plan: dict) -> str:
    """'provision for 7 concurrent Full BAS runs in the week before 27 Nov 2017'."""
    return f"provision for {plan['provision']} concurrent Full BAS runs {_due_week_phrase(plan)}"


def capacity_statement(plan: dict | None) -> str:
    """The capacity recommendation as one sentence, or why there is none."""
    if plan is None:
        return ("No capacity forecast: it needs at least five whole months of Full BAS runs with a runtime "
                "(a quarter to repeat and two past errors to size the interval).")
    due = f" ({plan['due_label']})" if plan.get("due_label") else ""
    forecast = _one_decimal(round(plan["forecast"], 1))
    return (f"Provision for **{plan['provision']} concurrent Full BAS runs {_due_week_phrase(plan)}**{due}: the "
            f"seasonal-naive forecast (each month repeats the same month one quarter earlier) for "
            f"{fmt_month(plan['peak_month'])} is {forecast} "
            f"at once (the peak of {fmt_month(plan['last_peak']['month'])}, one quarter earlier), "
            f"{plan['level']:.0%} interval {plan['lower']:.1f}–{plan['upper']:.1f}, plus {plan['headroom']:.0%} "
            f"headroom.")
