"""Chapter 1's sentences: exact text for given numbers, including nothing at all and one system missing."""
import pytest

from basstory.core.text import hour_range, ordinal
from basstory.story.narrative import interaction as n

WEEK = {
    "full": {"runs": 7, "weekday": 2, "weekday_name": "Tue", "hour": 10, "peak_share": 3 / 7, "weekday_share": 6 / 7,
             "business_hours_share": 5 / 7},
    "simple": {"runs": 2, "weekday": 1, "weekday_name": "Mon", "hour": 15, "peak_share": 0.5, "weekday_share": 1.0,
               "business_hours_share": 0.5},
    "all": {"runs": 9, "weekday": 2, "weekday_name": "Tue", "hour": 10, "peak_share": 3 / 9, "weekday_share": 8 / 9,
            "business_hours_share": 6 / 9},
}
DUE = {
    "full": {"runs": 12, "median_days": 3, "final_week_share": 7 / 12, "due_day_share": 4 / 12},
    "simple": {"runs": 3, "median_days": 1, "final_week_share": 0.0, "due_day_share": 0.0},
    "all": {"runs": 15, "median_days": 7, "final_week_share": 7 / 15, "due_day_share": 4 / 15},
}
REPEATS = {
    "full": {"runs": 8, "repeats": 4, "sessions": 4, "repeat_share": 0.5, "multi_run_sessions": 2,
             "multi_run_session_share": 0.5},
    "simple": {"runs": 1, "repeats": 0, "sessions": 1, "repeat_share": 0.0, "multi_run_sessions": 0,
               "multi_run_session_share": 0.0},
}
ROLES = {"all": {"users": 3, "advisers": 1, "runs": 6, "adviser_runs": 3, "max_orgs": 3},
         "full": {"users": 2, "advisers": 1, "runs": 4, "adviser_runs": 2, "max_orgs": 3},
         "simple": {"users": 2, "advisers": 1, "runs": 2, "adviser_runs": 1, "max_orgs": 3}}


@pytest.mark.parametrize("tz, name", [("Australia/Sydney", "Sydney time"), ("Australia/Perth", "Perth time"),
                                      ("UTC", "UTC")])
def test_zone_name(tz, name):
    assert n.zone_name(tz) == name


@pytest.mark.parametrize("value, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (11, "11th"), (12, "12th"), (21, "21st"),
                                         (22, "22nd"), (28, "28th")])
def test_ordinal(value, text):
    assert ordinal(value) == text


def test_hour_range_wraps_at_midnight():
    assert (hour_range(9), hour_range(23)) == ("09:00–10:00", "23:00–00:00")


@pytest.mark.parametrize("week, due, tz, sentence", [
    (WEEK, DUE, "Australia/Sydney", "67% of BAS runs happen in weekday business hours (08:00–18:00 Sydney time); "
                                    "they are busiest on Tuesdays, and the busiest hour of the day is 10:00–11:00; "
                                    "47% come in the last week before a BAS due date."),
    (WEEK, {}, "UTC", "67% of BAS runs happen in weekday business hours (08:00–18:00 UTC); they are busiest on "
                      "Tuesdays, and the busiest hour of the day is 10:00–11:00."),
    ({}, {}, "UTC", "No report runs match these filters."),
])
def test_interaction_finding(week, due, tz, sentence):
    assert n.interaction_finding(week, due, tz) == sentence


def test_heatmap_title():
    assert n.heatmap_title(WEEK, "Australia/Sydney") == (
        "Full BAS is busiest on Tuesdays; Simple BAS is busiest on Mondays; Full BAS: the busiest hour of the day is "
        "10:00–11:00; Simple BAS: the busiest hour of the day is 15:00–16:00 (Sydney time)",
        "Share of each system's runs in each weekday and hour: the deeper the system's colour, the larger the share "
        "(a linear scale from 0). Busiest weekday and hour: the row and the column with the most runs. Runs in "
        "business hours (Mon–Fri 08:00–18:00): Full BAS 71%; Simple BAS 50%.")
    one = n.heatmap_title({"full": WEEK["full"], "all": WEEK["all"]}, "UTC")
    assert one.text == "Full BAS is busiest on Tuesdays; for it the busiest hour of the day is 10:00–11:00 (UTC)"
    same_hour = {"full": WEEK["full"], "simple": {**WEEK["simple"], "hour": 10}}
    assert n.heatmap_title(same_hour, "UTC").text == (
        "Full BAS is busiest on Tuesdays; Simple BAS is busiest on Mondays; for both the busiest hour of the day is "
        "10:00–11:00 (UTC)")
    assert n.heatmap_title({}, "UTC") == ("No runs in this view", "")


def test_day_of_month_title():
    month = {"full": {"day": 21, "runs_per_day": 30.0, "median_runs_per_day": 10.0, "ratio": 3.0},
             "simple": {"day": 28, "runs_per_day": 2.0, "median_runs_per_day": 0.0, "ratio": 0.0}}
    assert n.day_of_month_title(month, ["21st monthly", "28th quarterly"]) == (
        "Full BAS: the busiest day of the month is the 21st (3.0× the median day of the month); Simple BAS: the "
        "busiest day of the month is the 28th",
        "Average runs on each day of the month, Sydney dates; dashed lines mark BAS due dates (21st monthly, "
        "28th quarterly).")
    assert n.day_of_month_title({"simple": month["simple"]}, []).subtitle == \
        "Average runs on each day of the month, Sydney dates."
    assert n.day_of_month_title({}, []).text == "No runs in this view"


