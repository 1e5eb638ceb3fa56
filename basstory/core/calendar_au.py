"""The Australian BAS calendar: national public holidays, business days and BAS due dates.

The rules are the ones docs/bas-calendar.md states (from the ATO's due-date pages and its BAS agent lodgment program):

- monthly BAS: the 21st of the month after the period;
- quarterly BAS: the 28th of the month after the quarter, except Q2 (Oct–Dec), which is due 28 Feb;
- quarterly BAS lodged through a registered agent: Q1 25 Nov, Q2 28 Feb (no extension), Q3 26 May, Q4 25 Aug;
- a due date on a weekend or national public holiday moves to the next business day.

Quarters are numbered in the Australian financial year (Q1 = Jul–Sep, Q2 = Oct–Dec, Q3 = Jan–Mar, Q4 = Apr–Jun).
Simplifications, on purpose: only national holidays count (state holidays such as the King's Birthday or Labour Day
differ by state), holidays keep their fixed dates (no "observed" Monday substitutes), and the December monthly BAS is
due 21 January (the ATO's 21 February concession for some agent clients is ignored).
"""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

#: Cadences of `bas_due_dates`, in the order rows are listed on the same due date.
CADENCES: tuple[str, ...] = ("monthly", "quarterly", "quarterly_agent")

MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Quarter-end month -> (financial-year quarter number, self-lodged due (month offset, day), agent due (offset, day)).
# The offset counts months after the quarter-end month; Q2 gets two months because of the summer holidays.
_QUARTER_RULES: dict[int, tuple[int, tuple[int, int], tuple[int, int]]] = {
    9: (1, (1, 28), (2, 25)),    # Jul–Sep: 28 Oct, agent 25 Nov
    12: (2, (2, 28), (2, 28)),   # Oct–Dec: 28 Feb, agent 28 Feb
    3: (3, (1, 28), (2, 26)),    # Jan–Mar: 28 Apr, agent 26 May
    6: (4, (1, 28), (2, 25)),    # Apr–Jun: 28 Jul, agent 25 Aug
}


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def national_public_holidays(year: int) -> dict[date, str]:
    """Australia's national public holidays of a year, date -> name.

    Fixed dates only: New Year's Day, Australia Day, Good Friday, Easter Monday, Anzac Day, Christmas Day and Boxing
    Day. When one falls on a weekend, the Monday substitute some states observe is not added.
    """
    easter = easter_sunday(year)
    return {
        date(year, 1, 1): "New Year's Day",
        date(year, 1, 26): "Australia Day",
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
        date(year, 4, 25): "Anzac Day",
        date(year, 12, 25): "Christmas Day",
        date(year, 12, 26): "Boxing Day",
    }


def is_business_day(d: date) -> bool:
    """True on Monday–Friday unless the day is a national public holiday (see `national_public_holidays`)."""
    return d.weekday() < 5 and d not in national_public_holidays(d.year)


def next_business_day(d: date) -> date:
    """`d` itself if it is a business day, else the first business day after it.

    Skips weekends and Australia's national public holidays (New Year's Day, Australia Day, Good Friday, Easter Monday,
    Anzac Day, Christmas Day, Boxing Day) on their fixed dates; 'observed' substitute days are not holidays here.
    """
    while not is_business_day(d):
        d += timedelta(days=1)
    return d


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> date:
    next_year, next_month = _add_months(year, month, 1)
    return date(next_year, next_month, 1) - timedelta(days=1)


def bas_due_dates(start: date, end: date) -> pd.DataFrame:
    """The BAS due dates that fall in [start, end] (both inclusive, judged on the moved `due_date`).

    Grain: one row per (cadence, period lodged). Columns:
    - due_date (date): the day the BAS is due, moved to the next business day when needed;
    - nominal_date (date): the rule's date before moving (21st, 28th, 25 Nov, 26 May, ...);
    - cadence (str): 'monthly' | 'quarterly' (self-lodged) | 'quarterly_agent' (lodged through an agent);
    - period_end (date): the last day of the month or quarter being lodged;
    - label (str): a short name for charts, e.g. "Monthly 21st", "Q1 28 Oct", "Q3 agent 26 May".
    Rows are sorted by due_date, then cadence in `CADENCES` order. Q2 appears twice (quarterly and quarterly_agent),
    both due 28 Feb.
    """
    columns = ["due_date", "nominal_date", "cadence", "period_end", "label"]
    rows: list[dict[str, object]] = []
    # A period ends at most three months before its due date, and a due date moves forward by at most a few days.
    year, month = _add_months(start.year, start.month, -4)
    while date(year, month, 1) <= end:
        period_end = _month_end(year, month)
        due_year, due_month = _add_months(year, month, 1)
        nominal = date(due_year, due_month, 21)
        rows.append({"nominal_date": nominal, "cadence": "monthly", "period_end": period_end,
                     "label": "Monthly 21st"})
        if month in _QUARTER_RULES:
            quarter, (self_offset, self_day), (agent_offset, agent_day) = _QUARTER_RULES[month]
            self_year, self_month = _add_months(year, month, self_offset)
            agent_year, agent_month = _add_months(year, month, agent_offset)
            self_nominal = date(self_year, self_month, self_day)
            agent_nominal = date(agent_year, agent_month, agent_day)
            rows.append({"nominal_date": self_nominal, "cadence": "quarterly", "period_end": period_end,
                         "label": f"Q{quarter} {self_day} {MONTH_ABBREVIATIONS[self_month - 1]}"})
            rows.append({"nominal_date": agent_nominal, "cadence": "quarterly_agent", "period_end": period_end,
                         "label": f"Q{quarter} agent {agent_day} {MONTH_ABBREVIATIONS[agent_month - 1]}"})
        year, month = _add_months(year, month, 1)
    for row in rows:
        row["due_date"] = next_business_day(row["nominal_date"])  # type: ignore[arg-type]
    due = [r for r in rows if start <= r["due_date"] <= end]  # type: ignore[operator]
    due.sort(key=lambda r: (r["due_date"], CADENCES.index(r["cadence"])))  # type: ignore[arg-type]
    return pd.DataFrame(due, columns=columns)
