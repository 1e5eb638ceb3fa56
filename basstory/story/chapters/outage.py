"""Chapter 4: the outage window — the cost of every two-hour window of the month per system, the five best with
the users and organisations they touch, their times in UTC and the chosen zone, and whether the measure matters."""
from __future__ import annotations

import duckdb

from basstory.analyses import like_for_like, outage_impact
from basstory.analyses.claims import story_claims
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Caption, Chart, Columns, Details, Heading, Note, Table, Text, lazy_details
from basstory.story.chapters.common import opening
from basstory.story.charts import outage as charts
from basstory.story.narrative import outage as narrative
from basstory.story.narrative.like_for_like import shared_window_sentence
from basstory.story.registry import OUTAGE_METRIC, OUTAGE_SYSTEM

TITLE = "The outage window"
#: The page-level choices, declared in the registry.
SYSTEM, METRIC = OUTAGE_SYSTEM, OUTAGE_METRIC


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters, system: str | None = None,
          metric: str = METRIC.default) -> list[Block]:
    """`system` None: the first system in the filters (what the export shows)."""
    if system is None:
        system = next((s for s in SYSTEMS if s in filters.systems), SYSTEM.default)
    best = {s: outage_impact.best_windows(con, filters, s) for s in SYSTEMS if s in filters.systems}
    blocks, runs = opening(con, filters, TITLE, narrative.outage_finding(best))
    if runs is None:
        return blocks

    shared = shared_window_sentence(like_for_like.shared_window(con, filters))
    blocks += [*([Text(shared)] if shared else []),
               Columns(((SYSTEM.chosen(system),), (METRIC.chosen(metric),))),
               Details("Details: how the windows are scored", (Text(narrative.method_text()),))]
    if metric not in outage_impact.available_metrics(system):
        blocks.append(Note(f"{SYSTEM_LABELS[system]} records no runtime, so its windows are measured by runs here."))
        metric = "runs"
    if system not in filters.systems:
        return [*blocks, Note(f"{SYSTEM_LABELS[system]} is not selected in the sidebar.")]
    metrics = outage_impact.window_metrics(con, filters, system, distinct=metric in outage_impact.DISTINCT_METRICS)
    if metrics.empty:
        return [*blocks, Note(f"No whole two-hour window of {SYSTEM_LABELS[system]} fits in this period: widen the "
                              f"dates.")]
    costliest = (story_claims(con, filters)["windows"].get(system) or {}).get("costliest")
    heatmap = charts.window_heatmap_chart(metrics, system, metric, outage_impact.METRICS[metric],
                                          *narrative.heatmap_title(system, metrics, metric, costliest))
    top = best[system]
    return [
        *blocks,
        Chart("out_heatmap", heatmap, metrics),
        Heading(f"The five best windows for {SYSTEM_LABELS[system]}"),
        Text(narrative.best_windows_sentence(top)),
        Table("out_best", narrative.best_windows_display(top, filters.tz)),
        Caption(narrative.times_note(filters.tz)),
        lazy_details("Details: does measuring by users, organisations or compute-seconds change the choice?",
                     metric_choice_fold, filters, system),
    ]


def metric_choice_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters, system: str) -> list[Block]:
    """The window each measure would recommend for `system`, and whether it is the default method's."""
    choices = outage_impact.choice_by_metric(outage_impact.window_metrics(con, filters, system))
    return [Text(narrative.metric_choice_sentence(choices)),
            Table("out_choice", narrative.metric_choice_display(choices))]
