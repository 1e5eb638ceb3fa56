"""Sentences from numbers: every sentence the story or the CLI writes about the data is built here."""
from __future__ import annotations

from typing import NamedTuple

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import (
    fmt_int,
    fmt_month,
    fmt_month_short,
    md_escape,
    pct,
    plural,
)
from basstory.query.filters import EXCLUSION_LABELS
from basstory.story.narrative.claims import share_sentence


class ChartTitle(NamedTuple):
    """A chart's title (the finding) and subtitle (what is shown, how it is counted)."""

    text: str
    subtitle: str


#: What the app and the export say when the story shows the bundled sample.
SAMPLE_NOTICE = ("**Synthetic data.** This story is showing the bundled sample: data generated to resemble the case "
                 "study's extracts, not real usage. Its findings illustrate the method; they say nothing about how "
                 "organisations actually use Full BAS and Simple BAS.")


def dataset_notice(name: str, version_id: str, bundled: bool) -> str:
    """The line every page and the export show about the data: for the bundled sample, that it is synthetic; for a
    real extract, its name and version."""
    if bundled:
        return SAMPLE_NOTICE
    return f"Data: extract **{md_escape(name)}** (version {md_escape(version_id)})."


def left_out_sentence(left_out: dict[str, int]) -> str:
    """'1,234 runs left out: 900 org deleted, 334 org not paying.' or 'No runs left out.'"""
    total = sum(left_out.values())
    if not total:
        return "No runs were left out."
    parts = ", ".join(f"{fmt_int(n)} {EXCLUSION_LABELS.get(r, r)}" for r, n in left_out.items())
    return f"{plural(total, 'run')} left out ({parts})."


def window_phrase(window: dict | None) -> str:
    """'day 3 of the month, 01:00–03:00 Sydney time (0.40 runs affected on average)'."""
    if not window:
        return "no complete window in the period"
    expected = window["runs_per_occurrence"]
    impact = ("no runs in any month of the period" if expected == 0
              else f"{expected:.2f} runs affected on average")
    return f"day {window['day']} of the month, {window['start']}–{window['end']} Sydney time ({impact})"


def facts_summary_lines(facts: dict) -> list[str]:
    """The `facts` command's readable summary."""
    lines = [
        f"Organisations in scope (active, paying): {fmt_int(facts['orgs_in_scope'])}",
        f"Runs in scope: Full BAS {fmt_int(facts['fullbas_runs'])}, Simple BAS {fmt_int(facts['simplebas_runs'])}",
        left_out_sentence(facts["left_out"]),
    ]
    busiest = facts["busiest_month"]
    lines.append("Busiest month: " + (f"{fmt_month(busiest['month'])} with {plural(busiest['runs'], 'run')}"
                                      if busiest else "no runs"))
    for system in SYSTEMS:
        b = facts["busiest_month_by_system"][system]
        if b:
            lines.append(f"  {SYSTEM_LABELS[system]}: {fmt_month(b['month'])} with {plural(b['runs'], 'run')}")
    lines += [
        f"Organisations that ran both reports: {fmt_int(facts['orgs_both'])}",
        f"Users of either report: {fmt_int(facts['users_either'])}",
        f"Users who ran reports for more than one organisation: {fmt_int(facts['users_multi_org'])}",
        "Most popular plans (organisations): "
        + ", ".join(f"{p['plan']} {fmt_int(p['orgs'])}" for p in facts["plans"][:5]),
    ]
    for system in SYSTEMS:
        lines.append(f"Outage window, {SYSTEM_LABELS[system]}: {window_phrase(facts['outage_window'][system])}")
    return lines


