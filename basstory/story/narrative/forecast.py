"""The daily and hourly forecast chapter's sentences. Numbers in, sentences out; every number comes from
basstory.analyses.forecast (and the capacity plan it carries down)."""
from __future__ import annotations

import pandas as pd

from basstory.analyses.forecast import HOUR_SPREAD_MIN_RUNS
from basstory.core.text import fmt_day, fmt_int
from basstory.story.narrative.common import ChartTitle

NO_FORECAST = ("No daily and hourly forecast: it carries down the capacity chapter's monthly forecast, which needs "
               "at least five whole months of Full BAS runs with a runtime, and four weeks of days to fit the day "
               "pattern.")


def _range(low: float, high: float) -> str:
    return f"{fmt_int(low)}–{fmt_int(high)}"


def quarter_phrase(first_month: str, last_month: str) -> str:
    """'October–December 2017' ('November 2017–January 2018' across a year)."""
    a, b = pd.Timestamp(first_month + "-01"), pd.Timestamp(last_month + "-01")
    return f"{a:%B}–{b:%B %Y}" if a.year == b.year else f"{a:%B %Y}–{b:%B %Y}"


def _hour(hour: pd.Timestamp) -> str:
    return f"{fmt_day(hour)} {hour:%H}:00–{(hour + pd.Timedelta(hours=1)):%H}:00"


def forecast_finding(s: dict) -> str:
    """The chapter's finding: the busiest day and hour of the next quarter, with intervals."""
    day, hour = s["peak_day"], s["peak_hour"]
    level = f"{s['level']:.0%}"
    return (f"The busiest Full BAS day of {quarter_phrase(s['first_month'], s['last_month'])} should be "
            f"{day['day']:%A} {fmt_day(day['day'])}: about {fmt_int(day['runs'])} runs ({level} interval "
            f"{_range(day['lower'], day['upper'])}); its busiest forecast hour, {hour['hour']:%H}:00–"
            f"{(hour['hour'] + pd.Timedelta(hours=1)):%H}:00 Sydney time, about {fmt_int(hour['runs'])} runs with "
            f"up to {hour['peak_concurrency']} under way at once (interval {hour['peak_lower']}–"
            f"{hour['peak_upper']}). Plan the week of {fmt_day(s['busiest_week']['monday'])} "
            f"({fmt_int(s['busiest_week']['runs'])} runs forecast).")


def daily_title(s: dict) -> ChartTitle:
    text = (f"{fmt_int(s['runs'])} Full BAS runs forecast for {quarter_phrase(s['first_month'], s['last_month'])} "
            f"({s['level']:.0%} interval {_range(s['runs_lower'], s['runs_upper'])}), "
            f"peaking on {fmt_day(s['peak_day']['day'])}")
    subtitle = ("Runs per Sydney day: the last quarter as it was (solid), the next quarter forecast (dashed) with its "
                "interval (band); dashed rules: quarterly due dates.")
    return ChartTitle(text, subtitle)


def hourly_title(s: dict, first: pd.Timestamp, last: pd.Timestamp) -> ChartTitle:
    hour = s["peak_hour"]
    text = (f"The busiest forecast hour, {_hour(hour['hour'])}: about {fmt_int(hour['runs'])} runs starting "
            f"(interval {_range(hour['lower'], hour['upper'])})")
    subtitle = (f"Full BAS runs forecast per Sydney clock hour, {fmt_day(first)} to {fmt_day(last)} (the week "
                f"around the busiest day); band: the interval.")
    return ChartTitle(text, subtitle)


def concurrency_title(s: dict, first: pd.Timestamp, last: pd.Timestamp) -> ChartTitle:
    hour, monthly = s["peak_hour"], s["monthly_peak"]
    text = (f"Up to {hour['peak_concurrency']} Full BAS runs at once in the busiest hours (interval "
            f"{hour['peak_lower']}–{hour['peak_upper']}); the capacity chapter provisions {monthly['provision']}")
    subtitle = (f"The most runs under way at once in each Sydney clock hour, {fmt_day(first)} to {fmt_day(last)}: "
                f"Little's law and a Poisson peak from the runs forecast (method below).")
    return ChartTitle(text, subtitle)


