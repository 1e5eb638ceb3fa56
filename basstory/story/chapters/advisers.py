"""Advisers: the users who run reports for many orgs, the orgs they cover, how their timing differs from owners',
and what the recommended outage windows would cost them."""
from __future__ import annotations

import duckdb

from basstory.analyses import advisers as analyses
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import Block, Bullets, Heading, Note, Text, chart_or_note, lazy_details
from basstory.story.chapters.common import opening
from basstory.story.charts import advisers as charts
from basstory.story.narrative import advisers as narrative

TITLE = "Advisers"


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    prefetch(con, filters, analyses.timing_by_role, analyses.orgs_per_adviser)    # beside the advisers' summary
    summary = analyses.adviser_summary(con, filters)
    timing = analyses.timing_by_role(con, filters)
    timing_summary = analyses.timing_summary(timing)
    blocks, runs = opening(con, filters, TITLE, narrative.finding(summary, timing_summary))
    if runs is None:
        return blocks
    per = analyses.orgs_per_adviser(con, filters)
    blocks += [Heading("How many orgs an adviser runs"),
               chart_or_note("adv_orgs", per, lambda: charts.orgs_per_adviser_chart(
                   per, *narrative.orgs_per_adviser_title(summary)), "No adviser in this view.")]
    weeks = analyses.weeks_by_role(timing)
    blocks += [Heading("When advisers run BAS"),
               chart_or_note("adv_timing", weeks, lambda: charts.weeks_by_role_chart(
                   weeks, *narrative.timing_title(timing_summary), analyses.WEEKS_SHOWN - 1),
                   "No runs of monthly or quarterly lodgers in this view."),
               lazy_details("Details: batches of orgs near the agent due dates", batches_fold, filters),
               lazy_details("Details: what the recommended outage windows would cost advisers", outage_fold,
                            filters)]
    return blocks


def batches_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Advisers' batch days (several orgs in one day) and how near the agent due dates they fall."""
    return [Text(narrative.batch_sentence(analyses.batch_days(con, filters)))]


def outage_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """What each system's recommended window would cost advisers and owners."""
    cost = analyses.outage_cost(con, filters)
    blocks: list[Block] = []
    if len(cost) and not (cost["adviser_runs_mean"] + cost["owner_runs_mean"]).any():
        # nothing to draw: every occurrence of every recommended window was empty
        blocks.append(Note(narrative.outage_title(cost).text + ": no run at all fell in any of their occurrences.",
                           tone="success", icon=":material/check_circle:"))
    else:
        blocks.append(chart_or_note("adv_outage", cost, lambda: charts.outage_cost_chart(
            cost, *narrative.outage_title(cost)), "No system has a complete window occurrence in this view."))
    return blocks + [Bullets(narrative.outage_bullets(cost))]
