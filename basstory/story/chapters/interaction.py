"""Chapter 1: how and when users interact — the finding and the three charts that carry it (the week, the month,
the BAS deadline); re-runs, the Simple BAS statement period and who runs the reports in Details folds."""
from __future__ import annotations

import duckdb

from basstory.analyses import interaction as analyses
from basstory.analyses.claims import story_claims
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Details, Heading, Text, chart_or_note, lazy_details
from basstory.story.chapters.common import opening
from basstory.story.charts import interaction as charts
from basstory.story.narrative import interaction as narrative
from basstory.story.narrative.glossary import plain_values

TITLE = "How and when users interact"
DUE_DATES_NOTE = ("The due date that applies to a run is the next one for its org's cadence: monthly lodgers the 21st "
                  "of the next month; quarterly orgs managed by a practice the dates for BAS lodged through an "
                  "agent (25 Nov, 28 Feb, 26 May, 25 Aug); other quarterly orgs the 28th (28 Oct, 28 Feb, 28 Apr, "
                  "28 Jul); moved to the next business day. Annual lodgers are left out.")


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    zone = narrative.zone_name(filters.tz)
    heatmap = analyses.weekly_heatmap(con, filters)
    claims = story_claims(con, filters)
    week = claims["week"]
    days_before = analyses.days_before_due(con, filters)
    due = analyses.due_summary(days_before)
    blocks, runs = opening(con, filters, TITLE, narrative.interaction_finding(week, due, filters.tz))
    if runs is None:
        return blocks

    title = narrative.heatmap_title(week, filters.tz)
    blocks += [Heading("When in the week"),
               chart_or_note("int_heatmap", heatmap, lambda: charts.weekly_heatmap_chart(heatmap, *title, zone))]

    profile = analyses.day_of_month_profile(con, filters)
    marks = analyses.due_day_marks(con, filters)
    title = narrative.day_of_month_title(claims["month_day"], list(marks["label"]))
    blocks += [Heading("When in the month"),
               chart_or_note("int_month", profile, lambda: charts.day_of_month_chart(profile, marks, *title))]

    before = analyses.weeks_before_due(days_before)
    title = narrative.days_before_due_title(due)
    blocks += [Heading("How close to the due date"),
               chart_or_note("int_due", before, lambda: charts.weeks_before_due_chart(before, *title),
                             "No runs of monthly or quarterly lodgers in this view."),
               Details("Details: which due date a run counts against", (Text(DUE_DATES_NOTE),))]
    # what supports the finding without carrying it, one fold each, built when opened
    return blocks + [lazy_details("Details: re-runs", reruns_fold, filters),
                     lazy_details("Details: Simple BAS, which period a run is for", statement_lag_fold, filters),
                     lazy_details("Details: who runs the reports", who_fold, filters)]


def reruns_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Re-runs: the sizes of sessions of runs, and how often a run repeats one just before."""
    repeats = analyses.repeat_runs(con, filters)
    sessions = analyses.session_sizes(con, filters)
    title = narrative.repeat_title(repeats)
    return [chart_or_note("int_sessions", sessions, lambda: charts.session_sizes_chart(sessions, *title)),
            Text(narrative.repeat_sentence(repeats))]


def statement_lag_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Simple BAS: which statement period a run is for."""
    lags = analyses.statement_lag(con, filters)
    title = narrative.statement_lag_title(analyses.statement_lag_summary(lags))
    return [chart_or_note("int_lag", lags, lambda: charts.statement_lag_chart(lags, *title),
                          "No Simple BAS runs with a statement period in this view.")]


def who_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Who runs the reports: orgs per user and the roles, channel type and practice management."""
    roles = analyses.user_roles(con, filters)
    per_user = analyses.orgs_per_user(con, filters)
    title = narrative.who_runs_title(roles)
    channels = plain_values(analyses.split_by_org_attribute(con, filters, "channel_type"))
    channel_title = narrative.split_title(analyses.split_summary(channels), "channel type")
    managed = analyses.split_by_org_attribute(con, filters, "managed_by_practice")
    managed_title = narrative.managed_title(analyses.split_summary(managed))
    return [chart_or_note("int_users", per_user, lambda: charts.orgs_per_user_chart(per_user, *title)),
            Text(narrative.who_runs_sentence(roles)),
            chart_or_note("int_channel_type", channels,
                          lambda: charts.org_split_chart(channels, *channel_title, "Channel type")),
            chart_or_note("int_managed", managed,
                          lambda: charts.org_split_chart(managed, *managed_title, "Practice management"))]
