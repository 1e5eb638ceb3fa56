"""Chapter 2's charts: one builder a chart, an aggregated frame (basstory.analyses.comparison) in, an Altair chart
out. Titles come from basstory.story.narrative.comparison; the look from basstory.story.theme. Charts of 'which
reports an org used' colour Full BAS only and Simple BAS only in the system colours and 'Both' in theme.BOTH_COLOR."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.analyses.comparison import GRAIN_LABELS, METRIC_LABELS, ROLLING_LABELS, USAGE_LABELS
from basstory.analyses.interaction import REPEAT_MINUTES
from basstory.story.charts.common import (
    PERCENT,
    SYSTEM_ORDER,
    extract_edge_rules,
    grouped_share_bars,
    in_order,
    system_color,
    title_params,
    with_system_labels,
)
from basstory.story.theme import BOTH_COLOR, SYSTEM_COLORS

USAGE_ORDER = list(USAGE_LABELS.values())
ENTITY_LABELS = {"orgs": "Organisations", "users": "Users", "org": "Organisations", "user": "Users"}


def usage_color(title: str = "Reports used") -> alt.Color:
    """Colour for 'Full BAS only' / 'Simple BAS only' / 'Both': the system colours, and green for both."""
    return alt.Color("usage_label:N", title=title,
                     scale=alt.Scale(domain=USAGE_ORDER,
                                     range=[SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"], BOTH_COLOR]),
                     legend=alt.Legend(orient="top"))


def activity_chart(df: pd.DataFrame, metric: str, grain: str, title: str, subtitle: str,
                   spans: dict | None = None) -> alt.LayerChart:
    """Runs, users with a run or orgs with a run (`metric`) per week or month (`grain`) per system, from
    `activity_over_time`: a thin line per period and a thick trailing rolling average; where an extract starts or
    ends inside the periods (`dataset.extract_spans`), a dotted rule."""
    data = with_system_labels(df)
    label = f"{METRIC_LABELS[metric]} per {grain}"
    base = alt.Chart(data).encode(
        x=alt.X("period:T", title=f"{GRAIN_LABELS[grain]} (Sydney dates)",
                axis=alt.Axis(format="%b %Y" if grain == "month" else "%-d %b %Y", labelOverlap=True,
                              tickCount={"interval": grain, "step": 1})),
        color=system_color(),
        tooltip=[alt.Tooltip("system_label:N", title="System"),
                 alt.Tooltip("period:T", title=GRAIN_LABELS[grain], format="%d %b %Y" if grain == "week" else "%b %Y"),
                 alt.Tooltip(f"{metric}:Q", title=label, format=","),
                 alt.Tooltip(f"{metric}_avg:Q", title=f"{ROLLING_LABELS[grain]} average", format=",.0f")],
    )
    raw = base.mark_line(strokeWidth=1, opacity=0.45, point=alt.OverlayMarkDef(size=12)).encode(
        y=alt.Y(f"{metric}:Q", title=label))
    rolling = base.mark_line(strokeWidth=3).encode(y=alt.Y(f"{metric}_avg:Q", title=label))
    # the rolling average first, so the legend shows its solid line
    edges = extract_edge_rules(spans, data["period"])
    return alt.layer(rolling, raw, *edges).properties(title=title_params(title, subtitle), height=340)


def usage_split_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Orgs and users by the reports they used (Full BAS only, Simple BAS only, both), 100% stacked bars, from
    `system_usage_split`."""
    data = df.assign(entity_label=df["entity"].map(ENTITY_LABELS),
                     order=df["usage"].map({u: i for i, u in enumerate(USAGE_LABELS)}))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("entity_label:N", title=None, sort=["Organisations", "Users"]),
        x=alt.X("share:Q", title="Share of organisations / users", axis=PERCENT, stack="normalize"),
        color=usage_color(),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("entity_label:N", title="Who"), alt.Tooltip("usage_label:N", title="Reports used"),
                 alt.Tooltip("count:Q", title="Count", format=","),
                 alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(title=title_params(title, subtitle))


