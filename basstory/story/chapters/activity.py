"""Active users and organisations: monthly active users and organisations per system, and the organisations that
arrive, come back and go dormant quarter by quarter."""
from __future__ import annotations

import duckdb

from basstory.analyses import activity
from basstory.analyses.dataset import extract_spans
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, fmt_month_short
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Bullets, Column, Heading, Metric, Metrics, Table, Text, chart_or_note
from basstory.story.chapters.common import opening
from basstory.story.charts import activity as charts
from basstory.story.narrative import activity as narrative

TITLE = "Active users and organisations"
MONTHLY_COLUMNS = {"month": Column("Month", "text"), "system": Column("System", "text"),
                   "users": Column("Active users"), "orgs": Column("Active organisations"), "runs": Column("Runs"),
                   "complete": Column("Whole month", "text")}
FLOW_COLUMNS = {"system": Column("System", "text"), "label": Column("Quarter", "text"),
                "active": Column("Active"), "new": Column("New"), "returning": Column("Returning"),
                "back": Column("Back after a break"), "dormant": Column("Went dormant")}
SYSTEM_NAMES = {**SYSTEM_LABELS, activity.EITHER: "Either system"}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The finding, the latest month's cards, monthly active users and organisations, and the quarterly flows
    with their words defined."""
    summary = activity.activity_summary(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.activity_finding(summary))
    if runs is None:
        return blocks
    cards = [Metric(f"{SYSTEM_LABELS[s]}: active users", fmt_int(summary[s]["users"]),
                    f"{fmt_int(summary[s]['orgs'])} organisations · {fmt_month_short(summary[s]['latest_month'])}",
                    help="Distinct users with at least one run in the system's last whole month in this view.")
             for s in SYSTEMS if s in summary]
    if activity.EITHER in summary and len(cards) > 1:
        e = summary[activity.EITHER]
        cards.append(Metric("Either system: active users", fmt_int(e["users"]),
                            f"{fmt_int(e['orgs'])} organisations · {fmt_month_short(e['latest_month'])}",
                            help="The last month both extracts cover wholly; a user of both systems counts once."))
    spans = extract_spans(con, filters)
    monthly = activity.monthly_active(con, filters)
    whole = monthly[monthly["complete"] & (monthly["system"] != activity.EITHER)]
    flows = activity.org_flows(con, filters)
    blocks += [*([Metrics(tuple(cards))] if cards else []), Heading("Monthly active users and organisations")]
    for system in SYSTEMS:
        if system in filters.systems:
            one = whole[whole["system"] == system]
            blocks.append(chart_or_note(
                f"act_{system}", one, lambda system=system: charts.monthly_active_chart(
                    monthly, system, *narrative.monthly_title(monthly, system), spans),
                f"{SYSTEM_LABELS[system]}: no whole month of runs in this view."))
    blocks += [Heading("New, returning and dormant organisations"),
               Bullets(narrative.DEFINITIONS),
               chart_or_note("act_flows", flows, lambda: charts.org_flows_chart(flows, *narrative.flows_title(flows)),
                             "Fewer than two quarters of runs in this view: no quarter to compare with the one "
                             "before.")]
    if not flows.empty:
        blocks += [Text(narrative.flows_sentence(flows)),
                   Table("act_flows_table", flows.drop(columns=["quarter", "quarter_start"]).assign(
                       system=flows["system"].map(SYSTEM_NAMES)), FLOW_COLUMNS,
                       collapsed="Organisations per quarter: active, new, returning, back, dormant")]
    blocks.append(Table("act_monthly_table", monthly.drop(columns="month_start").assign(
        system=monthly["system"].map(SYSTEM_NAMES), complete=monthly["complete"].map({True: "yes", False: "no"})),
        MONTHLY_COLUMNS, collapsed="Active users and organisations per month (both systems together too)"))
    return blocks
