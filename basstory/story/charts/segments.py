"""The segments chapter's charts: one builder a chart, a frame from basstory.analyses.segments in, an Altair chart
out. Titles come from basstory.story.narrative.segments; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.analyses.segments import CADENCE_LABELS, CADENCES
from basstory.story.charts.common import PERCENT, SYSTEM_ORDER, in_order, system_color, title_params

#: The three measures a segment is weighed by, and their colours (not the systems': these are measures).
MEASURE_COLUMNS = {"org_share": "Orgs", "run_share": "Runs", "compute_share": "Compute (Full BAS runtime)"}
MEASURE_COLORS = ("#CC79A7", "#56B4E9", "#52606D")
#: The inferred cadences' colours, in CADENCES order (grey: too few runs to tell).
CADENCE_COLORS = ("#CC79A7", "#56B4E9", "#F0E442", "#52606D", "#C8CDD2")


def segment_shares_chart(sizes: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Each segment of one dimension (`segment_sizes`) as three bars: its share of the orgs, of the runs and of the
    compute."""
    order = list(sizes["label"])
    long = sizes.melt(id_vars=["label", "orgs", "runs", "compute_s"], value_vars=list(MEASURE_COLUMNS),
                      var_name="measure", value_name="share")
    long["measure"] = long["measure"].map(MEASURE_COLUMNS)
    long["compute_hours"] = long["compute_s"] / 3600
    measures = list(MEASURE_COLUMNS.values())
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("measure:N", sort=measures),
        x=alt.X("share:Q", title="Share of all orgs, runs and compute", axis=PERCENT, scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", title="Share of", sort=measures,
                        scale=alt.Scale(domain=measures, range=list(MEASURE_COLORS)),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("label:N", title="Segment"), alt.Tooltip("measure:N", title="Share of"),
                 alt.Tooltip("share:Q", title="Share", format=".1%"), alt.Tooltip("orgs:Q", title="Orgs", format=","),
                 alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("compute_hours:Q", title="Compute (hours)", format=",.1f")],
    ).properties(height=alt.Step(12), title=title_params(title, subtitle))


def cadence_chart(table: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Declared tax period (rows) against the cadence the runs show (stacked shares of the tax period's orgs), from
    `cadence_vs_declared`."""
    order = [CADENCE_LABELS[c] for c in CADENCES]
    data = table.assign(o=table["cadence"].map({c: i for i, c in enumerate(CADENCES)}))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("tax_period:N", title="Declared tax period"),
        x=alt.X("share:Q", title="Share of the tax period's orgs", axis=PERCENT, stack="normalize"),
        color=alt.Color("cadence_label:N", title="Cadence its runs show", sort=order,
                        scale=alt.Scale(domain=order, range=list(CADENCE_COLORS)), legend=alt.Legend(orient="top")),
        order=alt.Order("o:Q"),
        tooltip=[alt.Tooltip("tax_period:N", title="Declared"), alt.Tooltip("cadence_label:N", title="Runs show"),
                 alt.Tooltip("orgs:Q", title="Orgs", format=","), alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(height=alt.Step(28), title=title_params(title, subtitle))


def switches_chart(switches: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Orgs that switched system per BAS quarter, coloured by the system they moved to (`switches_by_quarter`)."""
    return alt.Chart(switches).mark_bar().encode(
        x=alt.X("quarter:N", sort=in_order(switches, "quarter", "quarter_start"), title="BAS quarter of the switch",
                axis=alt.Axis(labelAngle=0, labelLimit=200)),
        y=alt.Y("orgs:Q", title="Orgs that switched", axis=alt.Axis(tickMinStep=1)),
        color=system_color(title="Moved to"),
        xOffset=alt.XOffset("system_label:N", sort=SYSTEM_ORDER),
        tooltip=[alt.Tooltip("quarter:N", title="Quarter"), alt.Tooltip("system_label:N", title="Moved to"),
                 alt.Tooltip("orgs:Q", title="Orgs")],
    ).properties(height=260, title=title_params(title, subtitle))
