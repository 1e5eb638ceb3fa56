"""Org segments by behaviour: each org of the view by lodging cadence (inferred, against its declared tax period),
who runs it, which system and how intensely; each segment with its size and share of runs and compute."""
from __future__ import annotations

import duckdb

from basstory.analyses import segments as analyses
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Bullets, Column, Details, Heading, Table, Tabs, chart_or_note
from basstory.story.chapters.common import opening
from basstory.story.charts import segments as charts
from basstory.story.narrative import segments as narrative

TITLE = "Org segments by behaviour"
TABLE_COLUMNS = {
    "dimension": Column("Split by", "text"), "label": Column("Segment", "text"), "orgs": Column("Orgs", format="%d"),
    "org_share": Column("Share of orgs", format="percent"), "runs": Column("Runs", format="%d"),
    "run_share": Column("Share of runs", format="percent"), "compute_s": Column("Compute (s)", format="%.0f"),
    "compute_share": Column("Share of compute", format="percent"),
    "runs_per_org": Column("Runs per org", format="%.1f"), "rerun_rate": Column("Re-run rate", format="percent"),
}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    orgs = analyses.classified_orgs(con, filters)
    sizes = analyses.all_segments(orgs)
    mism = analyses.mismatches(orgs)
    blocks, runs = opening(con, filters, TITLE, narrative.finding(orgs, sizes, mism))
    if runs is None or orgs.empty:
        return blocks
    table = analyses.cadence_vs_declared(orgs)
    blocks += [Heading("Lodging cadence: declared against what the runs show"),
               chart_or_note("seg_declared", table,
                             lambda: charts.cadence_chart(table, *narrative.cadence_title(mism)))]
    tabs = []
    for dimension, (_, label, _) in analyses.DIMENSIONS.items():
        part = sizes[sizes["dimension"] == dimension].reset_index(drop=True)
        tabs.append((label, (
            chart_or_note(f"seg_{dimension}", part,
                          lambda part=part, d=dimension: charts.segment_shares_chart(
                              part, *narrative.dimension_title(sizes, d))),
            Bullets(tuple(narrative.segment_sentence(r) for r in part.to_dict("records") if r["orgs"])))))
    blocks += [Heading("Each segment's size and weight"), Tabs(tuple(tabs))]
    switches = analyses.switches_by_quarter(orgs)
    blocks += [Heading("Orgs that switched system"),
               chart_or_note("seg_switches", switches,
                             lambda: charts.switches_chart(switches, *narrative.switches_title(switches)),
                             "No org switched from one system to the other in this view.")]
    return blocks + [Details("Details: every segment in one table",
                             (Table("seg_table", sizes.drop(columns=["segment"]), TABLE_COLUMNS),)),
                     Details("Details: how the segments are made", (Bullets(narrative.method_bullets()),))]
