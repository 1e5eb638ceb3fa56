"""The spikes and drops chapter's sentences. Numbers in, sentences out; every number comes from
basstory.analyses.spikes, and the method's text from its constants."""
from __future__ import annotations

import pandas as pd

from basstory.analyses.spikes import (
    CAUSE_DAYS_BEFORE,
    MIN_SHARE,
    PHASE_DAYS,
    POLISH_ROUNDS,
    THRESHOLD,
    TREND_DAYS,
)
from basstory.core.schema import SYSTEM_LABELS
from basstory.core.text import fmt_day, fmt_int, plural
from basstory.story.narrative.common import ChartTitle

MEASURE_WORDS = {"runs": "runs", "compute_s": "compute"}


def _size(row: dict) -> str:
    unit = "compute-seconds" if row["measure"] == "compute_s" else "runs"
    return f"{fmt_int(row['value'])} {unit} against {fmt_int(row['expected'])} expected"


def spikes_finding(summary: dict) -> str:
    """The chapter's finding: how many days departed from the calendar's pattern, what explains them, the biggest."""
    if not summary["series"]:
        return "Too few days in this view to tell a spike from the calendar's pattern (four weeks at least)."
    if not summary["flagged_days"]:
        return ("No day departed from what the weekday and due-date pattern predicts by the threshold "
                f"(robust z beyond ±{THRESHOLD:g}).")
    explained = summary["flagged_days"] - summary["unexplained"]
    text = (f"{plural(summary['flagged_days'], 'day')} departed from what the weekday and due-date pattern "
            f"predicts ({fmt_int(summary['spike_days'])} with spikes, {fmt_int(summary['drop_days'])} with drops); "
            f"{fmt_int(explained)} of them fall on a cause found in the data (a due date, a holiday, a gap)")
    drop, spike = summary["biggest_drop"], summary["biggest_spike"]
    if drop is not None:
        text += (f". The deepest drop: {SYSTEM_LABELS[drop['system']]} on {fmt_day(drop['day'])}, "
                 f"{_size(drop)}: {drop['cause']}")
    if spike is not None:
        text += (f"; the biggest spike: {SYSTEM_LABELS[spike['system']]} on {fmt_day(spike['day'])}, "
                 f"{_size(spike)}: {spike['cause']}")
    return text + "."


def series_title(system: str, measure: str, flagged: pd.DataFrame, info: dict) -> ChartTitle:
    """Title of one series' chart: how many of its days were flagged and the largest."""
    what = f"{SYSTEM_LABELS[system]} {MEASURE_WORDS[measure]}"
    if flagged.empty:
        text = f"{what}: every one of {plural(info['days'], 'day')} within the pattern"
    else:
        top = flagged.iloc[0]
        text = (f"{what}: {plural(info['spikes'], 'spike')} and {plural(info['drops'], 'drop')} in "
                f"{plural(info['days'], 'day')}; the largest on {fmt_day(top['day'])}: {top['cause']}")
    unit = "runtime-seconds of the runs starting that day" if measure == "compute_s" else "runs"
    subtitle = (f"Per Sydney day: {unit} (line), what the trend, weekday and due-date pattern expects (grey), days "
                f"flagged beyond a robust z of ±{THRESHOLD:g} (triangles); dashed: quarterly due dates.")
    return ChartTitle(text, subtitle)


def method_text() -> str:
    """The method, from the analysis's constants."""
    return (f"**How a day is judged.** Each series is taken on the log scale, ln(1 + value), and split into a trend "
            f"(the centred rolling median over {TREND_DAYS} days, skipping public holidays and the Christmas–New "
            f"Year break), a weekday effect and a due-date effect (fitted by median polish, {POLISH_ROUNDS} rounds: "
            f"the median of what is left per weekday, then per due-date phase — 0 to {PHASE_DAYS} days before the "
            f"next agent, self-lodged quarterly or monthly due date, or one or two days after a quarterly one), and a "
            f"residual. Residuals are scaled robustly: z = (residual − its median) ÷ (1.4826 × its median absolute "
            f"deviation), so a handful of wild days cannot hide themselves by inflating the scale. A day is a "
            f"**spike** at z ≥ {THRESHOLD:g} and a **drop** at z ≤ −{THRESHOLD:g} (the usual cut-off for a robust "
            f"z-score) when it also differs from what was expected by at least {MIN_SHARE:.0%} of the series' "
            f"median day. **Causes** are looked up in the data and the calendar: no runs at all, the first or last "
            f"day of the extract, a BAS due date on the day or up to {CAUSE_DAYS_BEFORE} days later, the day after "
            f"one, a daylight-saving night, a national public holiday, the Christmas–New Year break.")


def hours_method_text() -> str:
    return ("**How an hour is judged.** Against its own day: expected runs = the day's runs × the share of a day's "
            "runs that hour of the day takes on days of its kind (working days, or weekends and public holidays). "
            "The difference is taken on the square-root scale (Anscombe: 2(√(runs + 3/8) − √(expected + 3/8))), "
            f"scaled robustly as for days, and flagged beyond ±{THRESHOLD:g}: a burst, or a stretch of a busy day "
            "with no runs (a gap in the extract, an outage).")


def hours_sentence(summary: dict) -> str:
    if not summary["hours"]:
        return f"No hour departed from its day's usual shape beyond a robust z of ±{THRESHOLD:g}."
    verb = "departed from its day's" if summary["hours"] == 1 else "departed from their day's"
    return (f"{plural(summary['hours'], 'hour')} {verb} usual shape "
            f"({fmt_int(summary['hour_spikes'])} bursts, {fmt_int(summary['hour_drops'])} lulls).")


def causes_sentence(summary: dict) -> str:
    """'Flagged days by likely cause: the Christmas–New Year break 21, a public holiday 17, ...'"""
    if not summary["causes"]:
        return ""
    parts = ", ".join(f"{kind} {fmt_int(n)}" for kind, n in summary["causes"].items())
    return f"**Flagged days by likely cause** (each under the first that applies): {parts}."


def hour_day_title(row: dict) -> ChartTitle:
    """Title of the chart of the most unusual hour's day."""
    hour = pd.Timestamp(row["hour"])
    what = "burst" if row["kind"] == "spike" else "lull"
    text = (f"The most unusual hour, a {what}: {SYSTEM_LABELS[row['system']]} on {fmt_day(hour)} at "
            f"{hour:%H}:00, {fmt_int(row['runs'])} runs against {row['expected']:.0f} expected")
    subtitle = ("Runs per Sydney clock hour that day (line) and what the day's runs, shared as that kind of day "
                "usually shares them, expect (grey); triangles: hours flagged.")
    return ChartTitle(text, subtitle)