def test_days_before_due_title():
    assert n.days_before_due_title(DUE) == (
        "58% of Full BAS runs and 0% of Simple BAS runs come in the last week before the BAS is due",
        "Days from each run to the next due date of its org's cadence (Sydney dates). Median: Full BAS 3 days; "
        "Simple BAS 1 day before.")
    assert n.days_before_due_title({"full": DUE["full"], "all": DUE["full"]}).text == \
        "58% of Full BAS runs come in the last week before the BAS is due"
    assert n.days_before_due_title({}).text == "No runs of monthly or quarterly lodgers in this view"


def test_repeat_title_and_sentence():
    assert n.repeat_title(REPEATS).text == \
        "50% of Full BAS runs and 0% of Simple BAS runs are re-runs within 30 minutes"
    assert n.repeat_title({"simple": REPEATS["simple"]}).text == "0% of Simple BAS runs are re-runs within 30 minutes"
    assert n.repeat_title({}).text == "No runs in this view"
    assert n.repeat_sentence(REPEATS) == (
        "A re-run is the same report run again by the same user for the same org within 30 minutes, for example to "
        "check or correct figures; the extracts do not record why. Full BAS: 4 sessions, 50% with more than one "
        "run; Simple BAS: 1 session, 0% with more than one run. The share of runs that are re-runs and the share "
        "of sessions with more than one run count different things: a session of four runs is one session with a "
        "re-run but three re-run runs, so the two shares differ.")


def test_the_method_constants_are_written_from_the_analyses(monkeypatch):
    """Business hours, the re-run gap and the adviser threshold come from basstory.analyses.interaction."""
    monkeypatch.setattr(n, "REPEAT_MINUTES", 45)
    monkeypatch.setattr(n, "ADVISER_MIN_ORGS", 3)
    assert n.repeat_title(REPEATS).text.endswith("re-runs within 45 minutes")
    assert "within 45 minutes" in n.repeat_sentence(REPEATS)
    assert "(advisers: 3 or more)" in n.who_runs_title(ROLES).subtitle
    assert "ran reports for 3 or more organisations" in n.who_runs_sentence(ROLES)
    assert n.BUSINESS_HOURS_TEXT == "08:00–18:00"
    assert n.repeat_sentence({}) == "No runs in this view."


@pytest.mark.parametrize("modal, when", [
    (2, "2 months after the period ends"), (1, "in the month after the period ends"),
    (0, "in the month the period ends"), (-1, "before the period's last month"),
])
def test_statement_lag_title(modal, when):
    lag = {"runs": 6, "modal_lag": modal, "modal_share": 2 / 6, "late_share": 1 / 6, "early_share": 2 / 6}
    assert n.statement_lag_title(lag) == (
        f"33% of Simple BAS runs are made {when}",
        "Months from the statement period to the run (0 = the period's own month). 17% come three months or more "
        "after the period.")


def test_statement_lag_title_without_simple_bas():
    assert n.statement_lag_title({}).text == "No Simple BAS runs with a statement period in this view"


def test_who_runs():
    assert n.who_runs_title(ROLES) == (
        "Advisers are 33% of users and make 50% of runs, more than their share of users",
        "Share of each system's runs by how many organisations the user ran reports for (advisers: 2 or more). "
        "The busiest user worked for 3 orgs.")
    assert n.who_runs_sentence(ROLES) == (
        "We call a user who ran reports for 2 or more organisations an **adviser** and everyone else an **owner**: "
        "working for several organisations is what an accountant or bookkeeper does, but the extracts do not "
        "record anyone's role. 1 of the 3 users is an adviser (Full BAS 1 of 2; Simple BAS 1 of 2).")
    none = {"all": {**ROLES["all"], "advisers": 0, "adviser_runs": 0}, "full": ROLES["full"]}
    assert n.who_runs_title(none).text == "Advisers are 0% of users and make 0% of runs"
    fewer = {"all": {**ROLES["all"], "adviser_runs": 1}}          # the numbers the other way
    assert n.who_runs_title(fewer).text == ("Advisers are 33% of users and make 17% of runs, less than their share "
                                            "of users")
    assert "0 of the 3 users are advisers (Full BAS 1 of 2)." in n.who_runs_sentence(none)
    assert n.who_runs_title({}).text == "No users in this view"
    assert n.who_runs_sentence({}) == "No users in this view."


def test_split_titles():
    top = {"full": {"value": "Accountant", "orgs": 2, "org_share": 2 / 3},
           "simple": {"value": "Accountant", "orgs": 1, "org_share": 1.0}}
    assert n.split_title(top, "channel type") == (
        "Accountant leads for channel type: 67% of Full BAS and 100% of Simple BAS organisations",
        "Share of each system's organisations by channel type.")
    differ = {**top, "simple": {"value": "Bookkeeper", "orgs": 1, "org_share": 0.5}}
    assert n.split_title(differ, "channel type").text == \
        "The most common channel type differs — Full BAS: Accountant (67%); Simple BAS: Bookkeeper (50%)"
    assert n.split_title({"simple": differ["simple"]}, "channel type").text == \
        "Bookkeeper leads for channel type: 50% of Simple BAS organisations"
    assert n.split_title({}, "channel type").text == "No organisations in this view"


def test_managed_title():
    top = {"full": {"value": "Managed by a practice", "orgs": 2, "org_share": 0.91},
           "simple": {"value": "Managed by a practice", "orgs": 1, "org_share": 0.85}}
    assert n.managed_title(top).text == "91% of Full BAS and 85% of Simple BAS organisations are managed by a practice"
    differ = {**top, "simple": {"value": "Not practice-managed", "orgs": 1, "org_share": 0.6}}
    assert n.managed_title(differ).text == \
        "Practice management differs — Full BAS: 91% managed by a practice; Simple BAS: 60% not practice-managed"
    assert n.managed_title({}).text == "No organisations in this view"
