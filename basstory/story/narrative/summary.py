"""The brief's four questions, one sentence each: the cover's executive summary and the recommendation's key
findings. Numbers in, sentences out; every number comes from the view's claims (basstory.analyses.claims), the key
facts (basstory.analyses.facts) and the due-date summary (basstory.analyses.interaction.due_summary), written in the
claims' one phrase each (basstory.story.narrative.claims), so the cover and the chapters say the same thing.

1. how and when users run the reports;
2. how the two systems compare;
3. the seasonality that should drive compute capacity;
4. the recommended two-hour outage window per system.
"""
from __future__ import annotations

from basstory.analyses.interaction import BUSINESS_HOURS
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, fmt_month, md_escape, pct, plural, zone_name
from basstory.story.narrative import claims as said
from basstory.story.narrative.outage import number, window_name

#: The four questions as the bold lead of their sentence.
QUESTIONS = {
    "when": "How and when users run the reports",
    "compare": "How the two systems compare",
    "season": "The seasonality that should drive compute capacity",
    "window": "The two-hour outage window",
}
BUSINESS_HOURS_TEXT = f"{BUSINESS_HOURS[0]:02d}:00–{BUSINESS_HOURS[1]:02d}:00"


def _lead(systems: dict) -> str | None:
    """The system a one-system statement is about: Full BAS when it is in view, else the first that is."""
    return next((s for s in SYSTEMS if systems.get(s)), None)


def when_sentence(week: dict, month_day: dict, due: dict, tz: str) -> str | None:
    """'76% of BAS runs happen in weekday business hours (08:00–18:00 Sydney time); they are busiest on Fridays, and
    the busiest hour of the day is 10:00–11:00; for Full BAS the busiest day of the month is the 21st (1.9× the
    median day of the month); 24% of runs come in the last week before a BAS due date.' None without runs.
    `week` and `month_day` are the claims of those names, `due` is `due_summary`."""
    w = week.get("all")
    if not w:
        return None
    parts = [f"{pct(w['business_hours_share'], 1)} of BAS runs happen in weekday business hours "
             f"({BUSINESS_HOURS_TEXT} {zone_name(tz)}); they are {said.busiest_weekday(w)}, and "
             f"{said.busiest_hour_of_day(w)}"]
    lead = _lead(month_day)
    if lead:
        parts.append(f"for {SYSTEM_LABELS[lead]} {said.busiest_day_of_month(month_day[lead])}")
    if due.get("all"):
        parts.append(f"{pct(due['all']['final_week_share'], 1)} of runs by monthly and quarterly lodgers come in "
                     f"the last week before a BAS due date")
    return "; ".join(parts) + "."


def compare_sentence(common: dict | None, runs: dict[str, int], orgs_both: int) -> str:
    """The share of runs over the months both extracts cover (never over unlike periods) and the organisations that
    used both reports. `runs` is the view's runs per system (to tell a one-system view)."""
    shown = [s for s in SYSTEMS if runs.get(s)]
    if len(shown) < 2:
        only = SYSTEM_LABELS[shown[0]] if shown else "no system"
        return f"Only {only} is in view, so the two systems are not compared."
    share = said.share_sentence(common) or ("The two extracts share no whole month, so their runs are not compared "
                                       "like for like")
    return f"{share}; {plural(orgs_both, 'organisation')} used both reports."


def season_sentence(quarter: dict, busiest: dict | None, provision: str = "") -> str | None:
    """The quarter's peak month of the lead system and which BAS falls due then, and the busiest month (both
    systems); `provision` (a phrase such as 'provision for 7 concurrent Full BAS runs …') ends it when given, else it
    says where capacity is sized. `quarter` is the claim of that name; `busiest` is the busiest month (both)."""
    lead = _lead(quarter)
    parts = []
    if lead and quarter[lead]["factor"] > 1:
        due = said.month_of_quarter_due(quarter[lead]["month_of_quarter"]).split(";")[0]
        parts.append(f"{SYSTEM_LABELS[lead]} load follows the BAS quarter: {said.quarter_phrase(quarter[lead])}"
                     + (f", {due}" if due else ""))
    if busiest:
        parts.append(f"the busiest month was {fmt_month(busiest['month'])} with {plural(busiest['runs'], 'run')}")
    if not parts:
        return None
    end = provision or ("size compute for those months and the week before each due date (the chapter "
                        "*Seasonality and capacity* gives the concurrent runs to provision)")
    return "; ".join(parts) + f"; {end}."


def window_sentence(windows: dict[str, dict | None]) -> str | None:
    """'Full BAS on day 12, 02:00–04:00 Sydney time (0.50 runs a month on average); Simple BAS on …', from the
    recommended window per system (facts.outage_windows: day, start, end, runs_per_occurrence)."""
    parts = [f"{SYSTEM_LABELS[s]} on {window_name(w['day'], w['start'], w['end'])} Sydney time "
             f"({number(w['runs_per_occurrence'])} runs a month on average)"
             for s in SYSTEMS if (w := windows.get(s))]
    if not parts:
        return None
    return "Schedule the outage for " + "; ".join(parts) + "."


def executive_summary(claims, due: dict, facts: dict, runs: dict[str, int], tz: str) -> list[str]:
    """The cover's executive summary: one Markdown line per question of the brief (QUESTIONS), each a bold lead and
    one sentence; a question with nothing to say in this view says so."""
    sentences = {
        "when": when_sentence(claims["week"], claims["month_day"], due, tz),
        "compare": compare_sentence(claims["share"], runs, facts["orgs_both"]),
        "season": season_sentence(claims["quarter"], claims["month"]["all"]),
        "window": window_sentence(facts["outage_window"]),
    }
    nothing = {"when": "No runs in this view.", "season": "Too few runs in this view to read a season.",
               "window": "No system has a whole window occurrence in this period, so no window is recommended."}
    return [f"**{QUESTIONS[q]}.** {sentences[q] or nothing[q]}" for q in QUESTIONS]


def who_sentence(facts: dict) -> str | None:
    """'4,838 users ran a report; 424 (8.8%) ran reports for more than one organisation; the most common plan is
    Standard (366 organisations).'"""
    if not facts.get("users_either"):
        return None
    text = (f"**{fmt_int(facts['users_either'])} users** ran a report; {fmt_int(facts['users_multi_org'])} "
            f"({pct(facts['users_multi_org'], facts['users_either'])}) ran reports for more than one organisation")
    if facts.get("plans"):
        top = facts["plans"][0]
        text += (f"; the most common plan among organisations using BAS is **{md_escape(top['plan'])}** "
                 f"({plural(top['orgs'], 'organisation')})")
    return text + "."
