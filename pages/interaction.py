"""Chapter 1: how and when users interact — the week, the month, the BAS deadline, re-runs, the statement period and
who runs the reports."""
import streamlit as st

from basstory import ui
from basstory.analyses import interaction as analyses
from basstory.charts import interaction as charts
from basstory.narrative import interaction as narrative

PAGE = "pages/interaction.py"
filters = ui.story_filters()
zone = narrative.zone_name(filters.tz)

heatmap = ui.compute(analyses.weekly_heatmap, filters)
week = analyses.week_summary(heatmap)
days_before = ui.compute(analyses.days_before_due, filters)
due = analyses.due_summary(days_before)
ui.headline("How and when users interact", narrative.interaction_finding(week, due, filters.tz))
runs = ui.scope_banner(filters)


if not ui.nothing_to_show(runs, filters):
    st.subheader("When in the week")
    title = narrative.heatmap_title(week, filters.tz)
    ui.chart_or_note(lambda: charts.weekly_heatmap_chart(heatmap, *title, zone), heatmap, "int_heatmap")

    st.subheader("When in the month")
    profile = ui.compute(analyses.day_of_month_profile, filters)
    marks = ui.compute(analyses.due_day_marks, filters)
    title = narrative.day_of_month_title(analyses.month_summary(profile), list(marks["label"]))
    ui.chart_or_note(lambda: charts.day_of_month_chart(profile, marks, *title), profile, "int_month")

    st.subheader("How close to the due date")
    before = analyses.weeks_before_due(days_before)
    title = narrative.days_before_due_title(due)
    ui.chart_or_note(lambda: charts.weeks_before_due_chart(before, *title), before, "int_due",
         "No runs of monthly or quarterly lodgers in this view.")
    st.caption("The due date that applies to a run is the next one for its org's cadence: monthly lodgers the 21st "
               "of the next month; practice-managed quarterly orgs the agent dates (25 Nov, 28 Feb, 26 May, "
               "25 Aug); other quarterly orgs the 28th (28 Oct, 28 Feb, 28 Apr, 28 Jul); moved to the next business "
               "day. Annual lodgers are left out.")

    st.subheader("Re-runs")
    repeats = ui.compute(analyses.repeat_runs, filters)
    sessions = ui.compute(analyses.session_sizes, filters)
    ui.chart_or_note(lambda: charts.session_sizes_chart(sessions, *narrative.repeat_title(repeats)), sessions, "int_sessions")
    st.markdown(narrative.repeat_sentence(repeats))

    st.subheader("Simple BAS: which period a run is for")
    lags = ui.compute(analyses.statement_lag, filters)
    title = narrative.statement_lag_title(analyses.statement_lag_summary(lags))
    ui.chart_or_note(lambda: charts.statement_lag_chart(lags, *title), lags, "int_lag",
         "No Simple BAS runs with a statement period in this view.")

    st.subheader("Who runs the reports")
    roles = ui.compute(analyses.user_roles, filters)
    per_user = ui.compute(analyses.orgs_per_user, filters)
    ui.chart_or_note(lambda: charts.orgs_per_user_chart(per_user, *narrative.who_runs_title(roles)), per_user, "int_users")
    st.markdown(narrative.who_runs_sentence(roles))
    channels = ui.compute(analyses.split_by_org_attribute, filters, "channel_type")
    title = narrative.split_title(analyses.split_summary(channels), "channel type")
    ui.chart_or_note(lambda: charts.org_split_chart(channels, *title, "Channel type"), channels, "int_channel_type")
    managed = ui.compute(analyses.split_by_org_attribute, filters, "managed_by_practice")
    title = narrative.managed_title(analyses.split_summary(managed))
    ui.chart_or_note(lambda: charts.org_split_chart(managed, *title, "Practice management"), managed, "int_managed")
ui.page_footer(PAGE)
