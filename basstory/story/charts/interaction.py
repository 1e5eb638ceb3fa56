"""Chapter 1's charts: one builder a chart, an aggregated frame (basstory.analyses.interaction) in, an Altair chart
out. Titles come from basstory.story.narrative.interaction; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import WEEKDAYS
from basstory.story.charts.common import (
    PERCENT,
    SYSTEM_ORDER,
    grouped_share_bars,
    in_order,
    system_color,
    title_params,
    with_system_labels,
)
from basstory.story.theme import ACCENT_COLOR, system_ramp_scale


def weekly_heatmap_chart(df: pd.DataFrame, title: str, subtitle: str, zone: str) -> alt.VConcatChart:
    """Weekday × hour heatmap, one panel per system, from `weekly_heatmap`: each panel's cells on a linear scale
    from a light tint to its system's colour (the cell's share of the system's runs, from 0), with its own legend
    in that colour. `zone` names the display zone for the axis ('Sydney time')."""
    data = with_system_labels(df)
    tooltip = [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("weekday_name:N", title="Day"),
               alt.Tooltip("hour:O", title=f"Hour ({zone})"), alt.Tooltip("runs:Q", title="Runs", format=","),
               alt.Tooltip("runs_per_week:Q", title="Runs per week in this hour", format=",.1f"),
               alt.Tooltip("share:Q", title="Share of the system's runs", format=".2%")]
    shown = [s for s in SYSTEMS if s in set(data["system"])]
    panels = [
        alt.Chart(data[data["system"] == system]).mark_rect(stroke="white", strokeWidth=1).encode(
            x=alt.X("hour:O", title=f"Hour of day ({zone})" if system == shown[-1] else None,
                    axis=alt.Axis(labelAngle=0)),
            y=alt.Y("weekday_name:O", sort=list(WEEKDAYS), title=SYSTEM_LABELS[system],
                    axis=alt.Axis(titleFontWeight="bold", titleAngle=0, titleAlign="right", titleBaseline="middle")),
            color=alt.Color("share:Q", title=f"Share of {SYSTEM_LABELS[system]} runs",
                            scale=system_ramp_scale(system, zero=True, nice=False),
                            legend=alt.Legend(format=".1%", orient="right", gradientLength=120, tickCount=4)),
            tooltip=tooltip,
        ).properties(width=800, height=150)
        for system in shown]
    return alt.vconcat(*panels, spacing=14).resolve_scale(color="independent").properties(
        title=title_params(title, subtitle))


def _due_day_rules(marks: pd.DataFrame) -> alt.LayerChart:
    """Dashed rules at the BAS due days (`due_day_marks`) on a quantitative day-of-month axis, labels staggered on
    two lines so that neighbouring days (25th, 26th) stay readable."""
    data = marks.assign(line=[i % 2 for i in range(len(marks))])
    base = alt.Chart(data)
    rules = base.mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3]).encode(
        x=alt.X("day:Q"), tooltip=[alt.Tooltip("label:N", title="BAS due")])
    labels = [base.transform_filter(alt.datum.line == line).mark_text(
        color=ACCENT_COLOR, align="left", dx=3, baseline="top", fontSize=11).encode(
        x=alt.X("day:Q"), y=alt.YValue(4 + 14 * line), text=alt.Text("label:N")) for line in (0, 1)]
    return alt.layer(rules, *labels)


def day_of_month_chart(df: pd.DataFrame, marks: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """Runs by day of the month relative to the system's average day, one line per system, from
    `day_of_month_profile`, with the BAS due days (`due_day_marks`) as dashed rules."""
    data = with_system_labels(df)
    lines = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("day:Q", title="Day of the month (Sydney dates)", scale=alt.Scale(domain=[1, 31], nice=False),
                axis=alt.Axis(values=list(range(1, 32)), labelAngle=0)),
        y=alt.Y("vs_average_day:Q", title="Runs that day ÷ an average day (×)"),
        color=system_color(),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("day:Q", title="Day"),
                 alt.Tooltip("runs_per_day:Q", title="Average runs on this day", format=",.1f"),
                 alt.Tooltip("vs_average_day:Q", title="× an average day", format=".2f"),
                 alt.Tooltip("runs:Q", title="Runs in the period", format=",")],
    )
    chart = lines if marks.empty else alt.layer(lines, _due_day_rules(marks))
    return chart.properties(title=title_params(title, subtitle), height=320)


def weeks_before_due_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.FacetChart:
    """Share of runs by weeks before the next BAS due date, one row per cadence, bars side by side per system, from
    `weeks_before_due`; the due date is at the right of each row."""
    data = with_system_labels(df)
    order = in_order(data, "cadence_label", "cadence")
    weeks = in_order(data, "days_label", "weeks_before", ascending=False)
    return grouped_share_bars(
        data, "days_label", weeks, "Days before the due date, by week (due date on the right)", "share",
        "Share of runs",
        [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("cadence_label:N", title="Orgs"),
         alt.Tooltip("days_label:N", title="Days before due"), alt.Tooltip("runs:Q", title="Runs", format=","),
         alt.Tooltip("share:Q", title="Share of these orgs' runs", format=".1%")],
    ).properties(width=800, height=130).facet(
        row=alt.Row("cadence_label:N", title=None, sort=order, header=alt.Header(labelAngle=0, labelAlign="left",
                                                                               labelAnchor="start", labelOrient="top")),
        title=title_params(title, subtitle),
    )


def session_sizes_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Share of sessions (a run and its re-runs) by runs per session, bars side by side per system, from
    `session_sizes`."""
    data = with_system_labels(df)
    return grouped_share_bars(
        data, "runs_in_session", in_order(data, "runs_in_session", "bucket_order"), "Runs in the session", "share",
        "Share of sessions",
        [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("runs_in_session:N", title="Runs"),
         alt.Tooltip("sessions:Q", title="Sessions", format=","),
         alt.Tooltip("share:Q", title="Share of sessions", format=".1%"),
         alt.Tooltip("runs:Q", title="Runs in these sessions", format=",")],
    ).properties(title=title_params(title, subtitle), height=280)


