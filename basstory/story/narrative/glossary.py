"""The story's words in plain English: one dict of terms (GLOSSARY), shown as the cover's "Glossary" fold in the app
and in the export, and the plain names of raw values from the org table that a chart shows (`plain_value`).

Definitions are written from the methods' constants (basstory.analyses), never from a view's numbers, so the
glossary reads the same for every dataset and filter.
"""
from __future__ import annotations

import pandas as pd

from basstory.analyses.capacity import HEADROOM, INTERVAL_LEVEL, SEASON_MONTHS
from basstory.analyses.interaction import ADVISER_MIN_ORGS, BUSINESS_HOURS, REPEAT_MINUTES
from basstory.analyses.outage import STEP_MINUTES, WINDOW_DAYS, WINDOW_MINUTES

_HOURS = f"{BUSINESS_HOURS[0]:02d}:00–{BUSINESS_HOURS[1]:02d}:00"

#: Term -> what it means here, in reading order of the story. Markdown.
GLOSSARY: dict[str, str] = {
    "Active, paying organisations": "The story's scope: organisations whose status is active and that pay for "
                                    "Xero. Runs of any other organisation are left out and counted as such.",
    "Run": "One time a user opened a BAS report (Full BAS or Simple BAS) for an organisation.",
    "Users (or organisations) with a run": "Users or organisations that ran at least one report in the period a "
                                           "chart counts; the word *active* is kept for the scope above.",
    "Sydney time": "Every time and date is Sydney wall-clock time (daylight saving included) unless a page says "
                   "otherwise.",
    "Business hours": f"Monday to Friday, {_HOURS}.",
    "Median": "The middle value: half are below it, half above.",
    "Percentile": "The 95th percentile is the value 95% of cases stay at or under (the 99th: 99%): \"in 99% of "
                  "minutes no more than N runs at once\" gives the 99th percentile.",
    "Tenth of hours (decile)": "Hours ranked by how many runs start in them and cut into ten equal groups: the "
                               "first tenth is the quietest 10% of hours, the tenth the busiest 10%.",
    "Re-run and session": f"A re-run is the same report run again by the same user for the same organisation "
                          f"within {REPEAT_MINUTES} minutes; a session is a run and its re-runs.",
    "Adviser and owner": f"A user who ran reports for {ADVISER_MIN_ORGS} or more organisations is called an "
                         f"adviser (an accountant or bookkeeper, typically); everyone else an owner. The extracts "
                         f"do not record anyone's role.",
    "BAS due date": "When a Business Activity Statement must reach the ATO: the 21st of the next month for monthly "
                    "lodgers; for quarterly lodgers the 28th of the month after the quarter (28 Oct, 28 Feb, "
                    "28 Apr, 28 Jul) when they lodge themselves.",
    "Lodged through an agent (agent lodgment)": "Quarterly BAS sent by a registered tax or BAS agent, usually "
                                                "the organisation's accountant: due later, on 25 Nov, 28 Feb, "
                                                "26 May and 25 Aug. The story treats practice-managed quarterly "
                                                "organisations as lodging this way.",
    "Due week": "The seven days up to and including a BAS due date.",
    "Month of the quarter": "First (Jan, Apr, Jul, Oct), second (Feb, May, Aug, Nov) or third (Mar, Jun, Sep, "
                            "Dec) month of a calendar quarter.",
    "Concurrent runs (runs at once)": "Full BAS runs under way at the same instant: a run occupies the time from "
                                      "its start to its start plus its runtime. Capacity is sized in these.",
    "Compute-seconds": "Seconds of Full BAS runtime added up: 1,800 compute-seconds in one hour is, for "
                       "example, one run under way for half the hour or 1,800 runs of one second each; 3,600 in "
                       "an hour is one run under way all hour on average.",
    "Little's law": "A check on the load figures: the average number of runs under way equals the rate runs "
                    "start (per second) times how long a run takes (in seconds), written L = λ·W.",
    "Seasonal-naive forecast": f"A forecast that repeats the last season: each month of the next quarter is "
                               f"expected to peak as the same month of the last quarter ({SEASON_MONTHS} months "
                               f"earlier) did.",
    "Forecast interval and σ": f"The range the forecast is expected to fall in {INTERVAL_LEVEL:.0%} of the "
                               f"time, from how far the same rule missed in past months; σ (sigma) is the "
                               f"typical size of those misses.",
    "Headroom": f"Capacity added on top of the forecast interval's upper end ({HEADROOM:.0%}), for what the "
                f"forecast cannot see.",
    "Outage window": f"A {WINDOW_MINUTES // 60}-hour maintenance slot on the same day of every month (days "
                     f"{WINDOW_DAYS[0]}–{WINDOW_DAYS[-1]}, starting every {STEP_MINUTES} minutes, Sydney time). "
                     f"Its cost is the runs a month it would have interrupted, on average over the months "
                     f"measured.",
    "Extract": "The data the story reads: one file per system (Full BAS, Simple BAS) and the organisation table. "
               "The two systems' extracts cover different periods, so totals are compared only over the months "
               "both cover.",
    "Statement period (Simple BAS)": "The month or quarter a Simple BAS report is for, which can be months "
                                     "before the run.",
    "Pricing plan and plan family": "The Xero subscription an organisation pays for, with any add-ons "
                                    "(\"Premium 5 + Payroll\"); its plan family is the plan without the add-ons "
                                    "(\"Premium 5\").",
    "Sales tax period": "How often the organisation lodges its BAS: monthly, quarterly or annually.",
    "Channel type": "How the organisation came to Xero: through an accountant or bookkeeper, another partner, "
                    "or directly (the org table's INTERNALDIRECT, shown as *Direct (Xero)*).",
    "Practice-managed": "The organisation is looked after by an accounting or bookkeeping practice in Xero.",
}

#: Raw values of the org table shown in plain words (the raw value stays in the tooltip's data).
PLAIN_VALUES: dict[str, str] = {"INTERNALDIRECT": "Direct (Xero)"}


def plain_value(value: str) -> str:
    """A raw org-table value in plain words ('INTERNALDIRECT' -> 'Direct (Xero)'); any other value as it is."""
    return PLAIN_VALUES.get(value, value)


def plain_values(split: pd.DataFrame, column: str = "value") -> pd.DataFrame:
    """A copy of a frame with the raw org-table values of `column` in plain words (`plain_value`)."""
    return split.assign(**{column: split[column].map(plain_value)}) if column in split else split


def glossary_lines(terms: dict[str, str] | None = None) -> list[str]:
    """The glossary as Markdown lines: '**Term**: what it means.'"""
    return [f"**{term}**: {text}" for term, text in (terms or GLOSSARY).items()]
