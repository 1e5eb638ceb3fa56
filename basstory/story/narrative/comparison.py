"""Chapter 2's sentences: Full BAS vs Simple BAS. Numbers in, sentences out; every number comes from the analyses'
summaries (basstory.analyses.comparison and .interaction) passed in."""
from __future__ import annotations

from datetime import date

from basstory.analyses.comparison import METRIC_LABELS, ROLLING_LABELS
from basstory.analyses.interaction import REPEAT_MINUTES
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, join_words, pct, plural
from basstory.story.narrative.claims import share_sentence
from basstory.story.narrative.common import ChartTitle

METRIC_NOUNS = {"runs": ("run", "runs"), "users": ("user with a run", "users with a run"),
                "orgs": ("org with a run", "orgs with a run")}


def _systems(summary: dict) -> list[str]:
    return [s for s in SYSTEMS if s in summary]


def fmt_period(start: date, grain: str) -> str:
    """A week or month by its first day: 'week of 20 Feb 2017' or 'February 2017'."""
    return f"week of {start:%-d %b %Y}" if grain == "week" else f"{start:%B %Y}"


def comparison_finding(totals: dict, usage: dict, common: dict | None = None) -> str:
    """The chapter's finding, from `activity_totals`, `usage_summary` and the runs over the months both extracts
    cover (like_for_like.common_months)."""
    systems = _systems(totals)
    if not systems:
        return "No report runs match these filters."
    if len(systems) == 1:
        s = systems[0]
        t = totals[s]
        return (f"Only {SYSTEM_LABELS[s]} is in view: {plural(t['runs'], 'run')} by {plural(t['users'], 'user')} "
                f"of {plural(t['orgs'], 'organisation')}.")
    full, simple, both = totals["full"], totals["simple"], usage["orgs"]["both"]
    share = share_sentence(common)
    lead = (f"{share}" if share else
            "The two extracts share no whole month, so their runs are not compared")
    return (f"{lead}. Over each extract's own period Full BAS reaches {plural(full['orgs'], 'organisation')} to "
            f"Simple BAS's {fmt_int(simple['orgs'])}; {fmt_int(both['count'])} ({pct(both['share'], 1)}) use both.")


def activity_title(summary: dict, metric: str, grain: str) -> ChartTitle:
    """Title of the activity-over-time chart, from `activity_summary`."""
    systems = _systems(summary)
    if not systems:
        return ChartTitle("No runs in this view", "")
    one, many = METRIC_NOUNS[metric]
    peaks = "; ".join(f"{SYSTEM_LABELS[s]} peaks in the {fmt_period(summary[s]['peak_period'], grain)} "
                      f"({fmt_int(summary[s]['peak'])})" if grain == "week" else
                      f"{SYSTEM_LABELS[s]} peaks in {fmt_period(summary[s]['peak_period'], grain)} "
                      f"({fmt_int(summary[s]['peak'])})" for s in systems)
    means = ", ".join(f"{SYSTEM_LABELS[s]} {fmt_int(summary[s]['mean'])}" for s in systems)
    return ChartTitle(f"{METRIC_LABELS[metric]} per {grain}: {peaks}",
                      f"Thin line: {many} per {grain} (Sydney dates); thick line: {ROLLING_LABELS[grain]} rolling "
                      f"average. Average per {grain}: {means}.")


def usage_split_title(usage: dict) -> ChartTitle:
    """Title of the one-or-both chart, from `usage_summary`."""
    orgs = usage["orgs"]
    total = sum(v["count"] for v in orgs.values())
    if not total:
        return ChartTitle("No organisations in this view", "")
    users = sum(v["count"] for v in usage["users"].values())
    subtitle = f"{plural(total, 'organisation')} and {plural(users, 'user')} by the reports they ran in the period."
    for only, label in (("full_only", "Full BAS"), ("simple_only", "Simple BAS")):
        if orgs[only]["count"] == total:
            return ChartTitle(f"All {plural(total, 'organisation')} in view used only {label}", subtitle)
    return ChartTitle(f"{pct(orgs['full_only']['share'], 1)} of organisations use only Full BAS, "
                      f"{pct(orgs['simple_only']['share'], 1)} only Simple BAS and "
                      f"{pct(orgs['both']['share'], 1)} both",
                      subtitle)


def quarter_usage_title(quarters: dict) -> ChartTitle:
    """Title of the orgs-per-quarter chart, from `quarter_summary`."""
    peak = quarters["peak_both"]
    subtitle = "Organisations with a run in each quarter (Sydney dates), by the reports they ran that quarter."
    if not peak:
        return ChartTitle("No organisations in this view", "")
    if not peak["both"]:
        return ChartTitle("No organisation used both reports in the same quarter", subtitle)
    return ChartTitle(f"At most {pct(peak['both'], 1)} of organisations with a run used both reports in the same "
                      f"quarter ({fmt_int(peak['both_orgs'])} of {fmt_int(peak['orgs'])} in {peak['quarter_label']})",
                      subtitle)


def runs_per_entity_title(summary: dict) -> ChartTitle:
    """Title of the runs-per-user chart, from `runs_per_entity_summary`."""
    systems = [s for s in _systems(summary) if "user" in summary[s]]
    if not systems:
        return ChartTitle("No users in this view", "")
    parts = [f"{SYSTEM_LABELS[s]} {fmt_int(summary[s]['user']['median'])} "
             f"(the busiest 10% of users ran {fmt_int(summary[s]['user']['p90'])} or more)" for s in systems]
    return ChartTitle(f"Median runs per user in the period: {', '.join(parts)}",
                      "Share of each system's users and orgs by how many reports they ran in the period.")


def runs_per_entity_sentence(summary: dict) -> str:
    """Runs per org as a sentence, from `runs_per_entity_summary`."""
    systems = [s for s in _systems(summary) if "org" in summary[s]]
    if not systems:
        return "No organisations in this view."
    parts = [f"{SYSTEM_LABELS[s]} median {plural(summary[s]['org']['median'], 'run')}, and the busiest 10% ran "
             f"{fmt_int(summary[s]['org']['p90'])} or more (over {plural(summary[s]['org']['count'], 'org')})"
             for s in systems]
    return "Runs per organisation in the period: " + "; ".join(parts) + "."


def repeat_rate_title(repeats: dict) -> ChartTitle:
    """Title of the repeat-rate chart, from `analyses.interaction.repeat_runs`."""
    systems = _systems(repeats)
    if not systems:
        return ChartTitle("No runs in this view", "")
    parts = [f"{SYSTEM_LABELS[s]} {pct(repeats[s]['repeats'], repeats[s]['runs'])}" for s in systems]
    return ChartTitle(f"Re-runs within {REPEAT_MINUTES} minutes: {', '.join(parts)} of runs",
                      f"A re-run: the same user, org and report at most {REPEAT_MINUTES} minutes after the previous "
                      f"run.")


def plans_title(plans: dict) -> ChartTitle:
    """Title of the popular-plans chart, from `plan_summary`."""
    top = plans["plans"]
    if not top:
        return ChartTitle("No organisations in this view", "")
    first = top[0]
    others = [f"{p['plan']}: {plural(p['orgs'], 'org')}" for p in top[1:]]
    then = f"; then {join_words(others)}" if others else ""
    return ChartTitle(f"{first['plan']} is the most popular plan among BAS organisations "
                      f"({plural(first['orgs'], 'org')}, {pct(first['orgs'], plans['orgs'])}){then}",
                      "Organisations with a run, by pricing plan (their Xero subscription), split by the reports "
                      "they used; smaller plans grouped as Other.")
