"""The active users and organisations chapter's sentences. Numbers in, sentences out; every number comes from
basstory.analyses.activity."""
from __future__ import annotations

import pandas as pd

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, fmt_month, plural
from basstory.story.narrative.common import ChartTitle

DEFINITIONS = (
    "**Active** in a month or a quarter: ran at least one report in it (an organisation of the org table in scope; "
    "a user is the same person in both systems).",
    "**New** in a quarter: active in it, with no run in that system's extract before it.",
    "**Returning**: active in the quarter and in an earlier one too; **back after a break**: returning, but not active "
    "the quarter just before.",
    "**Went dormant**: active the quarter before, not in this one.",
    "Each system is read on its own extract: only quarters its runs cover wholly, from its second quarter (in the "
    "first, every organisation would be new). So active this quarter = active last quarter − went dormant + new + "
    "back after a break.",
)


def activity_finding(summary: dict) -> str:
    """The chapter's finding: each system's latest whole month and its peak, and the latest quarter's flows."""
    parts = []
    for system in SYSTEMS:
        info = summary.get(system)
        if not info:
            continue
        parts.append(f"{SYSTEM_LABELS[system]} had {fmt_int(info['users'])} active users across "
                     f"{plural(info['orgs'], 'organisation')} in {fmt_month(info['latest_month'])}, its last whole "
                     f"month (peak: {fmt_int(info['peak_users'])} users in {fmt_month(info['peak_month'])})")
    if not parts:
        return "No whole month of runs in this view to count active users and organisations."
    flows = [(s, summary[s]["flows"]) for s in SYSTEMS if s in summary and "flows" in summary[s]]
    tail = ""
    if flows:
        bits = [f"{SYSTEM_LABELS[s]} {fmt_int(q['new'])} new and {fmt_int(q['dormant'])} gone dormant in {q['quarter']}"
                for s, q in flows]
        tail = " Organisations: " + "; ".join(bits) + "."
    return "; ".join(parts) + "." + tail


def monthly_title(monthly: pd.DataFrame, system: str) -> ChartTitle:
    """Title of one system's monthly active chart: its last whole month and its peak by users."""
    whole = monthly[monthly["complete"] & (monthly["system"] == system)]
    name = SYSTEM_LABELS[system]
    if whole.empty:
        return ChartTitle(f"{name}: no whole month in this view", "")
    last = whole.iloc[-1]
    top = whole.sort_values(["users", "month"], ascending=[False, True]).iloc[0]
    text = (f"{name}: {fmt_int(last['users'])} active users and {plural(last['orgs'], 'organisation')} in "
            f"{fmt_month(last['month'])}; the peak, {fmt_int(top['users'])} users, in {fmt_month(top['month'])}")
    subtitle = ("Distinct users (solid) and organisations (dashed) with at least one run in the Sydney calendar "
                "month; whole months of the extract only.")
    return ChartTitle(text, subtitle)


def flows_title(flows: pd.DataFrame) -> ChartTitle:
    """Title of the flows chart: totals of new and dormant organisations over the quarters shown, per system."""
    bits = []
    for system in SYSTEMS:
        one = flows[flows["system"] == system]
        if not one.empty:
            bits.append(f"{SYSTEM_LABELS[system]} gained {fmt_int(one['new'].sum())} new organisations and saw "
                        f"{fmt_int(one['dormant'].sum())} go dormant over {plural(len(one), 'quarter')}")
    text = "; ".join(bits) if bits else "No quarter to compare"
    subtitle = ("Organisations per Sydney calendar quarter: new and back after a break above zero, went dormant below "
                "(active the quarter before, not in this one).")
    return ChartTitle(text, subtitle)


def flows_sentence(flows: pd.DataFrame) -> str:
    """What the flows say, per system: the quarter with most organisations going dormant, and the balance."""
    lines = []
    for system in SYSTEMS:
        one = flows[flows["system"] == system]
        if one.empty:
            continue
        worst = one.sort_values(["dormant", "quarter_start"], ascending=[False, True]).iloc[0]
        balance = int(one["new"].sum() + one["back"].sum() - one["dormant"].sum())
        before = worst["active"] + worst["dormant"] - worst["new"] - worst["back"]
        gone = f"{fmt_int(worst['dormant'])} of the {fmt_int(before)} organisations active the quarter before"
        if len(one) == 1:
            where, span = f"in {worst['label']}, {gone} went dormant", "in that quarter"
        else:
            where = f"the most went dormant in {worst['label']} ({gone})"
            span = f"over the {plural(len(one), 'quarter')} shown"
        if balance == 0:
            net = "arrivals and returns equal departures"
        else:
            net = (f"arrivals and returns {'outnumber' if balance > 0 else 'fall short of'} departures by "
                   f"{fmt_int(abs(balance))}")
        lines.append(f"{SYSTEM_LABELS[system]}: {where}; {span}, {net}.")
    return " ".join(lines)