def method_text(fc: dict) -> str:
    """The method, with the fitted spreads."""
    z, level = fc["z"], fc["level"]
    bias = fc["peak_bias"]
    bias_text = (f", plus {bias} in hours as busy as the history's busiest (the rule's median shortfall on those "
                 f"hours: re-runs arrive in bursts, which a Poisson count does not)" if bias else "")
    return (f"**Method.** (1) *Months*: the capacity chapter's seasonal-naive forecast (each month repeats the same "
            f"month one BAS quarter earlier), its {level:.0%} interval from the spread of the method's own past "
            f"errors, σ_m = {fc['sigma_month']:.2f} on the log scale. (2) *Days*: a month's runs are shared among its "
            f"days by weight = e^(weekday effect + due-date effect), the effects the spikes chapter fits to the "
            f"history (days before the next agent, self-lodged or monthly due date), times the holiday effect on "
            f"public holidays and the Christmas–New Year break; the day model's own spread is σ_d = "
            f"{fc['sigma_day']:.2f}, so a day's interval is the forecast × e^(±{z:.2f}·√(σ_m² + σ_d²)). (3) *Hours*: "
            f"a day's runs are shared among its hours by the share each hour takes on days of its kind (working "
            f"days, or weekends and holidays), with a third spread σ_h = {fc['sigma_hour']:.2f} (hours that held "
            f"{HOUR_SPREAD_MIN_RUNS} runs or more). (4) *Runs at once*: by Little's law an hour's mean is L = runs × "
            f"{fc['mean_runtime_s']:.2f} s (the mean runtime) ÷ 3,600; the peak in the hour is the level a Poisson "
            f"count of mean L exceeds in only one of the hour's 3,600 ÷ {fc['mean_runtime_s']:.2f} looks"
            f"{bias_text}.")


def check_sentence(s: dict) -> str:
    c = s["check"]
    if not c["hours"]:
        return ""
    return (f"Checked on the history's {c['hours']} busiest hours, the peak rule (with its correction) gives the "
            f"measured peak exactly in {c['exact_corrected']} and within one run in {c['within_one_corrected']}.")


def backtest_sentence(b: dict) -> str:
    """How the method would have done on the last quarter of whole months, honestly."""
    months = "; ".join(f"{pd.Timestamp(m):%B} {e:+.0%}" for m, e in zip(b["months"]["month_start"],
                                                                      b["months"]["error"], strict=True))
    level = f"{b['level']:.0%}"
    verdict = ("about as often as it should" if abs(b["within"] - b["level"]) <= 0.1 else
               "less often than it claims: read the intervals as too narrow" if b["within"] < b["level"] else
               "more often than it claims: read the intervals as wide")
    return (f"**Tested on the last quarter.** Forecast from the months before it only, the monthly totals missed by "
            f"{months} (forecast ÷ actual − 1). Shared among the days (with the day pattern fitted to the whole "
            f"history, so this part is in-sample), a working day's forecast was off by {b['day_error']:.0%} in the "
            f"median, and {b['within']:.0%} of the {b['days_judged']} days fell inside their {level} interval: "
            f"{verdict}.")


def backtest_title(b: dict) -> ChartTitle:
    text = (f"Last quarter as a test: a working day off by {b['day_error']:.0%} in the median; "
            f"{b['within']:.0%} of days inside the {b['level']:.0%} interval")
    subtitle = ("Full BAS runs per Sydney day over the last quarter of whole months: as they came (solid) and as the "
                "method would have forecast them from the months before (dashed, with its interval).")
    return ChartTitle(text, subtitle)
