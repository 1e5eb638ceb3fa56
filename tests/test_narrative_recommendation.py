"""Chapter 5's sentences: exact text for given numbers, and the edge cases (no window, one system, nothing seen)."""
import copy
from datetime import date

import pandas as pd
import pytest

from basstory.analyses.recommendation import due_week_table, window_comparison
from basstory.story.narrative import recommendation as r


def window(day, start_minute, start, end, runs_mean, runs_max, worst_month, users_mean, users_max, orgs_mean,
           orgs_max, clock=0, **kw):
    """A recommended window's dict as analyses.recommendation builds it."""
    return dict(day=day, start_minute=start_minute, start=start, end=end, runs_mean=runs_mean, runs_max=runs_max,
                worst_month=worst_month, occurrences=12, users_mean=users_mean, users_max=users_max,
                users_worst_month=worst_month, orgs_mean=orgs_mean, orgs_max=orgs_max, orgs_worst_month=worst_month,
                compute_s_mean=0.0, utc_times="15:00–17:00 (day before) or 16:00–18:00 (day before)",
                zone_times="00:00–02:00 or 23:00–01:00 (day before)", clock_change_nights=clock, **kw)


REC = {
    "system": "full",
    "window": {"day": 12, "start": "02:00", "end": "04:00", "runs_per_occurrence": 0.5, "occurrences": 12},
    "best": window(12, 120, "02:00", "04:00", 0.5, 2, "2017-02", 0.5, 2, 0.25, 1),
    "runner_up": window(5, 120, "02:00", "04:00", 0.75, 3, "2017-04", 0.75, 3, 0.5, 2, same_day=False),
    "median_runs": 42.29,
    "worst": {"day": 21, "start_minute": 600, "start": "10:00", "end": "12:00", "runs_mean": 230.08,
              "runs_max": 401, "worst_month": "2017-08", "occurrences": 12},
    "windows": 1344, "monthly_runs_mean": 19638.0,
    "due_weeks": [
        {"group": "Monthly BAS (due the 21st)", "cadence": "monthly", "occurrences": 4032, "runs_mean": 74.0,
         "days": "15–21", "worst_day": 23, "worst_start": "14:00", "worst_end": "16:00",
         "worst_window": "day 23, 14:00–16:00", "worst_runs_mean": 275.0},
        {"group": "Quarterly BAS (due the 28th)", "cadence": "quarterly", "occurrences": 1344, "runs_mean": 81.0,
         "days": "22–28", "worst_day": 28, "worst_start": "14:00", "worst_end": "16:00",
         "worst_window": "day 28, 14:00–16:00", "worst_runs_mean": 293.0},
        {"group": "Outside due weeks", "cadence": "", "occurrences": 10162, "runs_mean": 41.0, "days": "",
         "worst_day": 26, "worst_start": "10:00", "worst_end": "12:00", "worst_window": "day 26, 10:00–12:00",
         "worst_runs_mean": 156.0}],
    "clock_changes": [{"local_date": date(2016, 10, 2), "kind": "forward"},
                      {"local_date": date(2017, 4, 2), "kind": "back"}],
}


