"""The advisers chapter's charts: one builder a chart, a frame from basstory.analyses.advisers in, an Altair chart
out. Titles come from basstory.story.narrative.advisers; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import PERCENT, SYSTEM_ORDER, in_order, system_color, title_params, with_system_labels
from basstory.story.theme import BOTH_COLOR, MUTED_COLOR

#: Advisers and owners: not systems, so neither system's colour.
ROLE_COLORS = {"adviser": "#CC79A7", "owner": MUTED_COLOR}


def orgs_per_adviser_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Advisers by how many orgs they ran (`orgs_per_adviser`): bars of advisers, their share of advisers' runs in
    the tooltip."""
    return alt.Chart(df).mark_bar(color=BOTH_COLOR).encode(
        x=alt.X("orgs_bucket:O", sort=in_order(df, "orgs_bucket", "bucket_order"), title="Orgs the adviser ran",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("advisers:Q", title="Advisers"),
        tooltip=[alt.Tooltip("orgs_bucket:O", title="Orgs"), alt.Tooltip("advisers:Q", title="Advisers", format=","),
                 alt.Tooltip("adviser_share:Q", title="Share of advisers", format=".1%"),
                 alt.Tooltip("runs:Q", title="Their runs", format=","),
                 alt.Tooltip("run_share:Q", title="Share of advisers' runs", format=".1%")],
    ).properties(height=240, title=title_params(title, subtitle))


def weeks_by_role_chart(df: pd.DataFrame, title: str, subtitle: str, last_week: int) -> alt.Chart:
    """The share of each role's runs per week before the due date (`weeks_by_role`), advisers beside owners."""
    roles = [label for label in df.drop_duplicates("role").sort_values("role")["role_label"]]
    colors = [ROLE_COLORS[r] for r in sorted(df["role"].unique())]
    return alt.Chart(df).mark_bar().encode(
        x=alt.X("weeks_before:O", title=f"Weeks before the due date (0 = the due date and the 6 days before; "
                                        f"{last_week} = {last_week} or more)", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("role_label:N", sort=roles),
        y=alt.Y("share:Q", title="Share of the role's runs", axis=PERCENT),
        color=alt.Color("role_label:N", title=None, sort=roles, scale=alt.Scale(domain=roles, range=colors),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("role_label:N", title="Who"), alt.Tooltip("weeks_before:O", title="Weeks before"),
                 alt.Tooltip("runs:Q", title="Runs", format=","), alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(height=260, title=title_params(title, subtitle))


def outage_cost_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Advisers' and owners' runs per occurrence of each system's recommended window (`outage_cost`), one bar per
    system split by role, in the system's colour."""
    data = with_system_labels(df)
    long = data.melt(id_vars=["system_label", "day", "start", "end", "occurrences"],
                     value_vars=["adviser_runs_mean", "owner_runs_mean"], var_name="role", value_name="role_runs")
    long["role"] = long["role"].map({"adviser_runs_mean": "Advisers", "owner_runs_mean": "Owners"})
    long["window"] = "day " + long["day"].astype(str) + ", " + long["start"] + "–" + long["end"]
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("system_label:N", sort=SYSTEM_ORDER, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("role:N", sort=["Advisers", "Owners"]),
        y=alt.Y("role_runs:Q", title="Runs per occurrence of the recommended window"),
        color=system_color(),
        opacity=alt.Opacity("role:N", sort=["Advisers", "Owners"], scale=alt.Scale(range=[1.0, 0.45]),
                            legend=alt.Legend(orient="top", title="Who")),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("window:N", title="Window (Sydney)"),
                 alt.Tooltip("role:N", title="Who"), alt.Tooltip("role_runs:Q", title="Runs per occurrence",
                                                                 format=",.2f"),
                 alt.Tooltip("occurrences:Q", title="Occurrences")],
    ).properties(height=240, title=title_params(title, subtitle))
