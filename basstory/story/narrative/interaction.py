"""Chapter 1's sentences: how and when users interact. Numbers in, sentences out; every number comes from the
analyses' summaries (basstory.analyses.interaction) passed in."""
from __future__ import annotations

from basstory.analyses.interaction import ADVISER_MIN_ORGS, BUSINESS_HOURS, REPEAT_MINUTES
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, join_words, pct, plural, zone_name
from basstory.story.narrative import claims as said
from basstory.story.narrative.common import ChartTitle

#: Business hours as the analyses count them (Monday to Friday, from the first hour to the end of the last).
BUSINESS_HOURS_TEXT = f"{BUSINESS_HOURS[0]:02d}:00–{BUSINESS_HOURS[1]:02d}:00"






def _systems(summary: dict) -> list[str]:
    return [s for s in SYSTEMS if s in summary]



def interaction_finding(week: dict, due: dict, tz: str) -> str:
    """The chapter's finding, from the week claims (analyses.claims, 'all' entry) and `due_summary`; hours are in
    the zone `tz`."""
    if "all" not in week:
        return "No report runs match these filters."
    w = week["all"]
    sentence = (f"{pct(w['business_hours_share'], 1)} of BAS runs happen in weekday business hours "
                f"({BUSINESS_HOURS_TEXT} {zone_name(tz)}); they are {said.busiest_weekday(w)}, and "
                f"{said.busiest_hour_of_day(w)}")
    if "all" in due and due["all"]["runs"]:
        sentence += (f"; {pct(due['all']['final_week_share'], 1)} come in the last week before a BAS due "
                     f"date")
    return sentence + "."


def heatmap_title(week: dict, tz: str) -> ChartTitle:
    """Title of the weekday × hour heatmap, from the week claims (analyses.claims)."""
    systems = _systems(week)
    if not systems:
        return ChartTitle("No runs in this view", "")
    days = "; ".join(f"{SYSTEM_LABELS[s]} is {said.busiest_weekday(week[s])}" for s in systems)
    if len({week[s]["hour"] for s in systems}) == 1:
        hours = f"; for {'both' if len(systems) > 1 else 'it'} {said.busiest_hour_of_day(week[systems[0]])}"
    else:
        hours = "".join(f"; {SYSTEM_LABELS[s]}: {said.busiest_hour_of_day(week[s])}" for s in systems)
    shares = "; ".join(f"{SYSTEM_LABELS[s]} {pct(week[s]['business_hours_share'], 1)}" for s in systems)
    return ChartTitle(f"{days}{hours} ({zone_name(tz)})",
                      f"Share of each system's runs in each weekday and hour: the deeper the system's colour, the "
                      f"larger the share (a linear scale from 0). Busiest weekday and hour: the row and the column "
                      f"with the most runs. Runs in business hours "
                      f"(Mon–Fri {BUSINESS_HOURS_TEXT}): {shares}.")


def day_of_month_title(month: dict, due_labels: list[str]) -> ChartTitle:
    """Title of the day-of-month profile, from the month-day claims (analyses.claims)."""
    systems = _systems(month)
    if not systems:
        return ChartTitle("No runs in this view", "")
    peaks = [f"{SYSTEM_LABELS[s]}: {said.busiest_day_of_month(month[s])}" for s in systems]
    marks = f"; dashed lines mark BAS due dates ({', '.join(due_labels)})" if due_labels else ""
    return ChartTitle("; ".join(peaks), f"Average runs on each day of the month, Sydney dates{marks}.")


def days_before_due_title(due: dict) -> ChartTitle:
    """Title of the days-before-due-date chart, from `due_summary`."""
    systems = _systems(due)
    if not systems:
        return ChartTitle("No runs of monthly or quarterly lodgers in this view", "")
    shares = [f"{pct(due[s]['final_week_share'], 1)} of {SYSTEM_LABELS[s]} runs" for s in systems]
    medians = "; ".join(f"{SYSTEM_LABELS[s]} {plural(due[s]['median_days'], 'day')}" for s in systems)
    return ChartTitle(f"{join_words(shares)} come in the last week before the BAS is due",
                      f"Days from each run to the next due date of its org's cadence (Sydney dates). "
                      f"Median: {medians} before.")


def repeat_title(repeats: dict) -> ChartTitle:
    """Title of the session-size chart, from `repeat_runs`."""
    systems = _systems(repeats)
    if not systems:
        return ChartTitle("No runs in this view", "")
    parts = [f"{pct(repeats[s]['repeats'], repeats[s]['runs'])} of {SYSTEM_LABELS[s]} runs" for s in systems]
    return ChartTitle(f"{join_words(parts)} are re-runs within {REPEAT_MINUTES} minutes",
                      "Share of sessions by runs per session: a session is a run and its re-runs by the same user "
                      f"for the same org, each at most {REPEAT_MINUTES} minutes after the last.")


