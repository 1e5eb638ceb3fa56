"""The spikes and drops chapter's charts, and the marks other time charts borrow. One builder a chart: frames from
basstory.analyses.spikes in, an Altair chart out; titles from basstory.story.narrative.spikes."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import extract_edge_rules, system_color, title_params, with_system_labels
from basstory.story.charts.seasonality import MONTH_AXIS, due_rules, in_range
from basstory.story.theme import ACCENT_COLOR, MUTED_COLOR

#: Marker shapes: a spike points up, a drop down.
SHAPES = {"spike": "triangle-up", "drop": "triangle-down"}
KIND_LABELS = {"spike": "Spike", "drop": "Drop"}
MEASURE_AXIS = {"runs": "Report runs per day", "compute_s": "Compute-seconds per day"}


def spike_marks(flagged: pd.DataFrame, x: str = "day", y: str = "value") -> alt.Chart:
    """Triangles at the flagged days (up for a spike, down for a drop) in the accent colour, with the cause in the
    tooltip: a layer for any daily time chart whose y field is `y`. `flagged` has system, day, kind, value,
    expected, cause (rows of `spikes.spike_days`)."""
    data = with_system_labels(flagged).assign(kind_label=flagged["kind"].map(KIND_LABELS))
    return alt.Chart(data).mark_point(filled=True, size=110, color=ACCENT_COLOR, opacity=0.95).encode(
        x=alt.X(f"{x}:T"), y=alt.Y(f"{y}:Q"),
        shape=alt.Shape("kind_label:N", title="Flagged", sort=list(KIND_LABELS.values()),
                        scale=alt.Scale(domain=list(KIND_LABELS.values()), range=list(SHAPES.values())),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip(f"{x}:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip("system_label:N", title="System"), alt.Tooltip("kind_label:N", title="Flagged"),
                 alt.Tooltip("value:Q", title="Actual", format=",.0f"),
                 alt.Tooltip("expected:Q", title="Expected", format=",.0f"),
                 alt.Tooltip("cause:N", title="Likely cause")])


def spike_series_chart(series: pd.DataFrame, flagged: pd.DataFrame, measure: str, due: pd.DataFrame, title: str,
                       subtitle: str, spans: dict | None = None) -> alt.LayerChart:
    """One system's daily series (`spikes.day_pattern` rows of one system and measure): the actual value (line,
    the system's colour), what the pattern expects (grey), the flagged days (`spike_marks`), the quarterly due
    dates and where the system's extract starts or ends."""
    data = with_system_labels(series)
    base = alt.Chart(data).encode(x=alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS))
    tooltip = [alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"),
               alt.Tooltip("value:Q", title="Actual", format=",.0f"),
               alt.Tooltip("expected:Q", title="Expected", format=",.0f"),
               alt.Tooltip("z:Q", title="Robust z", format="+.1f"), alt.Tooltip("phase:N", title="Due-date phase")]
    expected = base.mark_line(strokeWidth=1.5, color=MUTED_COLOR).encode(y=alt.Y("expected:Q"))
    actual = base.mark_line(strokeWidth=1.2).encode(
        y=alt.Y("value:Q", title=MEASURE_AXIS[measure]), color=system_color(legend=False), tooltip=tooltip)
    layers = [expected, actual, spike_marks(flagged)] if not flagged.empty else [expected, actual]
    due = in_range(due, data["day"])
    layers += [due_rules(due)] if not due.empty else []
    systems = set(data["system"])
    layers += extract_edge_rules({s: v for s, v in (spans or {}).items() if s in systems} or None, data["day"])
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=260)