def quarter_usage_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Orgs with a run per quarter by the reports they used that quarter, stacked bars, from `usage_by_quarter`."""
    data = df.assign(order=df["usage"].map({u: i for i, u in enumerate(USAGE_LABELS)}))
    quarters = list(dict.fromkeys(data.sort_values("quarter")["quarter_label"]))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("quarter_label:O", sort=quarters, title="Quarter (Sydney dates)", axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("orgs:Q", title="Organisations with a run"),
        color=usage_color(),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("quarter_label:N", title="Quarter"), alt.Tooltip("usage_label:N", title="Reports used"),
                 alt.Tooltip("orgs:Q", title="Organisations", format=","),
                 alt.Tooltip("share:Q", title="Share of the quarter's orgs", format=".1%")],
    ).properties(title=title_params(title, subtitle), height=380)


#: How a take-up shows on the take-up chart: seen where both extracts were running, or possibly an extract starting.
TAKE_UP_SEEN = {True: "Seen: both extracts running", False: "Cannot tell: an extract starts or ends"}


def take_up_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Orgs taking up one report after using the other, per quarter, coloured by the report taken up, from
    `system_take_up`: the take-ups seen where both extracts were running solid, the others faded on top."""
    long = pd.concat([df.assign(seen=True, count=df["observed"]),
                      df.assign(seen=False, count=df["orgs"] - df["observed"])], ignore_index=True)
    data = with_system_labels(long.assign(seen_label=long["seen"].map(TAKE_UP_SEEN)))
    quarters = list(dict.fromkeys(data.sort_values("quarter")["quarter_label"]))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("quarter_label:O", sort=quarters, title="Quarter of the first run of the new report",
                axis=alt.Axis(labelAngle=-40)),
        xOffset=alt.XOffset("system_label:N", sort=SYSTEM_ORDER),
        y=alt.Y("count:Q", title="Organisations", stack="zero", axis=alt.Axis(tickMinStep=1)),
        color=system_color(title="Report taken up"),
        opacity=alt.Opacity("seen_label:N", title="Take-up", sort=list(TAKE_UP_SEEN.values()),
                            scale=alt.Scale(domain=list(TAKE_UP_SEEN.values()), range=[1.0, 0.3]),
                            legend=alt.Legend(orient="top")),
        order=alt.Order("seen:N", sort="descending"),
        tooltip=[alt.Tooltip("quarter_label:N", title="Quarter"), alt.Tooltip("direction_label:N", title="Move"),
                 alt.Tooltip("seen_label:N", title="Take-up"),
                 alt.Tooltip("count:Q", title="Organisations", format=",")],
    ).properties(title=title_params(title, subtitle), height=340)


def runs_per_entity_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.FacetChart:
    """Share of users and of orgs by runs in the period, bars side by side per system, one panel each, from
    `runs_per_entity`."""
    data = with_system_labels(df.assign(entity_label=df["entity"].map(ENTITY_LABELS)))
    return grouped_share_bars(
        data, "runs_bucket", in_order(data, "runs_bucket", "bucket_order"), "Runs in the period", "share",
        "Share of users / orgs",
        [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("entity_label:N", title="Who"),
         alt.Tooltip("runs_bucket:N", title="Runs"), alt.Tooltip("count:Q", title="Count", format=","),
         alt.Tooltip("share:Q", title="Share", format=".1%")],
    ).properties(width=440, height=240).facet(
        column=alt.Column("entity_label:N", title=None, sort=["Users", "Organisations"]),
        title=title_params(title, subtitle))


def repeat_rate_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Share of each system's runs that are re-runs (within REPEAT_MINUTES), from `repeat_runs_frame`."""
    data = with_system_labels(df)
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("system_label:N", title=None, sort=SYSTEM_ORDER),
        x=alt.X("repeat_share:Q", title=f"Share of runs that are re-runs within {REPEAT_MINUTES} minutes",
                  axis=PERCENT),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("repeats:Q", title="Re-runs", format=","),
                 alt.Tooltip("repeat_share:Q", title="Share of runs", format=".1%"),
                 alt.Tooltip("sessions:Q", title="Sessions", format=",")],
    ).properties(title=title_params(title, subtitle))


def plans_chart(df: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Orgs per plan (most popular first, 'Other' last), stacked by the reports they used, from `plan_popularity`."""
    data = df.assign(order=df["usage"].map({u: i for i, u in enumerate(USAGE_LABELS)}))
    plans = list(dict.fromkeys(data.sort_values("rank")["plan"]))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("plan:N", sort=plans, title="Plan"),
        x=alt.X("orgs:Q", title="Organisations with a run"),
        color=usage_color(),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("plan:N", title="Plan"), alt.Tooltip("usage_label:N", title="Reports used"),
                 alt.Tooltip("orgs:Q", title="Organisations", format=","),
                 alt.Tooltip("plan_orgs:Q", title="All orgs on the plan", format=","),
                 alt.Tooltip("plan_share:Q", title="Share of orgs with a run", format=".1%")],
    ).properties(title=title_params(title, subtitle))
