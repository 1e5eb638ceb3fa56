"""Chapter 2: Full BAS vs Simple BAS — activity over time, who uses which report, moves between them, intensity of
use, re-runs, and the orgs' plans, tax periods and channels."""
import streamlit as st

from basstory import ui
from basstory.analyses import comparison as analyses
from basstory.analyses import interaction as interaction_analyses
from basstory.charts import comparison as charts
from basstory.charts.interaction import org_split_chart
from basstory.narrative import comparison as narrative
from basstory.narrative.interaction import split_title

PAGE = "pages/comparison.py"
filters = ui.story_filters()

totals = ui.compute(analyses.activity_totals, filters)
usage_split = ui.compute(analyses.system_usage_split, filters)
usage = analyses.usage_summary(usage_split)
ui.headline("Full BAS vs Simple BAS", narrative.comparison_finding(totals, usage))
runs = ui.scope_banner(filters)


if not ui.nothing_to_show(runs, filters):
    st.subheader("Activity over time")
    left, right = st.columns([2, 1])
    metric = left.segmented_control("Measure", analyses.METRICS, default="runs", required=True, key="cmp_metric",
                                    format_func=analyses.METRIC_LABELS.get) or "runs"
    grain = right.segmented_control("Per", analyses.GRAINS, default="month", required=True, key="cmp_grain",
                                    format_func=str.capitalize) or "month"
    activity = ui.compute(analyses.activity_over_time, filters, grain)
    title = narrative.activity_title(analyses.activity_summary(activity, metric), metric, grain)
    ui.chart_or_note(lambda: charts.activity_chart(activity, metric, grain, *title), activity, "cmp_activity")

    st.subheader("One report, the other, or both")
    ui.chart_or_note(lambda: charts.usage_split_chart(usage_split, *narrative.usage_split_title(usage)), usage_split, "cmp_usage")
    by_quarter = ui.compute(analyses.usage_by_quarter, filters)
    take_up = ui.compute(analyses.system_take_up, filters)
    quarters = analyses.quarter_summary(by_quarter, take_up)
    ui.chart_or_note(lambda: charts.quarter_usage_chart(by_quarter, *narrative.quarter_usage_title(quarters)), by_quarter,
         "cmp_quarters")
    title = narrative.take_up_title(quarters)
    ui.chart_or_note(lambda: charts.take_up_chart(take_up, *title), take_up, "cmp_take_up", title.text + ".")

    st.subheader("How much each user and org runs")
    per_entity = ui.compute(analyses.runs_per_entity, filters)
    per_entity_summary = ui.compute(analyses.runs_per_entity_summary, filters)
    ui.chart_or_note(lambda: charts.runs_per_entity_chart(per_entity, *narrative.runs_per_entity_title(per_entity_summary)),
         per_entity, "cmp_per_entity")
    st.markdown(narrative.runs_per_entity_sentence(per_entity_summary))
    repeats = ui.compute(interaction_analyses.repeat_runs, filters)
    repeat_rates = interaction_analyses.repeat_runs_frame(repeats)
    ui.chart_or_note(lambda: charts.repeat_rate_chart(repeat_rates, *narrative.repeat_rate_title(repeats)), repeat_rates,
         "cmp_repeats")

    st.subheader("Which organisations use each report")
    splits = (("plan_family", "Plan family"), ("tax_period", "Sales tax period"), ("channel_type", "Channel type"))
    for tab, (attribute, what) in zip(st.tabs([what for _, what in splits]), splits):
        split = ui.compute(interaction_analyses.split_by_org_attribute, filters, attribute)
        title = split_title(interaction_analyses.split_summary(split), what.lower())
        with tab:
            ui.chart_or_note(lambda: org_split_chart(split, *title, what), split, f"cmp_{attribute}")

    st.subheader("The most popular plans")
    plans = ui.compute(analyses.plan_popularity, filters)
    ui.chart_or_note(lambda: charts.plans_chart(plans, *narrative.plans_title(ui.compute(analyses.plan_summary, filters))),
         plans, "cmp_plans")
ui.page_footer(PAGE)