def test_system_lines():
    lines = r.system_lines(REC, "Australia/Perth")
    assert lines == [
        "**When:** **day 12, 02:00–04:00 Sydney time** — in UTC 15:00–17:00 (day before) or 16:00–18:00 (day "
        "before); in Perth time 00:00–02:00 or 23:00–01:00 (day before).",
        "**Why:** over 12 months of Full BAS it interrupted 0.50 runs a month on average, against 42 runs a month "
        "for the median window and the costliest window, day 21, 10:00–12:00, 230 runs a month, out of 1,344 "
        "windows compared.",
        "**Expected impact:** about 0.50 runs (under 0.1% of a month's Full BAS runs) by 0.50 users of 0.25 "
        "organisations a month; in the worst month (February 2017) 2 runs by 2 users of 1 organisation.",
        "**Runner-up** (a different day): day 5, 02:00–04:00 Sydney time, 0.75 runs and 0.75 users a month (worst "
        "month 3 runs).",
        "**Avoid:** the BAS due weeks — quarterly BAS (mostly days 22–28): 81 runs per window on average; in its "
        "due-week months only, day 28, 14:00–16:00 averaged 293; monthly BAS (mostly days 15–21): 74 runs per window "
        "on average; in its due-week months only, day 23, 14:00–16:00 averaged 275, against 41 runs per window "
        "outside them (a due-week figure averages only the months whose due week holds that window, so it can "
        "exceed Full BAS's costliest window, day 21, 10:00–12:00, 230 runs a month, an average over all months); "
        "and the daylight-saving nights (2 Oct 2016, 2 Apr 2017) — the recommended window never spans a clock "
        "change.",
    ]
    assert r.system_lines(REC, "UTC")[0] == (
        "**When:** **day 12, 02:00–04:00 Sydney time** — in UTC 15:00–17:00 (day before) or 16:00–18:00 (day before).")


def test_system_lines_when_nothing_was_seen_and_a_clock_changes():
    quiet = copy.deepcopy(REC)
    quiet["best"].update(runs_mean=0.0, runs_max=0, clock_change_nights=1)
    quiet["runner_up"] = None
    quiet["clock_changes"] = quiet["clock_changes"][:1]
    quiet["due_weeks"] = []
    lines = r.system_lines(quiet, "Australia/Sydney")
    assert lines[2] == ("**Expected impact:** none seen — not one run fell in this window in any of the 12 months "
                        "measured.")
    assert not any(line.startswith("**Runner-up**") for line in lines)
    assert lines[-1] == ("**Avoid:** the daylight-saving nights (2 Oct 2016) — the recommended window spans a clock "
                         "change on 1 night: move it by a day then.")
    quiet["clock_changes"] = []
    assert r.avoid_sentence(quiet) == "**Avoid:** nothing in particular in this period."


@pytest.mark.parametrize("part, whole, text", [(0, 100, "0%"), (0.5, 19638, "under 0.1%"), (5, 100, "5.0%"),
                                               (50, 100, "50%")])
def test_share_text(part, whole, text):
    assert r.share_text(part, whole) == text


def test_finding():
    assert r.recommendation_finding({"full": REC, "simple": None}) == (
        "Schedule the two-hour outage for Full BAS on day 12, 02:00–04:00 Sydney time.")
    assert r.recommendation_finding({"full": None, "simple": None}) == (
        "No window can be recommended for this view: no system has a whole window occurrence in the period.")


def test_comparison_and_due_weeks():
    rows = window_comparison({"full": REC, "simple": None})
    assert rows[["label", "runs_mean"]].values.tolist() == [
        ["Recommended", 0.5], ["Runner-up", 0.75], ["Median window", 42.29], ["Costliest window", 230.08]]
    assert rows["window"].iloc[0] == "day 12, 02:00–04:00"
    assert window_comparison({}).empty
    assert r.comparison_title({"full": REC}).text == (
        "The recommended windows disturb almost no one: Full BAS 0.50 runs a month against 42 runs a month for the "
        "median window")
    dear = copy.deepcopy(REC)
    dear["best"]["runs_mean"] = 30.0
    assert r.comparison_title({"full": dear}).text.startswith("The recommended windows against the rest")
    assert r.due_week_title({"full": REC}).text == (
        "Windows in a BAS due week cost more: Full BAS 1.98× the runs per window outside due weeks, in the due weeks "
        "of quarterly BAS")
    assert due_week_table({"full": REC})["system"].tolist() == ["full"] * 3
    assert due_week_table({}).empty


FACTS = {"busiest_month": {"month": "2017-02", "runs": 32141}, "users_either": 4838, "users_multi_org": 424,
         "orgs_both": 165, "plans": [{"plan": "Standard", "orgs": 366}]}
