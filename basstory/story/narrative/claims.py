"""The key claims (basstory.analyses.claims) as the phrases every chapter writes them in.

A claim is written in one form wherever it appears, so a reader (and tests/test_claims_agree.py) can tell one claim
from another: "busiest on Fridays" (the weekday with the most runs), "the busiest hour of the day is 10:00–11:00"
(the hour of the day with the most runs), "the busiest day of the month is the 21st (1.9× the median day of the
month)", "the second month of each quarter (Feb, May, Aug, Nov) runs 1.37× an average month", "the busiest hour by
compute-seconds" (which sizes capacity) and "the busiest hour by runs starting" (which Little's law checks), "at
most 4 Full BAS runs ran at once", "the costliest window, day 21, 10:00–12:00, 230 runs a month", "over the 12
months both extracts cover (…), Full BAS carries 88% of the runs (235,656 of 267,622)".
"""
from __future__ import annotations

from datetime import date

import pandas as pd

from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, fmt_month, hour_range, ordinal, pct, plural, weekday_name

MONTHS_OF_QUARTER = {1: ("first", "Jan, Apr, Jul, Oct"), 2: ("second", "Feb, May, Aug, Nov"),
                     3: ("third", "Mar, Jun, Sep, Dec")}
#: What each quarterly cadence is called in a sentence.
QUARTERLY_NAMES = {"quarterly": "self-lodged quarterly BAS", "quarterly_agent": "quarterly BAS lodged through an agent"}


def times(x: float) -> str:
    """1.234 -> '1.23×'; 12.5 -> '12×'."""
    return f"{x:.0f}×" if x >= 10 else f"{x:.1f}×" if x >= 2 else f"{x:.2f}×"


def subject(system: str) -> str:
    """'Full BAS', 'Simple BAS', or 'BAS runs' for both systems together."""
    return SYSTEM_LABELS.get(system, "BAS runs")


def busiest_weekday(week: dict) -> str:
    """'busiest on Fridays' (the weekday with the most runs)."""
    return f"busiest on {weekday_name(week['weekday'])}s"


def busiest_hour_of_day(week: dict) -> str:
    """'the busiest hour of the day is 10:00–11:00' (the hour of the day with the most runs, any weekday)."""
    return f"the busiest hour of the day is {hour_range(week['hour'])}"


def busiest_day_of_month(month_day: dict) -> str:
    """'the busiest day of the month is the 21st (1.9× the median day of the month)'."""
    ratio = (f" ({month_day['ratio']:.1f}× the median day of the month)" if month_day["median_runs_per_day"]
             else "")
    return f"the busiest day of the month is the {ordinal(month_day['day'])}{ratio}"


def quarterly_due_months(reference_year: int = 2017) -> dict[str, list[str]]:
    """The calendar's quarterly due dates by cadence over one financial year, as '28 Oct' ('quarterly' and
    'quarterly_agent')."""
    due = bas_due_dates(date(reference_year, 7, 1), date(reference_year + 1, 9, 30))
    due = due[due["period_end"].between(date(reference_year, 7, 1), date(reference_year + 1, 6, 30))]
    return {c: [f"{d.day} {d:%b}" for d in rows["nominal_date"]] for c, rows in due.groupby("cadence")
            if c in QUARTERLY_NAMES}


def month_of_quarter_due(month_of_quarter: int) -> str:
    """Which quarterly BAS falls due in that month of each quarter, from the calendar: for the second month
    'when quarterly BAS lodged through an agent falls due (25 Nov, 28 Feb, 26 May, 25 Aug); self-lodged quarterly BAS
    is due 28 Oct, 28 Feb, 28 Apr, 28 Jul'; '' when no cadence's dates all fall in it."""
    dates = quarterly_due_months()
    month_index = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                               "Nov", "Dec"))}
    here = [c for c, ds in dates.items()
            if all(month_index[d.split()[1]] % 3 + 1 == month_of_quarter for d in ds)]
    if not here:
        return ""
    others = [c for c in dates if c not in here]
    text = f"when {QUARTERLY_NAMES[here[0]]} falls due ({', '.join(dates[here[0]])})"
    if others:
        text += f"; {QUARTERLY_NAMES[others[0]]} is due {', '.join(dates[others[0]])}"
    return text


def quarter_phrase(quarter: dict) -> str:
    """'the second month of each quarter (Feb, May, Aug, Nov) runs 1.37× an average month'."""
    name, months = MONTHS_OF_QUARTER[quarter["month_of_quarter"]]
    return f"the {name} month of each quarter ({months}) runs {times(quarter['factor'])} an average month"


def hour_by_compute(load: dict) -> str:
    """'the busiest hour by compute-seconds, 23 Feb 2017 14:00 Sydney time, held 726 compute-seconds of Full BAS
    runtime'."""
    h = load["hour_by_compute"]
    return (f"the busiest hour by compute-seconds, {h['at']:%-d %b %Y %H:00} Sydney time, held "
            f"{fmt_int(h['compute_s'])} compute-seconds of Full BAS runtime")


def hour_by_compute_ratio(load: dict) -> str:
    """'79× the median hour' (compute-seconds), or '' when the median hour is idle."""
    ratio = load["hour_by_compute"]["ratio"]
    return f"{times(ratio)} the median hour" if ratio else ""


def hour_by_runs(load: dict) -> str:
    """'the busiest hour by runs starting, 21 Aug 2017 11:00 Sydney time (229 runs)'."""
    h = load["hour_by_runs"]
    return f"the busiest hour by runs starting, {h['at']:%-d %b %Y %H:00} Sydney time ({plural(h['runs'], 'run')})"


def peak_concurrency(load: dict) -> str:
    """'at most 4 Full BAS runs ran at once'."""
    return f"at most {plural(load['peak_concurrency'], 'Full BAS run')} ran at once"


def window_label(w: dict) -> str:
    """'day 21, 10:00–12:00'."""
    return f"day {w['day']}, {w['start']}–{w['end']}"


def costliest_window(windows: dict, number) -> str:
    """'the costliest window, day 21, 10:00–12:00, 230 runs a month' (`number` formats an expected count)."""
    w = windows["costliest"]
    return f"the costliest window, {window_label(w)}, {number(w['runs_mean'])} runs a month"


def hour_at(ts: pd.Timestamp) -> str:
    return f"{ts:%-d %b %Y %H:00}"


def months_phrase(common: dict) -> str:
    """'the 12 months both extracts cover (October 2016 to September 2017)'."""
    span = (fmt_month(common["first"]) if common["first"] == common["last"]
            else f"{fmt_month(common['first'])} to {fmt_month(common['last'])}")
    return f"the {plural(common['months'], 'month')} both extracts cover ({span})"


def share_sentence(common: dict | None) -> str | None:
    """'Over the 12 months both extracts cover (October 2016 to September 2017), Full BAS carries 88% of the runs
    (235,656 of 267,622)'; None without a month both cover."""
    if not common:
        return None
    total = sum(common["runs"].values())
    if not total:
        return None
    lead = max(SYSTEMS, key=lambda s: (common["runs"][s], s == "full"))
    return (f"Over {months_phrase(common)}, {SYSTEM_LABELS[lead]} carries {pct(common['runs'][lead], total)} of the "
            f"runs ({fmt_int(common['runs'][lead])} of {fmt_int(total)})")
