"""The spikes and drops chapter's charts, and the marks other time charts borrow. One builder a chart: frames from
basstory.analyses.spikes in, an Altair chart out; titles from basstory.story.narrative.spikes."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import extract_edge_rules, system_color, title_params, with_system_labels
from basstory.story.charts.seasonality import MONTH_AXIS, due_rules, in_range, spike_marks
from basstory.story.theme import MUTED_COLOR

MEASURE_AXIS = {"runs": "Report runs per day", "compute_s": "Compute-seconds per day"}


def spike_series_chart(series: pd.DataFrame, flagged: pd.DataFrame, measure: str, due: pd.DataFrame, title: str,
                       subtitle: str, spans: dict | None = None) -> alt.LayerChart:
    """One system's daily series (`spikes.day_pattern` rows of one system and measure): the actual value (line,
    the system's colour), what the pattern expects (grey), the flagged days (`spike_marks`), the quarterly due
    dates and where the system's extract starts or ends."""
    data = with_system_labels(series)[["day", "value", "expected", "z", "phase", "system_label"]]
    base = alt.Chart().encode(x=alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS))
    tooltip = [alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"),
               alt.Tooltip("value:Q", title="Actual", format=",.0f"),
               alt.Tooltip("expected:Q", title="Expected", format=",.0f"),
               alt.Tooltip("z:Q", title="Robust z", format="+.1f"), alt.Tooltip("phase:N", title="Due-date phase")]
    expected = base.mark_line(strokeWidth=1.5, color=MUTED_COLOR).encode(y=alt.Y("expected:Q"))
    actual = base.mark_line(strokeWidth=1.2).encode(
        y=alt.Y("value:Q", title=MEASURE_AXIS[measure]), color=system_color(legend=False), tooltip=tooltip)
    # the series is the layer chart's own data, written into the spec once for both lines
    main = alt.layer(expected, actual, data=data)
    layers = [main, spike_marks(flagged)] if not flagged.empty else [main]
    due = in_range(due, data["day"])
    layers += [due_rules(due)] if not due.empty else []
    systems = set(series["system"])
    layers += extract_edge_rules({s: v for s, v in (spans or {}).items() if s in systems} or None, data["day"])
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=260)


def hour_day_chart(hours: pd.DataFrame, flagged: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """One system's day, hour by hour (`spikes.hour_pattern` rows of that day): its runs (line, the system's colour),
    what its day's usual shape expects (grey) and its flagged hours (triangles; rows of `spikes.spike_hours`)."""
    data = with_system_labels(hours)[["hour", "runs", "expected", "z", "system_label"]]
    base = alt.Chart().encode(x=alt.X("hour:T", title="Hour (Sydney time)",
                                      axis=alt.Axis(format="%H:%M", labelAngle=0)))
    expected = base.mark_line(strokeWidth=1.5, color=MUTED_COLOR, interpolate="step-after").encode(
        y=alt.Y("expected:Q"))
    actual = base.mark_line(strokeWidth=1.8, interpolate="step-after").encode(
        y=alt.Y("runs:Q", title="Runs starting in the hour"), color=system_color(legend=False),
        tooltip=[alt.Tooltip("hour:T", title="Hour", format="%a %-d %b %Y %H:00"),
                 alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("expected:Q", title="Expected", format=",.1f"),
                 alt.Tooltip("z:Q", title="Robust z", format="+.1f")])
    layers = [alt.layer(expected, actual, data=data)]
    if not flagged.empty:
        layers.append(spike_marks(flagged, x="hour", y="runs"))
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=240)
