"""The active users and organisations chapter's charts. One builder a chart: a frame from basstory.analyses.activity
in, an Altair chart out; titles from basstory.story.narrative.activity, the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import (
    SYSTEM_ORDER,
    extract_edge_rules,
    system_color,
    title_params,
    with_system_labels,
)
from basstory.story.charts.seasonality import MONTH_AXIS

#: The flows, in legend order, and how strongly each is drawn (dormant organisations are drawn below zero).
FLOWS = {"new": "New", "back": "Back after a break", "dormant": "Went dormant"}
FLOW_OPACITY = {"New": 1.0, "Back after a break": 0.45, "Went dormant": 0.75}


MEASURES = {"users": "Users", "orgs": "Organisations"}


def monthly_active_chart(monthly: pd.DataFrame, system: str, title: str, subtitle: str,
                         spans: dict | None = None) -> alt.LayerChart:
    """One system's monthly active users (solid) and organisations (dashed), in its colour, from
    `activity.monthly_active` (its whole months only), with where its extract starts or ends marked."""
    one = monthly[(monthly["system"] == system) & monthly["complete"]]
    long = pd.concat([one.assign(measure_key=key, active=one[key]) for key in MEASURES], ignore_index=True)
    data = with_system_labels(long.assign(measure=long["measure_key"].map(MEASURES)))
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=30)).encode(
        x=alt.X("month_start:T", title="Month (Sydney time)", axis=MONTH_AXIS),
        y=alt.Y("active:Q", title="Active in the month", scale=alt.Scale(zero=True)),
        color=system_color(legend=False),
        strokeDash=alt.StrokeDash("measure:N", title="", sort=list(MEASURES.values()),
                                  scale=alt.Scale(domain=list(MEASURES.values()), range=[[1, 0], [5, 3]]),
                                  legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("month_start:T", title="Month", format="%B %Y"),
                 alt.Tooltip("system_label:N", title="System"),
                 alt.Tooltip("users:Q", title="Active users", format=","),
                 alt.Tooltip("orgs:Q", title="Active organisations", format=","),
                 alt.Tooltip("runs:Q", title="Runs", format=",")],
    )
    edges = extract_edge_rules({system: spans[system]} if spans and system in spans else None, data["month_start"])
    return alt.layer(line, *edges).properties(title=title_params(title, subtitle), height=260)


def flows_long(flows: pd.DataFrame) -> pd.DataFrame:
    """`activity.org_flows` as one row per (system, quarter, flow) with `orgs` signed (dormant below zero)."""
    long = flows.melt(id_vars=["system", "quarter", "quarter_start", "label", "active", "returning"],
                      value_vars=list(FLOWS), var_name="flow_key", value_name="count")
    long["flow"] = long["flow_key"].map(FLOWS)
    long["orgs"] = long["count"].where(long["flow_key"] != "dormant", -long["count"])
    return with_system_labels(long)


def org_flows_chart(flows: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """New and back-after-a-break organisations (above zero) and those that went dormant (below) per quarter and
    system, from `activity.org_flows`: bars side by side per system, the flow told by its shade."""
    data = flows_long(flows)
    order = list(dict.fromkeys(data.sort_values("quarter_start")["label"]))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("label:N", title="Quarter (Sydney time)", sort=order, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("system_label:N", sort=SYSTEM_ORDER),
        y=alt.Y("orgs:Q", title="Organisations", stack="zero"),
        color=system_color(),
        opacity=alt.Opacity("flow:N", title="Flow", sort=list(FLOWS.values()),
                            scale=alt.Scale(domain=list(FLOW_OPACITY), range=list(FLOW_OPACITY.values())),
                            legend=alt.Legend(orient="top", symbolType="square", symbolFillColor="#555555")),
        order=alt.Order("flow_key:N", sort="descending"),
        tooltip=[alt.Tooltip("label:N", title="Quarter"), alt.Tooltip("system_label:N", title="System"),
                 alt.Tooltip("flow:N", title="Flow"), alt.Tooltip("count:Q", title="Organisations", format=","),
                 alt.Tooltip("active:Q", title="Active in the quarter", format=","),
                 alt.Tooltip("returning:Q", title="Returning (all)", format=",")],
    )
    zero = alt.Chart(pd.DataFrame({"orgs": [0]})).mark_rule(color="#444444").encode(y=alt.Y("orgs:Q"))
    return alt.layer(bars, zero).properties(title=title_params(title, subtitle), height=300)