def coverage_sentence(cov: dict, runs: dict[str, int]) -> str:
    """'The data covers 1 Aug 2016 to 27 Feb 2019: 312,000 runs (…) by 5,100 users of 1,300 organisations.'"""
    if not cov["runs"]:
        return "No runs are in this view."
    parts = " and ".join(f"{fmt_int(runs[s])} {SYSTEM_LABELS[s]}" for s in SYSTEMS if runs.get(s))
    return (f"The data covers **{cov['first_date']:%-d %b %Y} to {cov['last_date']:%-d %b %Y}** (Sydney dates): "
            f"**{fmt_int(cov['runs'])} report runs** ({parts}) by {plural(cov['users'], 'user')} of "
            f"{plural(cov['orgs_with_runs'], 'organisation')}; {fmt_int(cov['orgs_in_scope'])} organisations in the "
            f"org table match the filters.")


def cover_metrics(facts: dict, cov: dict) -> list[dict]:
    """The five key data points as metric cards: label (which names the unit: orgs, users), value, caption (one
    line, every number with its unit: 'Premium 5: 305 orgs') and help (how it is counted), all Markdown with every
    value from the data escaped. Values stay bare numbers so that a large one fits its card."""
    busiest = facts["busiest_month"]
    per_system = facts["busiest_month_by_system"]
    plans = facts["plans"]
    runner_up = ", ".join(f"{md_escape(p['plan'])}: {plural(p['orgs'], 'org')}" for p in plans[1:3])
    return [
        {"label": "Busiest month",
         "value": fmt_month_short(busiest["month"]) if busiest else "–",
         "caption": (f"{plural(busiest['runs'], 'run')}, both systems; "
                     + "; ".join(f"{SYSTEM_LABELS[s]} peaks in {fmt_month(b['month'])}"
                                 for s, b in per_system.items() if b)) if busiest else "No runs",
         "help": "Calendar month in Sydney time with the most report runs, Full BAS and Simple BAS together."},
        {"label": "Orgs using both",
         "value": fmt_int(facts["orgs_both"]),
         "caption": f"{pct(facts['orgs_both'], cov['orgs_with_runs'])} of the {fmt_int(cov['orgs_with_runs'])} "
                    f"organisations with a run",
         "help": "Organisations with at least one Full BAS run and at least one Simple BAS run."},
        {"label": "Users of either",
         "value": fmt_int(facts["users_either"]),
         "caption": "distinct people who ran Full BAS or Simple BAS at least once",
         "help": "Distinct user ids (case-insensitive) with at least one run in either system."},
        {"label": "Multi-org users",
         "value": fmt_int(facts["users_multi_org"]),
         "caption": f"{pct(facts['users_multi_org'], facts['users_either'])} of users ran reports for two or more "
                    f"organisations",
         "help": "Distinct users whose runs, both systems together, touch two or more organisations."},
        {"label": "Top plan",
         "value": md_escape(plans[0]["plan"]) if plans else "–",
         "caption": (f"{plural(plans[0]['orgs'], 'organisation')} using BAS"
                     + (f"; then {runner_up}" if runner_up else "")) if plans else "No organisations",
         "help": "The pricing plan (Xero subscription) of the organisations with at least one run, counted once "
                 "per org."},
    ]


def cover_finding(facts: dict, common: dict | None = None) -> str:
    """The cover's one-sentence finding: how the runs split between the systems over the months both extracts cover
    (like_for_like.common_months; never over unlike periods), and when they peak."""
    full, simple = facts["fullbas_runs"], facts["simplebas_runs"]
    total = full + simple
    if not total:
        return "No report runs match these filters."
    busiest = facts["busiest_month"]
    peak = f"the busiest month was {fmt_month(busiest['month'])} with {plural(busiest['runs'], 'run')}"
    share = share_sentence(common)
    if share:
        return f"{share}; {peak}."
    only = [SYSTEM_LABELS[s] for s, n in (("full", full), ("simple", simple)) if n]
    lead = (f"Only {only[0]} is in view: {plural(total, 'report run')}" if len(only) == 1
            else f"{plural(total, 'report run')}; the two extracts share no whole month, so their totals are not "
                 f"compared")
    return f"{lead}; {peak}."