LOAD = {"summary": {"peak_to_median_hour": 78.9, "peak_concurrency": 4}}
PLAN = {"provision": 7, "due_date": date(2017, 11, 27), "peak_month": "2017-11"}
CLAIMS = {"quarter": {"full": {"month_of_quarter": 2, "factor": 1.3684}},
          "load": {"hour_by_compute": {"at": pd.Timestamp("2017-02-23 14:00"), "compute_s": 726.35, "ratio": 78.9},
                   "peak_concurrency": 4}}
WEEK = {"all": {"weekday": 5, "hour": 10, "business_hours_share": 0.76}}
MONTH_DAY = {"full": {"day": 21, "ratio": 1.9, "median_runs_per_day": 100.0}}
SHARE = {"first": "2016-10", "last": "2017-09", "months": 12, "runs": {"full": 150, "simple": 50},
         "share": {"full": 0.75, "simple": 0.25}}
DUE = {"all": {"final_week_share": 0.24}}


def test_key_findings_answer_the_four_questions_in_order():
    claims = {**CLAIMS, "week": WEEK, "month_day": MONTH_DAY, "share": SHARE}
    findings = r.key_findings(FACTS, LOAD, PLAN, {"full": REC, "simple": None}, claims, DUE,
                              {"full": 300, "simple": 100})
    assert findings == [
        "**How and when users run the reports:** 76% of BAS runs happen in weekday business hours (08:00–18:00 "
        "Sydney time); they are busiest on Fridays, and the busiest hour of the day is 10:00–11:00; for Full BAS the "
        "busiest day of the month is the 21st (1.9× the median day of the month); 24% of runs by monthly and "
        "quarterly lodgers come in the last week before a BAS due date.",
        "**How the two systems compare:** Over the 12 months both extracts cover (October 2016 to September 2017), "
        "Full BAS carries 75% of the runs (150 of 200); 165 organisations used both reports.",
        "**The seasonality that should drive compute capacity:** Full BAS load follows the BAS quarter: the second "
        "month of each quarter (Feb, May, Aug, Nov) runs 1.37× an average month, when quarterly BAS lodged through "
        "an agent falls due (25 Nov, 28 Feb, 26 May, 25 Aug); the busiest month was February 2017 with 32,141 runs; "
        "provision for 7 concurrent Full BAS runs in the week before 27 Nov 2017.",
        "**Full BAS load is bursty:** the busiest hour by compute-seconds, 23 Feb 2017 14:00 Sydney time, held 726 "
        "compute-seconds of Full BAS runtime, 79× the median hour's, and at most 4 Full BAS runs ran at once.",
        "**The two-hour outage window:** Full BAS day 12, 02:00–04:00 (0.50 runs a month), all starting before 06:00 "
        "Sydney time.",
        "**4,838 users** ran a report; 424 (8.8%) ran reports for more than one organisation; the most common plan "
        "among organisations using BAS is **Standard** (366 organisations).",
    ]
    daytime = copy.deepcopy(REC)
    daytime["best"]["start_minute"] = 600
    few = r.key_findings({}, None, None, {"full": daytime})
    assert few == ["**The two-hour outage window:** Full BAS day 12, 02:00–04:00 (0.50 runs a month) Sydney time."]


def test_caveats():
    caveats = {"systems": {
        "full": {"first_date": date(2016, 10, 1), "last_date": date(2017, 9, 30), "days": 365, "months": 12,
                 "runs": 235656, "users": 4389, "orgs": 1224, "runtime_missing": 3},
        "simple": {"first_date": date(2016, 8, 24), "last_date": date(2019, 2, 28), "days": 919, "months": 31,
                   "runs": 76756, "users": 1130, "orgs": 284, "runtime_missing": 0}}, "periods_differ": True}
    lines = r.caveat_lines(caveats, {"org_deleted": 10}, {"full": REC, "simple": None})
    assert lines[0] == ("**Full BAS** covers 1 Oct 2016 to 30 Sep 2017 (12 calendar months): 235,656 runs by 4,389 "
                        "users of 1,224 organisations.")
    assert lines[2].startswith("The two systems cover **different periods**")
    assert lines[3].startswith("Each window's cost is an average over few months (Full BAS 12 months)")
    assert lines[4] == "10 runs left out (10 org deleted). Those runs count nowhere in the story."
    assert lines[5] == "3 Full BAS runs had no positive runtime and are left out of the load figures."
    same = {"systems": {"full": caveats["systems"]["full"] | {"runtime_missing": 0}}, "periods_differ": False}
    assert not any("different periods" in line for line in r.caveat_lines(same, {}, {}))


