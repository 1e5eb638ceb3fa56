"""Dormant, cancelled and at risk: orgs whose expected lodgement has not appeared, with a stated risk score and its
backtest against the later deletions in the data."""
from __future__ import annotations

import duckdb

from basstory.analyses import at_risk as analyses
from basstory.query.filters import StoryFilters
from basstory.story.blocks import (
    Block,
    Bullets,
    Caption,
    Column,
    Details,
    Heading,
    Metric,
    Metrics,
    Note,
    Table,
    chart_or_note,
    lazy_details,
)
from basstory.story.chapters.common import opening
from basstory.story.charts import at_risk as charts
from basstory.story.narrative import at_risk as narrative
from basstory.story.narrative.common import fmt_int, pct

TITLE = "Dormant, cancelled and at risk"
#: At most this many at-risk orgs in the chart (the table lists all).
CHART_ORGS = 25
#: The highest-scoring at-risk orgs listed with a link to their page.
LINKED_ORGS = 10
LIST_COLUMNS = {"shortcode": Column("Org", "text"), "plan": Column("Plan", "text"),
                "tax_period": Column("Tax period", "text"), "cadence": Column("Cadence its runs show", "text"),
                "last_run": Column("Last run", "datetime", "D MMM YYYY"),
                "silence_days": Column("Days silent", format="%d"), "missed": Column("Lodgements missed", format="%d"),
                "runs": Column("Runs", format="%d"), "score": Column("Risk score", format="%.1f")}
SCOPE_NOTE = ("This chapter also reads deleted and suspended orgs, outside the story's scope: to count them apart "
              "(they are cancelled, never low usage) and to backtest the risk score on the orgs deleted later.")


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    s = analyses.status_summary(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.finding(s))
    if runs is None:
        return blocks
    blocks += [Note(SCOPE_NOTE),
               Metrics((Metric("At risk", fmt_int(s["at_risk"]), f"{pct(s['at_risk_share'], 1)} of orgs with runs"),
                        Metric("Stopped", fmt_int(s["stopped"]),
                               f"of them, {analyses.DORMANT_MISSED}+ lodgements missed: dormant"),
                        Metric("Never ran BAS", fmt_int(s["dormant"]), "in the view's orgs"),
                        Metric("Deleted", fmt_int(s["cancelled"]["Deleted"]), "cancelled: counted apart"),
                        Metric("Suspended", fmt_int(s["cancelled"]["Suspended"]), "cancelled: counted apart")))]
    scores = analyses.current_scores(con, filters)
    risky = scores.loc[scores["at_risk"].astype(bool)].reset_index(drop=True)
    shown = risky.head(CHART_ORGS)
    blocks += [Heading("The orgs at risk"),
               chart_or_note("risk_orgs", shown, lambda: charts.at_risk_orgs_chart(
                   shown, *narrative.list_title(len(risky), len(shown))),
                   "No org of this view has missed a lodgement."),
               Table("risk_list", risky[list(LIST_COLUMNS)], LIST_COLUMNS, collapsed="Every at-risk org")]
    if len(risky):
        blocks += [Caption(f"Open an org's page (the {min(LINKED_ORGS, len(risky))} highest scores):"),
                   Bullets(narrative.link_items(risky, LINKED_ORGS), ordered=True)]
    plans = analyses.at_risk_by_plan(scores)
    blocks += [chart_or_note("risk_plans", plans, lambda: charts.by_plan_chart(plans, *narrative.plans_title(plans)),
                             "No org of this view is at risk.")]
    return blocks + [lazy_details("Details: how well the score would have predicted cancellations (backtest)",
                                  backtest_fold, filters),
                     Details("Details: how orgs are judged and scored", (Bullets(narrative.method_bullets()),))]


def backtest_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The risk score scored as of an earlier cut-off against the orgs deleted after it."""
    b = analyses.backtest(con, filters)
    if b is None or b["auc"] is None:
        return [Note("Too little history before the data ends, or no later deletion, to backtest the score.")]
    curve = analyses.backtest_curve(con, filters)
    return [chart_or_note("risk_gains", curve, lambda: charts.gains_chart(curve, *narrative.gains_title(b))),
            Bullets(narrative.backtest_bullets(b))]
