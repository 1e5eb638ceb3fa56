"""Chapter 2: Full BAS vs Simple BAS — the finding and the three charts that carry it (activity over time, one
report or both, the most popular plans); quarter-by-quarter use and switching, intensity of use and re-runs, and
the orgs' plan families, tax periods and channels in Details folds."""
from __future__ import annotations

import duckdb

from basstory.analyses import comparison as analyses
from basstory.analyses import interaction as interaction_analyses
from basstory.analyses import like_for_like
from basstory.analyses.claims import story_claims
from basstory.analyses.dataset import extract_spans
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import Block, Columns, Heading, Tabs, Text, chart_or_note, lazy_details
from basstory.story.chapters.common import opening
from basstory.story.charts import comparison as charts
from basstory.story.charts.interaction import org_split_chart
from basstory.story.narrative import comparison as narrative
from basstory.story.narrative.glossary import plain_values
from basstory.story.narrative.interaction import split_title
from basstory.story.narrative.like_for_like import switches_sentence, switches_title
from basstory.story.registry import CMP_GRAIN, CMP_METRIC

TITLE = "Full BAS vs Simple BAS"
#: The page-level choices, declared in the registry.
METRIC, GRAIN = CMP_METRIC, CMP_GRAIN
#: The org attributes the usage is split by, one tab each.
ORG_SPLITS = (("plan_family", "Plan family"), ("tax_period", "Sales tax period"), ("channel_type", "Channel type"))


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters, metric: str = METRIC.default,
          grain: str = GRAIN.default) -> list[Block]:
    prefetch(con, filters, (analyses.activity_over_time, grain), analyses.system_usage_split,
             analyses.plan_popularity)
    totals = analyses.activity_totals(con, filters)
    usage_split = analyses.system_usage_split(con, filters)
    usage = analyses.usage_summary(usage_split)
    blocks, runs = opening(con, filters, TITLE,
                           narrative.comparison_finding(totals, usage, story_claims(con, filters)["share"]))
    if runs is None:
        return blocks

    activity = analyses.activity_over_time(con, filters, grain)
    title = narrative.activity_title(analyses.activity_summary(activity, metric), metric, grain)
    blocks += [Heading("Activity over time"),
               Columns(((METRIC.chosen(metric),), (GRAIN.chosen(grain),)), widths=(2, 1)),
               chart_or_note("cmp_activity", activity, lambda: charts.activity_chart(activity, metric, grain, *title,
                                                                                  extract_spans(con, filters)))]

    usage_title = narrative.usage_split_title(usage)
    blocks += [Heading("One report, the other, or both"),
               chart_or_note("cmp_usage", usage_split, lambda: charts.usage_split_chart(usage_split, *usage_title))]

    plans = analyses.plan_popularity(con, filters)
    plans_title = narrative.plans_title(analyses.plan_summary(con, filters))
    blocks += [Heading("The most popular plans"),
               chart_or_note("cmp_plans", plans, lambda: charts.plans_chart(plans, *plans_title))]
    # what supports the comparison without carrying it, one fold each, built when opened
    return blocks + [
        lazy_details("Details: both reports quarter by quarter, and switching between them", quarters_fold, filters),
        lazy_details("Details: how much each user and org runs", intensity_fold, filters),
        lazy_details("Details: which organisations use each report (plan family, tax period, channel)",
                     org_splits_fold, filters)]


def quarters_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Both reports quarter by quarter, and who switched from one to the other."""
    by_quarter = analyses.usage_by_quarter(con, filters)
    take_up = analyses.system_take_up(con, filters)
    quarters = analyses.quarter_summary(by_quarter, take_up)
    quarter_title = narrative.quarter_usage_title(quarters)
    switches = like_for_like.observed_switches(con, filters)
    take_up_title = switches_title(switches)
    return [chart_or_note("cmp_quarters", by_quarter, lambda: charts.quarter_usage_chart(by_quarter, *quarter_title)),
            chart_or_note("cmp_take_up", take_up, lambda: charts.take_up_chart(take_up, *take_up_title),
                          take_up_title.text + "."),
            Text(switches_sentence(switches, analyses.SWITCH_MARGIN_DAYS))]


def intensity_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """How much each user and org runs, and how often runs repeat."""
    per_entity = analyses.runs_per_entity(con, filters)
    per_entity_summary = analyses.runs_per_entity_summary(con, filters)
    per_entity_title = narrative.runs_per_entity_title(per_entity_summary)
    repeats = interaction_analyses.repeat_runs(con, filters)
    repeat_rates = interaction_analyses.repeat_runs_frame(repeats)
    repeat_title = narrative.repeat_rate_title(repeats)
    return [chart_or_note("cmp_per_entity", per_entity,
                          lambda: charts.runs_per_entity_chart(per_entity, *per_entity_title)),
            Text(narrative.runs_per_entity_sentence(per_entity_summary)),
            chart_or_note("cmp_repeats", repeat_rates, lambda: charts.repeat_rate_chart(repeat_rates, *repeat_title))]


def org_splits_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Which organisations use each report, by plan family, tax period and channel type (one tab each)."""
    tabs = []
    for attribute, what in ORG_SPLITS:
        split = plain_values(interaction_analyses.split_by_org_attribute(con, filters, attribute))
        title = split_title(interaction_analyses.split_summary(split), what.lower())
        chart = chart_or_note(f"cmp_{attribute}", split,
                              lambda split=split, title=title, what=what: org_split_chart(split, *title, what))
        tabs.append((what, (chart,)))
    return [Tabs(tuple(tabs))]