def test_operations_actions_book_the_windows_size_capacity_and_freeze_the_costliest_due_weeks():
    lines = r.track_actions("operations", {"full": REC, "simple": None}, None, FACTS, {"full": 10, "simple": 0})
    assert lines[0] == ("**Book the Full BAS outage for day 12, 02:00–04:00 Sydney time:** it would have interrupted "
                        "0.50 runs a month on average, against 42 for the median window.")
    assert lines[1].startswith("**Capacity:** No capacity forecast")
    # of the due weeks, quarterly (81 runs a window) costs more than monthly (74)
    assert lines[2] == ("**Freeze Full BAS changes in the due weeks of quarterly BAS** (mostly days 22–28): a window "
                        "there costs 81 runs on average.")
    assert len(lines) == 3


def test_product_actions_from_the_key_facts():
    facts = {**FACTS, "orgs_in_scope": 1345}
    lines = r.track_actions("product", {"full": REC}, None, facts, {"full": 10, "simple": 5})
    assert lines == [
        "**Ship BAS changes well before February 2017**, the busiest month (32,141 runs), and never in the week "
        "before a due date.",
        "**Ask the 165 organisations that ran both reports why** (12% of the 1,345 in scope): they show what each "
        "report lacks.",
        "**Design for the 424 users who run reports for several organisations** (8.8% of 4,838 users): they lodge "
        "in batches."]
    one_system = r.track_actions("product", {"full": REC}, None, facts, {"full": 10, "simple": 0})
    assert len(one_system) == 2 and "both reports" not in " ".join(one_system)


def test_customer_actions_announce_the_windows_and_brief_advisers():
    lines = r.track_actions("customers", {"full": REC, "simple": None}, None, FACTS, {"full": 10})
    assert lines == [
        "**Announce the outage windows a month ahead:** Full BAS day 12, 02:00–04:00 Sydney time, about 0.50 users "
        "of 0.25 organisations a month.",
        "**Brief the 424 users who run BAS for several organisations first:** one of them reaches many "
        "organisations at once."]
    with pytest.raises(ValueError):
        r.track_actions("finance", {}, None, FACTS, {})


def test_each_track_draws_on_its_chapters_beyond_the_brief():
    forecast = {"peak_day": "2017-11-23", "peak_day_runs": 2435, "peak_hour": "2017-11-23 10:00",
                "peak_hour_runs": 238}
    ops = r.track_actions("operations", {"full": None}, None, FACTS, {}, {"forecast": forecast})
    assert ops[1] == ("**Watch the forecast's busiest day, 23 Nov 2017:** about 2,435 Full BAS runs, the busiest "
                      "hour 23 Nov 2017 10:00 with 238 (chapter *Daily and hourly forecast*).")
    product = r.track_actions("product", {}, None, {}, {}, {"segments": {"cadence_mismatches": 3,
                                                                         "cadence_judged": 40}})
    assert product == ["**Prompt the 3 organisations whose runs follow another cadence than their declared tax "
                       "period** (of 40 with enough runs to tell) to check the setting (chapter *Org segments*)."]
    customers = r.track_actions(
        "customers", {}, None, FACTS, {},
        {"at_risk": {"at_risk_orgs": 54, "at_risk_runs": 8844},
         "advisers": {"advisers": 1, "orgs_covered_by_advisers": 9, "max_orgs_per_adviser": 9}})
    assert customers == [
        "**Call the 54 active organisations that missed an expected lodgement**, highest risk score first (8,844 "
        "runs before; the list is in the chapter *Dormant, cancelled and at risk*).",
        "**Brief the 1 adviser first:** they run BAS for 9 organisations, at most 9 each."]
