"""The daily and hourly forecast chapter's charts. One builder a chart: frames from basstory.analyses.forecast in,
an Altair chart out; titles from basstory.story.narrative.forecast. Full BAS only, in its colour: the history solid,
the forecast dashed with its interval as a band."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.story.charts.common import system_color, title_params, with_system_labels
from basstory.story.charts.seasonality import MONTH_AXIS, due_rules, in_range
from basstory.story.theme import SYSTEM_COLORS

FULL = SYSTEM_COLORS["full"]
SERIES = ["actual", "forecast"]


def daily_frame(history: pd.DataFrame, days: pd.DataFrame) -> pd.DataFrame:
    """The last quarter's actual days and the next quarter's forecast days in one frame: day, series ('actual' /
    'forecast'), runs, lower, upper (NaN for actual days), system ('full')."""
    actual = history.assign(series="actual", lower=float("nan"), upper=float("nan"))
    forecast = days[["day", "runs", "lower", "upper"]].assign(series="forecast")
    return with_system_labels(pd.concat([actual, forecast], ignore_index=True).assign(system="full"))


def daily_forecast_chart(history: pd.DataFrame, days: pd.DataFrame, due: pd.DataFrame, title: str,
                         subtitle: str) -> alt.LayerChart:
    """Full BAS runs per day: the last quarter as it was (solid) and the next quarter forecast (dashed, its interval
    a band), with the quarterly due dates of both marked."""
    data = daily_frame(history, days)
    x = alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS)
    band = alt.Chart(data[data["series"] == "forecast"]).mark_area(opacity=0.18, color=FULL).encode(
        x=x, y=alt.Y("lower:Q", title="Full BAS runs per day"), y2=alt.Y2("upper:Q"))
    lines = alt.Chart(data).mark_line(strokeWidth=1.6).encode(
        x=x, y=alt.Y("runs:Q", title="Full BAS runs per day"), color=system_color(legend=False),
        strokeDash=alt.StrokeDash("series:N", title="", sort=SERIES,
                                  scale=alt.Scale(domain=SERIES, range=[[1, 0], [5, 3]]),
                                  legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("runs:Q", title="Runs", format=",.0f"),
                 alt.Tooltip("lower:Q", title="Interval from", format=",.0f"),
                 alt.Tooltip("upper:Q", title="Interval to", format=",.0f")])
    due = in_range(due, data["day"])
    layers = [band, lines] + ([due_rules(due)] if not due.empty else [])
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=300)


def hourly_forecast_chart(hours: pd.DataFrame, measure: str, title: str, subtitle: str) -> alt.LayerChart:
    """The forecast per Sydney clock hour over some days (rows of `forecast(...)["hours"]`): `measure` 'runs' (runs
    starting in the hour, line and interval band) or 'peak_concurrency' (the most runs under way at once in the
    hour, a step line and its interval band)."""
    data = with_system_labels(hours.assign(system="full"))
    low, high, y_title, step = (("lower", "upper", "Runs starting in the hour", "linear")
                                if measure == "runs" else
                                ("peak_lower", "peak_upper", "Runs at once (hour's peak)",
                                 "step-after"))
    x = alt.X("hour:T", title="Hour (Sydney time)", axis=alt.Axis(format="%a %-d %b", tickCount="day",
                                                                   labelAngle=0, labelOverlap=True))
    band = alt.Chart(data).mark_area(opacity=0.18, color=FULL, interpolate=step).encode(
        x=x, y=alt.Y(f"{low}:Q", title=y_title), y2=alt.Y2(f"{high}:Q"))
    line = alt.Chart(data).mark_line(strokeWidth=1.8, strokeDash=[5, 3], interpolate=step).encode(
        x=x, y=alt.Y(f"{measure}:Q", title=y_title, axis=alt.Axis(tickMinStep=1)), color=system_color(legend=False),
        tooltip=[alt.Tooltip("hour:T", title="Hour", format="%a %-d %b %Y %H:00"),
                 alt.Tooltip("runs:Q", title="Runs forecast", format=",.0f"),
                 alt.Tooltip("lower:Q", title="Runs from", format=",.0f"),
                 alt.Tooltip("upper:Q", title="Runs to", format=",.0f"),
                 alt.Tooltip("peak_concurrency:Q", title="Peak at once"),
                 alt.Tooltip("peak_lower:Q", title="Peak from"), alt.Tooltip("peak_upper:Q", title="Peak to")])
    return alt.layer(band, line).properties(title=title_params(title, subtitle), height=260)
