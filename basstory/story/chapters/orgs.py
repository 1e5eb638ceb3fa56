"""The most and least active orgs: the top and bottom ten by runs or compute, per system (the page's measure) and
per plan, each linking to its org page (pages/org.py)."""
from __future__ import annotations

import duckdb

from basstory.analyses import orgs as analyses
from basstory.analyses.segments import classified_orgs
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Bullets, Caption, Column, Columns, Details, Heading, Table, chart_or_note
from basstory.story.chapters.common import opening
from basstory.story.charts import orgs as charts
from basstory.story.narrative import orgs as narrative
from basstory.story.registry import ORGS_MEASURE

TITLE = "Most and least active orgs"


def plan_columns(unit: str) -> dict[str, Column]:
    """The per-plan table's columns, values in `unit` (runs as whole numbers, minutes to one decimal)."""
    number = "%.1f" if unit == "minutes" else "%d"
    return {"plan": Column("Plan", "text"), "orgs": Column("Orgs", format="%d"),
            "total": Column(f"Total ({unit})", format=number), "median": Column("Median per org", format="%.1f"),
            "most_org": Column("Most active org", "text"), "most_value": Column(f"Its {unit}", format=number),
            "least_org": Column("Least active org", "text"), "least_value": Column(f"Its {unit}", format=number)}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters, measure: str = ORGS_MEASURE.default) -> list[Block]:
    orgs = classified_orgs(con, filters)
    ranking = analyses.ranking(orgs, measure)
    conc = analyses.concentration(orgs, measure)
    top = ranking[ranking["end"] == "most"]
    finding = narrative.finding(conc, measure, top["shortcode"].iloc[0] if len(top) else None,
                                float(top["value"].iloc[0]) if len(top) else 0.0)
    blocks, runs = opening(con, filters, TITLE, finding)
    if runs is None:
        return blocks
    blocks.append(ORGS_MEASURE.chosen(measure))
    _, label, unit = analyses.MEASURES[measure]
    system = analyses.MEASURE_SYSTEM[measure]
    value_title = f"{label} ({unit})"
    fmt = ",.1f" if unit == "minutes" else ","
    for end, heading in (("most", "Most active"), ("least", "Least active")):
        blocks += [Heading(heading),
                   Columns(((chart_or_note(f"orgs_{end}", ranking[ranking["end"] == end], lambda end=end:
                                           charts.ranking_chart(ranking, end,
                                                                *narrative.ranking_title(ranking, end, measure),
                                                                value_title, system, fmt),
                                           "No org has any of this measure in this view."),),
                            (Caption("Open an org's page:"),
                             Bullets(narrative.link_items(ranking, end, measure), ordered=True))),
                           widths=(3, 2))]
    plans = analyses.by_plan(orgs, measure)
    blocks += [Heading("Per plan"),
               Caption(f"{label} per plan, with each plan's most and least active org; the sidebar's plan filter "
                       "narrows the lists above to one plan."),
               Table("orgs_plans", plans, plan_columns(unit))]
    return blocks + [Details("Details: how orgs are ranked", (Bullets((
        "Every org in the org table with a kept run in the view is ranked; an org with none of the measure (no "
        "Simple BAS runs, say) is not among the least active. Orgs with no run at all are on the at-risk page.",
        "Compute is the Full BAS runtime summed, in minutes (Simple BAS records no runtime).",
        f"Ties: the org with the smaller id first. {analyses.TOP_N} orgs at each end.")),))]
