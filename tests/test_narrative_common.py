"""Sentences of the cover and the CLI, for given numbers."""
from datetime import date

import pytest

from basstory.story.narrative import (
    cover_finding,
    cover_metrics,
    coverage_sentence,
    fmt_int,
    fmt_month_short,
    left_out_sentence,
    pct,
    plural,
    window_phrase,
)


@pytest.mark.parametrize("part, whole, expected", [(1, 3, "33%"), (1, 12, "8.3%"), (0, 0, "0%"), (0, 7, "0%"),
                                                   (0.05, 1, "5.0%"), (5, 5, "100%")])
def test_pct(part, whole, expected):
    assert pct(part, whole) == expected


def test_small_formats():
    assert fmt_int(1234567.4) == "1,234,567"
    assert plural(1, "run") == "1 run" and plural(2500, "run") == "2,500 runs"
    assert fmt_month_short("2017-02") == "Feb 2017"


def test_left_out_sentence():
    assert left_out_sentence({}) == "No runs were left out."
    assert left_out_sentence({"org_deleted": 3, "outside_dates": 1}) == (
        "4 runs left out (3 org deleted, 1 outside the date range).")


@pytest.mark.parametrize("window, expected", [
    (None, "no complete window in the period"),
    ({"day": 3, "start": "01:00", "end": "03:00", "runs_per_occurrence": 0.4},
     "day 3 of the month, 01:00–03:00 Sydney time (0.40 runs affected on average)"),
    ({"day": 12, "start": "23:00", "end": "01:00", "runs_per_occurrence": 0.0},
     "day 12 of the month, 23:00–01:00 Sydney time (no runs in any month of the period)"),
])
def test_window_phrase(window, expected):
    assert window_phrase(window) == expected


FACTS = {"fullbas_runs": 300, "simplebas_runs": 100, "busiest_month": {"month": "2017-02", "runs": 90},
         "busiest_month_by_system": {"full": {"month": "2017-02", "runs": 80}, "simple": None},
         "orgs_both": 5, "users_either": 40, "users_multi_org": 4,
         "plans": [{"plan": "Standard", "orgs": 10}, {"plan": "Premium", "orgs": 7}, {"plan": "Starter", "orgs": 1}]}


def test_cover_finding():
    # the share is stated only over the months both extracts cover
    common = {"first": "2017-01", "last": "2017-06", "months": 6, "runs": {"full": 150, "simple": 50},
              "share": {"full": 0.75, "simple": 0.25}}
    assert cover_finding(FACTS, common) == (
        "Over the 6 months both extracts cover (January 2017 to June 2017), Full BAS carries 75% of the runs "
        "(150 of 200); the busiest month was February 2017 with 90 runs.")
    assert cover_finding(FACTS) == ("400 report runs; the two extracts share no whole month, so their totals are not "
                                    "compared; the busiest month was February 2017 with 90 runs.")
    assert cover_finding({**FACTS, "simplebas_runs": 0}) == (
        "Only Full BAS is in view: 300 report runs; the busiest month was February 2017 with 90 runs.")
    assert cover_finding({**FACTS, "fullbas_runs": 0, "simplebas_runs": 0}) == "No report runs match these filters."


def test_cover_metrics():
    metrics = cover_metrics(FACTS, {"orgs_with_runs": 20})
    assert [m["value"] for m in metrics] == ["Feb 2017", "5", "40", "4", "Standard"]
    assert metrics[0]["caption"] == "90 runs, both systems; Full BAS peaks in February 2017"
    assert metrics[1]["caption"] == "25% of the 20 organisations with a run"
    assert metrics[3]["caption"].startswith("10% of users")
    assert metrics[4]["caption"] == "10 organisations using BAS; then Premium: 7 orgs, Starter: 1 org"


def test_coverage_sentence():
    cov = {"runs": 400, "first_date": date(2016, 8, 24), "last_date": date(2019, 2, 28), "users": 40,
           "orgs_with_runs": 20, "orgs_in_scope": 25}
    assert coverage_sentence(cov, {"full": 300, "simple": 100}) == (
        "The data covers **24 Aug 2016 to 28 Feb 2019** (Sydney dates): **400 report runs** (300 Full BAS and "
        "100 Simple BAS) by 40 users of 20 organisations; 25 organisations in the org table match the filters.")
    assert coverage_sentence({**cov, "runs": 0}, {}) == "No runs are in this view."
