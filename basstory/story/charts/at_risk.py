"""The at-risk chapter's charts: one builder a chart, a frame from basstory.analyses.at_risk in, an Altair chart out.
Titles come from basstory.story.narrative.at_risk; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import PERCENT, title_params
from basstory.story.theme import ACCENT_COLOR, MUTED_COLOR

SIGNAL_LABELS = {"missed_points": "Missed lodgements", "falling_points": "Falling activity",
                 "low_usage_points": "Low usage"}
SIGNAL_COLORS = ("#D55E00", "#CC79A7", "#56B4E9")


def at_risk_orgs_chart(scores: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """The at-risk orgs (highest score first) as stacked bars of their score's three signals."""
    data = scores[["shortcode", "plan", "cadence", "silence_days", "runs", "score", *SIGNAL_LABELS]]
    order = list(data["shortcode"])
    long = data.melt(id_vars=["shortcode", "plan", "cadence", "silence_days", "runs", "score"],
                     value_vars=list(SIGNAL_LABELS), var_name="signal", value_name="points")
    long["order"] = long["signal"].map({s: i for i, s in enumerate(SIGNAL_LABELS)})
    long["signal"] = long["signal"].map(SIGNAL_LABELS)
    signals = list(SIGNAL_LABELS.values())
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("shortcode:N", sort=order, title="Org (short code)"),
        x=alt.X("points:Q", title="Risk score (0–100)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("signal:N", title="Signal", sort=signals,
                        scale=alt.Scale(domain=signals, range=list(SIGNAL_COLORS)), legend=alt.Legend(orient="top")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("shortcode:N", title="Org"), alt.Tooltip("plan:N", title="Plan"),
                 alt.Tooltip("cadence:N", title="Cadence its runs show"),
                 alt.Tooltip("silence_days:Q", title="Days since its last run"),
                 alt.Tooltip("runs:Q", title="Runs", format=","), alt.Tooltip("signal:N", title="Signal"),
                 alt.Tooltip("points:Q", title="Points", format=".1f"),
                 alt.Tooltip("score:Q", title="Score", format=".1f")],
    ).properties(height=alt.Step(16), title=title_params(title, subtitle))


def gains_chart(curve: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """The backtest's cumulative gains (`backtest_curve`): the share of later deletions found against the share of
    orgs reviewed in score order, beside the diagonal of a random order."""
    line = alt.Chart(curve).mark_line(color=ACCENT_COLOR, strokeWidth=2.5).encode(
        x=alt.X("reviewed_share:Q", title="Orgs reviewed, highest score first", axis=PERCENT),
        y=alt.Y("found_share:Q", title="Later deletions found", axis=PERCENT),
        tooltip=[alt.Tooltip("reviewed_share:Q", title="Reviewed", format=".1%"),
                 alt.Tooltip("found_share:Q", title="Found", format=".1%")])
    diagonal = alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})).mark_line(
        color=MUTED_COLOR, strokeDash=[4, 3]).encode(x=alt.X("x:Q"), y=alt.Y("y:Q"))
    return alt.layer(diagonal, line).properties(height=280, title=title_params(title, subtitle))


def by_plan_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """At-risk orgs per plan family (`at_risk_by_plan`)."""
    return alt.Chart(df).mark_bar(color=ACCENT_COLOR).encode(
        y=alt.Y("plan_family:N", sort=list(df["plan_family"]), title="Plan family"),
        x=alt.X("orgs:Q", title="At-risk orgs", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("plan_family:N", title="Plan family"), alt.Tooltip("orgs:Q", title="At-risk orgs"),
                 alt.Tooltip("runs:Q", title="Their runs", format=","),
                 alt.Tooltip("share:Q", title="Share of the plan's orgs", format=".1%")],
    ).properties(height=alt.Step(20), title=title_params(title, subtitle))
