"""Chapter 2's sentences: exact text for given numbers, including nothing at all and one system missing."""
from datetime import date

import pytest

from basstory.story.narrative import comparison as n

TOTALS = {"full": {"runs": 5, "users": 4, "orgs": 3}, "simple": {"runs": 3, "users": 3, "orgs": 3},
          "all": {"runs": 8, "users": 5, "orgs": 4}}
USAGE = {"orgs": {"full_only": {"count": 1, "share": 0.25}, "simple_only": {"count": 1, "share": 0.25},
                  "both": {"count": 2, "share": 0.5}},
         "users": {"full_only": {"count": 2, "share": 0.4}, "simple_only": {"count": 1, "share": 0.2},
                   "both": {"count": 2, "share": 0.4}}}
NO_USAGE = {e: {u: {"count": 0, "share": 0.0} for u in ("full_only", "simple_only", "both")} for e in ("orgs", "users")}
ACTIVITY = {"full": {"peak_period": date(2017, 2, 1), "peak": 29282, "mean": 19526.4, "periods": 13},
            "simple": {"peak_period": date(2017, 10, 1), "peak": 4681, "mean": 2518.0, "periods": 31}}
REPEATS = {"full": {"runs": 8, "repeats": 4}, "simple": {"runs": 1, "repeats": 0}}
PER_ENTITY = {"full": {"user": {"count": 4, "median": 1, "p90": 2, "mean": 1.25},
                       "org": {"count": 3, "median": 1, "p90": 3, "mean": 1.6}},
              "simple": {"user": {"count": 1, "median": 12, "p90": 40, "mean": 12.0},
                         "org": {"count": 1, "median": 2, "p90": 2, "mean": 2.0}}}


@pytest.mark.parametrize("totals, usage, sentence", [
    (TOTALS, USAGE,
     "The two extracts share no whole month, so their runs are not compared. Over each extract's own period Full "
     "BAS reaches 3 organisations to Simple BAS's 3; 2 (50%) use both."),
    ({"simple": TOTALS["simple"], "all": TOTALS["simple"]}, NO_USAGE,
     "Only Simple BAS is in view: 3 runs by 3 users of 3 organisations."),
    ({"full": {"runs": 1, "users": 1, "orgs": 1}, "all": {"runs": 1, "users": 1, "orgs": 1}}, NO_USAGE,
     "Only Full BAS is in view: 1 run by 1 user of 1 organisation."),
    ({}, NO_USAGE, "No report runs match these filters."),
])
def test_comparison_finding(totals, usage, sentence):
    assert n.comparison_finding(totals, usage) == sentence


def test_comparison_finding_compares_runs_over_the_months_both_cover():
    common = {"first": "2017-02", "last": "2017-02", "months": 1, "runs": {"full": 2, "simple": 3},
              "share": {"full": 0.4, "simple": 0.6}}
    assert n.comparison_finding(TOTALS, USAGE, common) == (
        "Over the 1 month both extracts cover (February 2017), Simple BAS carries 60% of the runs (3 of 5). Over "
        "each extract's own period Full BAS reaches 3 organisations to Simple BAS's 3; 2 (50%) use both.")


def test_activity_title_per_month():
    assert n.activity_title(ACTIVITY, "runs", "month") == (
        "Runs per month: Full BAS peaks in February 2017 (29,282); Simple BAS peaks in October 2017 (4,681)",
        "Thin line: runs per month (Sydney dates); thick line: 3-month rolling average. Average per month: "
        "Full BAS 19,526, Simple BAS 2,518.")


def test_activity_title_per_week_one_system():
    summary = {"simple": {"peak_period": date(2017, 2, 20), "peak": 120, "mean": 40.4, "periods": 20}}
    assert n.activity_title(summary, "orgs", "week") == (
        "Orgs with a run per week: Simple BAS peaks in the week of 20 Feb 2017 (120)",
        "Thin line: orgs with a run per week (Sydney dates); thick line: 4-week rolling average. Average per week: "
        "Simple BAS 40.")
    assert n.activity_title({}, "runs", "week").text == "No runs in this view"


def test_usage_split_title():
    assert n.usage_split_title(USAGE) == (
        "25% of organisations use only Full BAS, 25% only Simple BAS and 50% both",
        "4 organisations and 5 users by the reports they ran in the period.")
    assert n.usage_split_title(NO_USAGE).text == "No organisations in this view"
    simple_only = {**NO_USAGE, "orgs": {**NO_USAGE["orgs"], "simple_only": {"count": 3, "share": 1.0}}}
    assert n.usage_split_title(simple_only).text == "All 3 organisations in view used only Simple BAS"


@pytest.mark.parametrize("peak, text", [
    ({"quarter_label": "Jan–Mar 2017", "orgs": 4, "both_orgs": 1, "full_only": 0.5, "simple_only": 0.25,
      "both": 0.25},
     "At most 25% of organisations with a run used both reports in the same quarter (1 of 4 in Jan–Mar 2017)"),
    ({"quarter_label": "Jan–Mar 2017", "orgs": 4, "both_orgs": 0, "full_only": 1.0, "simple_only": 0.0, "both": 0.0},
     "No organisation used both reports in the same quarter"),
    (None, "No organisations in this view"),
])
def test_quarter_usage_title(peak, text):
    assert n.quarter_usage_title({"peak_both": peak, "take_up": {}}).text == text


def test_runs_per_entity():
    assert n.runs_per_entity_title(PER_ENTITY).text == \
        ("Median runs per user in the period: Full BAS 1 (the busiest 10% of users ran 2 or more), Simple BAS 12 "
         "(the busiest 10% of users ran 40 or more)")
    assert n.runs_per_entity_sentence(PER_ENTITY) == (
        "Runs per organisation in the period: Full BAS median 1 run, and the busiest 10% ran 3 or more (over 3 "
        "orgs); Simple BAS median 2 runs, and the busiest 10% ran 2 or more (over 1 org).")
    assert n.runs_per_entity_title({}).text == "No users in this view"
    assert n.runs_per_entity_sentence({}) == "No organisations in this view."


def test_repeat_rate_title():
    assert n.repeat_rate_title(REPEATS).text == "Re-runs within 30 minutes: Full BAS 50%, Simple BAS 0% of runs"
    assert n.repeat_rate_title({}).text == "No runs in this view"


@pytest.mark.parametrize("plans, text", [
    ({"orgs": 4, "plans": [{"plan": "Premium 5", "orgs": 2}, {"plan": "Standard", "orgs": 1},
                           {"plan": "Starter", "orgs": 1}]},
     "Premium 5 is the most popular plan among BAS organisations (2 orgs, 50%); then Standard: 1 org and Starter: "
     "1 org"),
    ({"orgs": 1, "plans": [{"plan": "Premium 5", "orgs": 1}]},
     "Premium 5 is the most popular plan among BAS organisations (1 org, 100%)"),
    ({"orgs": 0, "plans": []}, "No organisations in this view"),
])
def test_plans_title(plans, text):
    assert n.plans_title(plans).text == text


@pytest.mark.parametrize("grain, text", [("week", "week of 6 Mar 2017"), ("month", "March 2017")])
def test_fmt_period(grain, text):
    assert n.fmt_period(date(2017, 3, 6), grain) == text