def repeat_sentence(repeats: dict) -> str:
    """What re-runs mean, from `repeat_runs`."""
    systems = _systems(repeats)
    if not systems:
        return "No runs in this view."
    parts = [f"{SYSTEM_LABELS[s]}: {plural(repeats[s]['sessions'], 'session')}, "
             f"{pct(repeats[s]['multi_run_sessions'], repeats[s]['sessions'])} with more than one run"
             for s in systems]
    return (f"A re-run is the same report run again by the same user for the same org within {REPEAT_MINUTES} "
            f"minutes, for example to check or correct figures; the extracts do not record why. "
            + "; ".join(parts) + ". The share of runs that are re-runs and the share of sessions with more than one "
            "run count different things: a session of four runs is one session with a re-run but three re-run "
            "runs, so the two shares differ.")


def statement_lag_title(lag: dict) -> ChartTitle:
    """Title of the Simple BAS statement-lag chart, from `statement_lag_summary`."""
    if not lag or not lag["runs"]:
        return ChartTitle("No Simple BAS runs with a statement period in this view", "")
    months = lag["modal_lag"]
    when = {0: "in the month the period ends", 1: "in the month after the period ends"}.get(
        months, f"{months} months after the period ends")
    if months < 0:
        when = "before the period's last month"
    return ChartTitle(f"{pct(lag['modal_share'], 1)} of Simple BAS runs are made {when}",
                      f"Months from the statement period to the run (0 = the period's own month). "
                      f"{pct(lag['late_share'], 1)} come three months or more after the period.")


def who_runs_title(roles: dict) -> ChartTitle:
    """Title of the orgs-per-user chart, from `user_roles` (advisers: ADVISER_MIN_ORGS or more orgs)."""
    if "all" not in roles or not roles["all"]["users"]:
        return ChartTitle("No users in this view", "")
    a = roles["all"]
    user_share, run_share = a["advisers"] / a["users"], (a["adviser_runs"] / a["runs"] if a["runs"] else 0.0)
    compared = (", more than their share of users" if run_share > user_share
                else ", less than their share of users" if run_share < user_share else "")
    return ChartTitle(f"Advisers are {pct(a['advisers'], a['users'])} of users and make "
                      f"{pct(a['adviser_runs'], a['runs'])} of runs{compared}",
                      f"Share of each system's runs by how many organisations the user ran reports for "
                      f"(advisers: {ADVISER_MIN_ORGS} or more). The busiest user worked for "
                      f"{plural(a['max_orgs'], 'org')}.")


def who_runs_sentence(roles: dict) -> str:
    """Advisers versus owners per system, from `user_roles`."""
    if "all" not in roles:
        return "No users in this view."
    a = roles["all"]
    parts = [f"{SYSTEM_LABELS[s]} {fmt_int(roles[s]['advisers'])} of {fmt_int(roles[s]['users'])}"
             for s in _systems(roles)]
    return (f"We call a user who ran reports for {ADVISER_MIN_ORGS} or more organisations an **adviser** and "
            f"everyone else an **owner**: working for several organisations is what an accountant or bookkeeper "
            f"does, but the extracts do not record anyone's role. "
            f"{fmt_int(a['advisers'])} of the {plural(a['users'], 'user')} "
            f"{'is an adviser' if a['advisers'] == 1 else 'are advisers'} "
            f"({'; '.join(parts)}).")


def split_title(top: dict, what: str) -> ChartTitle:
    """Title of an org-attribute split (channel type, practice management, plan family, tax period), from
    `split_summary`: {system: {"value", "org_share"}}; `what` names the attribute in lower case."""
    systems = _systems(top)
    if not systems:
        return ChartTitle("No organisations in this view", "")
    subtitle = f"Share of each system's organisations by {what}."
    if len({top[s]["value"] for s in systems}) == 1:
        shares = " and ".join(f"{pct(top[s]['org_share'], 1)} of {SYSTEM_LABELS[s]}" for s in systems)
        return ChartTitle(f"{top[systems[0]]['value']} leads for {what}: {shares} organisations", subtitle)
    parts = "; ".join(f"{SYSTEM_LABELS[s]}: {top[s]['value']} ({pct(top[s]['org_share'], 1)})" for s in systems)
    return ChartTitle(f"The most common {what} differs — {parts}", subtitle)


def managed_title(top: dict) -> ChartTitle:
    """Title of the practice-management split, from `split_summary` of 'managed_by_practice'."""
    systems = _systems(top)
    if not systems:
        return ChartTitle("No organisations in this view", "")
    subtitle = "Share of each system's organisations by whether a practice (accountant or bookkeeper) manages them."
    if len({top[s]["value"] for s in systems}) == 1:
        shares = " and ".join(f"{pct(top[s]['org_share'], 1)} of {SYSTEM_LABELS[s]}" for s in systems)
        return ChartTitle(f"{shares} organisations are {top[systems[0]]['value'].lower()}", subtitle)
    parts = "; ".join(f"{SYSTEM_LABELS[s]}: {pct(top[s]['org_share'], 1)} {top[s]['value'].lower()}"
                      for s in systems)
    return ChartTitle(f"Practice management differs — {parts}", subtitle)
