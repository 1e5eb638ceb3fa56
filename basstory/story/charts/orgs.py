"""The most and least active orgs, and one org's page: one builder a chart, a frame from basstory.analyses.orgs in,
an Altair chart out. Titles come from basstory.story.narrative.orgs; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import system_color, title_params
from basstory.story.theme import ACCENT_COLOR, BOTH_COLOR, SYSTEM_COLORS


def _colour(system: str) -> str:
    return BOTH_COLOR if system == "both" else SYSTEM_COLORS[system]


def ranking_chart(df: pd.DataFrame, end: str, title: str, subtitle: str, value_title: str, system: str,
                  value_format: str = ",") -> alt.Chart:
    """One end of a `ranking` ('most' or 'least') as horizontal bars, one per org by short code, in the measure's
    system colour (both systems: the colour for both)."""
    data = df[df["end"] == end]
    return alt.Chart(data).mark_bar(color=_colour(system)).encode(
        y=alt.Y("shortcode:N", sort=list(data["shortcode"]), title="Org (short code)"),
        x=alt.X("value:Q", title=value_title, axis=alt.Axis(tickMinStep=1) if value_format == "," else alt.Axis()),
        tooltip=[alt.Tooltip("rank:Q", title="Rank"), alt.Tooltip("shortcode:N", title="Org"),
                 alt.Tooltip("plan:N", title="Plan"), alt.Tooltip("tax_period:N", title="Tax period"),
                 alt.Tooltip("cadence:N", title="Cadence its runs show"),
                 alt.Tooltip("value:Q", title=value_title, format=value_format),
                 alt.Tooltip("share:Q", title="Share of the total", format=".2%")],
    ).properties(height=alt.Step(18), title=title_params(title, subtitle))


def org_weeks_chart(weeks: pd.DataFrame, due: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """One org's runs per week per system (`org_runs_by_week`), with its own due dates as dashed rules."""
    bars = alt.Chart(weeks).mark_bar().encode(
        x=alt.X("week:T", title="Week (Sydney dates)"),
        y=alt.Y("runs:Q", title="Runs per week", stack=True),
        color=system_color(),
        tooltip=[alt.Tooltip("week:T", title="Week of", format="%d %b %Y"),
                 alt.Tooltip("system_label:N", title="System"), alt.Tooltip("runs:Q", title="Runs")],
    )
    layers = [bars]
    if len(due):
        # one dashed rule a due date, named in its tooltip (labels on every monthly date would overlap)
        layers.append(alt.Chart(due).mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3], opacity=0.7).encode(
            x=alt.X("due_date:T"), tooltip=[alt.Tooltip("due_date:T", title="Due", format="%d %b %Y"),
                                            alt.Tooltip("label:N", title="BAS")]))
    return alt.layer(*layers).properties(height=260, title=title_params(title, subtitle))
