"""The brief's four questions in one sentence each (story.narrative.summary) and the glossary
(story.narrative.glossary): exact text for hand-made numbers, and what is said when a view cannot answer."""
from __future__ import annotations

import pandas as pd
import pytest

from basstory.story.narrative import glossary as g
from basstory.story.narrative import summary as s

WEEK = {"all": {"weekday": 2, "hour": 14, "business_hours_share": 0.5}}
MONTH_DAY = {"simple": {"day": 28, "ratio": 3.0, "median_runs_per_day": 2.0}}
DUE = {"all": {"final_week_share": 0.25}}
SHARE = {"first": "2017-01", "last": "2017-03", "months": 3, "runs": {"full": 30, "simple": 10},
         "share": {"full": 0.75, "simple": 0.25}}
QUARTER = {"full": {"month_of_quarter": 3, "factor": 1.5}, "simple": None}
BUSIEST = {"month": "2017-03", "runs": 12}
WINDOWS = {"full": {"day": 3, "start": "01:00", "end": "03:00", "runs_per_occurrence": 0.25}, "simple": None}
FACTS = {"orgs_both": 2, "outage_window": WINDOWS, "users_either": 8, "users_multi_org": 2,
         "plans": [{"plan": "Premium 5", "orgs": 1}]}
CLAIMS = {"week": WEEK, "month_day": MONTH_DAY, "share": SHARE, "quarter": QUARTER, "month": {"all": BUSIEST}}


def test_when_sentence():
    assert s.when_sentence(WEEK, MONTH_DAY, DUE, "Australia/Perth") == (
        "50% of BAS runs happen in weekday business hours (08:00–18:00 Perth time); they are busiest on Tuesdays, "
        "and the busiest hour of the day is 14:00–15:00; for Simple BAS the busiest day of the month is the 28th "
        "(3.0× the median day of the month); 25% of runs by monthly and quarterly lodgers come in the last week "
        "before a BAS due date.")
    assert s.when_sentence({}, {}, {}, "UTC") is None
    assert s.when_sentence(WEEK, {}, {}, "UTC").endswith("the busiest hour of the day is 14:00–15:00.")


@pytest.mark.parametrize("common, runs, text", [
    (SHARE, {"full": 40, "simple": 10},
     "Over the 3 months both extracts cover (January 2017 to March 2017), Full BAS carries 75% of the runs (30 of "
     "40); 2 organisations used both reports."),
    (None, {"full": 40, "simple": 10},
     "The two extracts share no whole month, so their runs are not compared like for like; 2 organisations used "
     "both reports."),
    (SHARE, {"full": 0, "simple": 10}, "Only Simple BAS is in view, so the two systems are not compared."),
])
def test_compare_sentence(common, runs, text):
    assert s.compare_sentence(common, runs, 2) == text


def test_season_sentence():
    assert s.season_sentence(QUARTER, BUSIEST) == (
        "Full BAS load follows the BAS quarter: the third month of each quarter (Mar, Jun, Sep, Dec) runs 1.50× an "
        "average month; the busiest month was March 2017 with 12 runs; size compute for those months and the week "
        "before each due date (the chapter *Seasonality and capacity* gives the concurrent runs to provision).")
    flat = {"full": {"month_of_quarter": 2, "factor": 1.0}}
    assert s.season_sentence(flat, BUSIEST, "provision for 3 concurrent Full BAS runs in March 2017") == (
        "the busiest month was March 2017 with 12 runs; provision for 3 concurrent Full BAS runs in March 2017.")
    assert s.season_sentence({}, None) is None


def test_window_sentence():
    assert s.window_sentence(WINDOWS) == ("Schedule the outage for Full BAS on day 3, 01:00–03:00 Sydney time "
                                          "(0.25 runs a month on average).")
    assert s.window_sentence({"full": None, "simple": None}) is None


def test_executive_summary_has_one_line_per_question():
    lines = s.executive_summary(CLAIMS, DUE, FACTS, {"full": 40, "simple": 10}, "Australia/Sydney")
    assert [line.split(".** ")[0] + ".**" for line in lines] == [f"**{q}.**" for q in s.QUESTIONS.values()]
    assert lines[3] == ("**The two-hour outage window.** Schedule the outage for Full BAS on day 3, 01:00–03:00 "
                        "Sydney time (0.25 runs a month on average).")
    empty = s.executive_summary({"week": {}, "month_day": {}, "share": None, "quarter": {}, "month": {"all": None}},
                                {}, {**FACTS, "outage_window": {}}, {"full": 4, "simple": 0}, "UTC")
    assert empty == ["**How and when users run the reports.** No runs in this view.",
                     "**How the two systems compare.** Only Full BAS is in view, so the two systems are not "
                     "compared.",
                     "**The seasonality that should drive compute capacity.** Too few runs in this view to read a "
                     "season.",
                     "**The two-hour outage window.** No system has a whole window occurrence in this period, so no "
                     "window is recommended."]


def test_who_sentence():
    assert s.who_sentence(FACTS) == ("**8 users** ran a report; 2 (25%) ran reports for more than one "
                                     "organisation; the most common plan among organisations using BAS is "
                                     "**Premium 5** (1 organisation).")
    assert s.who_sentence({"users_either": 0}) is None
    assert s.who_sentence({**FACTS, "plans": [{"plan": "**x**", "orgs": 2}]}).endswith(
        "is **\\*\\*x\\*\\*** (2 organisations).")          # a plan's name shows as typed


def test_glossary_explains_the_jargon_and_is_written_from_the_constants(monkeypatch):
    terms = " ".join(g.GLOSSARY).lower()
    for jargon in ("seasonal-naive", "σ", "little's law", "decile", "percentile", "compute-seconds",
                   "agent lodgment", "active, paying", "sales tax period", "channel type"):
        assert jargon in terms, jargon
    assert "INTERNALDIRECT" in g.GLOSSARY["Channel type"]
    lines = g.glossary_lines()
    assert len(lines) == len(g.GLOSSARY) and lines[0].startswith("**Active, paying organisations**: ")
    assert g.glossary_lines({"Run": "One report run."}) == ["**Run**: One report run."]
    assert "within 30 minutes" in g.GLOSSARY["Re-run and session"]


def test_plain_values():
    split = pd.DataFrame({"value": ["Accountant", "INTERNALDIRECT"], "orgs": [3, 1]})
    assert g.plain_values(split)["value"].tolist() == ["Accountant", "Direct (Xero)"]
    assert split["value"].tolist() == ["Accountant", "INTERNALDIRECT"]          # a copy
    assert g.plain_value("Bookkeeper") == "Bookkeeper"
