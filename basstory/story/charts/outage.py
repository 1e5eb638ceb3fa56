"""Chapters 4 and 5's charts: the outage window. One builder a chart: an aggregated frame from
basstory.analyses.outage_impact or .recommendation in, an Altair chart out. Titles come from
basstory.story.narrative.outage / .recommendation; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.core.schema import SYSTEM_LABELS
from basstory.story.charts.common import system_color, title_params, with_system_labels
from basstory.story.theme import ACCENT_COLOR, system_ramp_scale

#: The window heatmap's colour scale: square root, so the quiet night-time windows stay distinguishable (the legend
#: says so).
COLOR_SCALE_TYPE = "sqrt"
HOUR_LABELS = [f"{h:02d}:00" for h in range(0, 24, 2)]
COMPARISON_ORDER = ["Recommended", "Runner-up", "Median window", "Costliest window"]


def window_heatmap_chart(metrics: pd.DataFrame, system: str, metric: str, metric_label: str, title: str,
                         subtitle: str, top: int = 5) -> alt.LayerChart:
    """Day of the month × start time: the expected `metric` per occurrence of every two-hour window of one system,
    from `window_metrics` (one cell per candidate window: days × half-hour starts), shaded in the system's hue
    (a square-root scale, so the quiet night-time windows stay distinguishable; the legend's title says so); the
    `top` cheapest windows by that metric drawn as white boxes outlined and numbered, so the ranks read on any
    shade."""
    value, worst = f"{metric}_mean", f"{metric}_max"
    data = with_system_labels(metrics.assign(system=system))[
        ["system_label", "day", "start_minute", "start", "end", "occurrences", value, worst, f"rank_{metric}"]]
    tooltip = [alt.Tooltip("system_label:N", title="System"), alt.Tooltip("day:O", title="Day of month"),
               alt.Tooltip("start:N", title="Starts (Sydney)"), alt.Tooltip("end:N", title="Ends (Sydney)"),
               alt.Tooltip(f"{value}:Q", title=f"Expected {metric_label} (mean per month)", format=",.2f"),
               alt.Tooltip(f"{worst}:Q", title=f"Worst month ({metric_label})", format=",.0f"),
               alt.Tooltip("occurrences:Q", title="Months measured"),
               alt.Tooltip(f"rank_{metric}:Q", title="Rank (1 = cheapest)")]
    x = alt.X("start:O", title="Window start (Sydney time; each window lasts two hours)",
              axis=alt.Axis(values=HOUR_LABELS, labelAngle=0))
    y = alt.Y("day:O", title="Day of the month (Sydney dates)")
    cells = alt.Chart(data).mark_rect().encode(
        x=x, y=y,
        color=alt.Color(f"{value}:Q", title=[f"{metric_label.capitalize()} a month", "in the window",
                                             "(square-root scale)"],
                        scale=system_ramp_scale(system, type=COLOR_SCALE_TYPE, zero=True),
                        legend=alt.Legend(orient="right", gradientLength=300, tickCount=6)),
        tooltip=tooltip,
    )
    best = data[data[f"rank_{metric}"].between(1, top)].assign(rank_label=lambda d: d[f"rank_{metric}"].astype(str))
    outline = alt.Chart(best).mark_rect(fill="white", stroke=ACCENT_COLOR, strokeWidth=2).encode(
        x=alt.X("start:O"), y=alt.Y("day:O"), tooltip=tooltip)
    numbers = alt.Chart(best).mark_text(color=ACCENT_COLOR, fontWeight="bold", fontSize=13).encode(
        x=alt.X("start:O"), y=alt.Y("day:O"), text=alt.Text("rank_label:N"))
    return alt.layer(cells, outline, numbers).properties(title=title_params(title, subtitle), width=860, height=600)


def window_comparison_chart(rows: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """Expected runs per month of the recommended window against the runner-up, the median and the costliest window,
    bars side by side per system, from `analyses.recommendation.window_comparison` (columns system, label, window,
    runs_mean)."""
    data = with_system_labels(rows)
    base = alt.Chart(data).encode(
        y=alt.Y("label:N", title=None, sort=COMPARISON_ORDER),
        yOffset=alt.YOffset("system_label:N", sort=list(SYSTEM_LABELS.values())),
        x=alt.X("runs_mean:Q", title="Runs a month the window would interrupt (mean over the months measured)"),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("label:N", title="Which"),
                 alt.Tooltip("window:N", title="Window (Sydney)"),
                 alt.Tooltip("runs_mean:Q", title="Expected runs", format=",.2f")],
    )
    bars = base.mark_bar().encode(color=system_color())
    values = base.mark_text(align="left", dx=4, fontSize=11).encode(
        text=alt.Text("runs_mean:Q", format=",.1f"), color=system_color(legend=False))
    return alt.layer(bars, values).properties(title=title_params(title, subtitle), height=260)


def due_week_chart(rows: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """Mean runs per window occurrence in each kind of BAS due week and outside them, bars side by side per system,
    from `due_week_costs` with a `system` column."""
    data = with_system_labels(rows)
    order = list(dict.fromkeys(data["group"]))
    base = alt.Chart(data).encode(
        y=alt.Y("group:N", title=None, sort=order, axis=alt.Axis(labelLimit=420)),
        yOffset=alt.YOffset("system_label:N", sort=list(SYSTEM_LABELS.values())),
        x=alt.X("runs_mean:Q", title="Runs a month per two-hour window (mean over windows and months)"),
        tooltip=[alt.Tooltip("system_label:N", title="System"), alt.Tooltip("group:N", title="When"),
                 alt.Tooltip("days:N", title="Typical days of the month"),
                 alt.Tooltip("runs_mean:Q", title="Mean runs per window", format=",.1f"),
                 alt.Tooltip("worst_window:N", title="Costliest window there"),
                 alt.Tooltip("worst_runs_mean:Q", title="Its expected runs", format=",.1f"),
                 alt.Tooltip("occurrences:Q", title="Window occurrences", format=",")],
    )
    bars = base.mark_bar().encode(color=system_color())
    values = base.mark_text(align="left", dx=4, fontSize=11).encode(
        text=alt.Text("runs_mean:Q", format=",.1f"), color=system_color(legend=False))
    return alt.layer(bars, values).properties(title=title_params(title, subtitle), height=280)