def statement_lag_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Simple BAS runs by months from the statement period to the run, from `statement_lag`."""
    data = with_system_labels(df.assign(system="simple"))
    order = list(data.sort_values("lag_months")["lag_label"])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("lag_label:O", sort=order, title="Months after the statement period's month",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="Share of Simple BAS runs", axis=PERCENT),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("lag_label:N", title="Months after"), alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(title=title_params(title, subtitle), height=260)


def orgs_per_user_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Share of each system's runs by how many orgs the user ran reports for, from `orgs_per_user`."""
    data = with_system_labels(df)
    return grouped_share_bars(
        data, "orgs_bucket", in_order(data, "orgs_bucket", "bucket_order"), "Organisations the user ran reports for",
        "run_share", "Share of the system's runs",
        [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("orgs_bucket:N", title="Orgs per user"),
         alt.Tooltip("role:N", title="Role"), alt.Tooltip("users:Q", title="Users", format=","),
         alt.Tooltip("user_share:Q", title="Share of users", format=".1%"),
         alt.Tooltip("runs:Q", title="Runs", format=","),
         alt.Tooltip("run_share:Q", title="Share of runs", format=".1%")],
    ).properties(title=title_params(title, subtitle), height=280)


def org_split_chart(df: pd.DataFrame, title: str, subtitle: str, what: str) -> alt.Chart:
    """Share of each system's orgs by one org attribute (`what`, e.g. 'Channel type'), horizontal bars side by side
    per system, from `split_by_org_attribute`; values with the most orgs on top."""
    data = with_system_labels(df)
    order = list(data.groupby("value")["orgs"].sum().sort_values(ascending=False, kind="stable").index)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("value:N", sort=order, title=what),
        yOffset=alt.YOffset("system_label:N", sort=SYSTEM_ORDER),
        x=alt.X("org_share:Q", title="Share of the system's organisations", axis=PERCENT),
        color=system_color(),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("value:N", title=what),
                 alt.Tooltip("orgs:Q", title="Organisations", format=","),
                 alt.Tooltip("org_share:Q", title="Share of the system's orgs", format=".1%"),
                 alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("run_share:Q", title="Share of the system's runs", format=".1%")],
    ).properties(title=title_params(title, subtitle))
