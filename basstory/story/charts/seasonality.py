"""Chapter 3's charts: seasonality and capacity. One builder a chart: an aggregated frame from
basstory.analyses.seasonality or .capacity in, an Altair chart out. Titles (the finding) and subtitles come from
basstory.story.narrative.seasonality; the look from basstory.story.theme."""
from __future__ import annotations

import altair as alt
import pandas as pd

from basstory.core.text import WEEKDAYS
from basstory.story.charts.common import extract_edge_rules, system_color, title_params, with_system_labels
from basstory.story.theme import ACCENT_COLOR, MUTED_COLOR

MONTH_AXIS = alt.Axis(format="%b %Y", labelAngle=0, tickCount="month", labelOverlap=True)


def in_range(due: pd.DataFrame, days: pd.Series, field: str = "due_date") -> pd.DataFrame:
    """The due dates that fall between the first and last of `days`, so marking them never widens the x axis."""
    if due.empty or days.empty:
        return due.iloc[0:0]
    when = pd.to_datetime(due[field])
    return due[(when >= pd.to_datetime(days).min()) & (when <= pd.to_datetime(days).max())]


def due_rules(due: pd.DataFrame, field: str = "due_date") -> alt.LayerChart:
    """Dashed rules at BAS due dates on a temporal x axis, labels ('28 Feb') staggered over two lines so close dates
    stay readable. `due` has `field` (Timestamp) and `label`."""
    data = due.assign(short=pd.to_datetime(due[field]).dt.strftime("%-d %b"),
                      line=[i % 2 for i in range(len(due))])
    base = alt.Chart(data)
    rules = base.mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3], opacity=0.7).encode(
        x=alt.X(f"{field}:T"), tooltip=[alt.Tooltip("label:N", title="BAS due"),
                                 alt.Tooltip(f"{field}:T", title="Due date", format="%-d %b %Y")])
    labels = [base.transform_filter(alt.datum.line == line).mark_text(
        color=ACCENT_COLOR, align="left", dx=3, baseline="top", fontSize=10).encode(
        x=alt.X(f"{field}:T"), y=alt.YValue(2 + 12 * line), text=alt.Text("short:N")) for line in (0, 1)]
    return alt.layer(rules, *labels)


#: Spike marks (basstory.analyses.spikes), shared with the spikes chapter: a spike points up, a drop down.
SHAPES = {"spike": "triangle-up", "drop": "triangle-down"}
KIND_LABELS = {"spike": "Spike", "drop": "Drop"}
def spike_marks(flagged: pd.DataFrame, x: str = "day", y: str = "value") -> alt.Chart:
    """Triangles at the flagged days (up for a spike, down for a drop) in the accent colour, with the cause in the
    tooltip: a layer for any daily time chart whose y field is `y`. `flagged` has system, day, kind, `y` (the
    actual value), expected, cause (rows of `spikes.spike_days`, whose actual value is `value`)."""
    data = with_system_labels(flagged[[x, y, "system", "kind", "expected", "cause"]])
    data["kind_label"] = data["kind"].map(KIND_LABELS)
    return alt.Chart(data).mark_point(filled=True, size=110, color=ACCENT_COLOR, opacity=0.95).encode(
        x=alt.X(f"{x}:T"), y=alt.Y(f"{y}:Q"),
        shape=alt.Shape("kind_label:N", title="Flagged", sort=list(KIND_LABELS.values()),
                        scale=alt.Scale(domain=list(KIND_LABELS.values()), range=list(SHAPES.values())),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip(f"{x}:T", title="Hour" if x == "hour" else "Day",
                             format="%a %-d %b %Y %H:00" if x == "hour" else "%a %-d %b %Y"),
                 alt.Tooltip("system_label:N", title="System"), alt.Tooltip("kind_label:N", title="Flagged"),
                 alt.Tooltip(f"{y}:Q", title="Actual", format=",.0f"),
                 alt.Tooltip("expected:Q", title="Expected", format=",.0f"),
                 alt.Tooltip("cause:N", title="Likely cause")])


def monthly_runs_chart(months: pd.DataFrame, title: str, subtitle: str, spans: dict | None = None) -> alt.LayerChart:
    """Runs per Sydney month, stacked by system (the stack's height is both systems together), from
    `runs_per_month`; the busiest month outlined and labelled in the accent colour; where an extract starts or ends
    inside the months (`dataset.extract_spans`), a dotted rule."""
    data = with_system_labels(months)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("yearmonth(month_start):T", title="Month (Sydney time)", axis=MONTH_AXIS),
        y=alt.Y("runs:Q", title="Report runs per month", stack="zero"),
        color=system_color(),
        order=alt.Order("system:N", sort="ascending"),
        tooltip=[alt.Tooltip("yearmonth(month_start):T", title="Month", format="%B %Y"),
                 alt.Tooltip("system_label:N", title="System"), alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("month_total:Q", title="Both systems", format=",")],
    )
    busiest = data[data["busiest"]].drop_duplicates("month")
    busiest = busiest.assign(note=[f"Busiest: {t:,} runs" for t in busiest["month_total"]])
    outline = alt.Chart(busiest).mark_bar(fill=None, stroke=ACCENT_COLOR, strokeWidth=2.5).encode(
        x=alt.X("yearmonth(month_start):T"), y=alt.Y("month_total:Q"))
    note = alt.Chart(busiest).mark_text(color=ACCENT_COLOR, dy=-8, fontWeight="bold", fontSize=12).encode(
        x=alt.X("yearmonth(month_start):T"), y=alt.Y("month_total:Q"), text=alt.Text("note:N"))
    edges = extract_edge_rules(spans, data["month_start"])
    return alt.layer(bars, outline, note, *edges).properties(title=title_params(title, subtitle), height=320)


def quarterly_cycle_chart(cycle: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """Runs per day from CYCLE_DAYS_BEFORE days before to CYCLE_DAYS_AFTER days after the quarterly due dates,
    relative to the cycle's average day, one line per system, from `quarterly_cycle`; the due date (day 0) marked."""
    data = with_system_labels(cycle)
    lines = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=25)).encode(
        x=alt.X("offset_days:Q", title="Days from the quarterly due date (0 = due date)",
                scale=alt.Scale(domain=[-30, 5], nice=False), axis=alt.Axis(values=list(range(-30, 6, 5)))),
        y=alt.Y("vs_average:Q", title="× the cycle's average day"),
        color=system_color(),
        tooltip=[alt.Tooltip("system_label:N", title="System"),
                 alt.Tooltip("offset_days:Q", title="Days from due date"),
                 alt.Tooltip("runs_mean:Q", title="Runs per day (mean)", format=",.1f"),
                 alt.Tooltip("vs_average:Q", title="× average day", format=".2f"),
                 alt.Tooltip("due_dates:Q", title="Due dates averaged")],
    )
    zero = pd.DataFrame({"offset_days": [0], "label": ["Due date"]})
    rule = alt.Chart(zero).mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3]).encode(
        x=alt.X("offset_days:Q"), tooltip=[alt.Tooltip("label:N", title="Marks")])
    text = alt.Chart(zero).mark_text(color=ACCENT_COLOR, align="left", dx=3, baseline="top", fontSize=11).encode(
        x=alt.X("offset_days:Q"), y=alt.YValue(2), text=alt.Text("label:N"))
    return alt.layer(lines, rule, text).properties(title=title_params(title, subtitle), height=300)


def daily_trend_chart(daily: pd.DataFrame, due: pd.DataFrame, title: str, subtitle: str,
                      spans: dict | None = None, marks: pd.DataFrame | None = None) -> alt.LayerChart:
    """One system's runs per Sydney day (thin line) and its centred 28-day trend (thick line), from
    `daily_decomposition(...)["daily"]` filtered to that system, with the quarterly due dates (`due_dates_in_view`)
    and where that system's extract starts or ends (`dataset.extract_spans`) marked; with `marks` (that system's
    flagged days of runs, `spikes.spike_days`), the spikes and drops (`spike_marks`)."""
    data = with_system_labels(daily)
    base = alt.Chart(data).encode(
        x=alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip("system_label:N", title="System"), alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("trend:Q", title="28-day trend (runs per day)", format=",.1f")],
    )
    runs = base.mark_line(strokeWidth=1, opacity=0.45).encode(y=alt.Y("runs:Q", title="Report runs per day"))
    trend = base.mark_line(strokeWidth=3).encode(y=alt.Y("trend:Q"))
    due = in_range(due, data["day"])
    layers = [runs, trend] + ([due_rules(due)] if not due.empty else [])
    layers += extract_edge_rules(_own(spans, data), data["day"])
    if marks is not None and not marks.empty:
        layers.append(spike_marks(marks.drop(columns="runs").rename(columns={"value": "runs"}), y="runs"))
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=260)


def _factor_bars(data: pd.DataFrame, x: alt.X, title: str, subtitle: str, tooltip_x: alt.Tooltip) -> alt.LayerChart:
    bars = alt.Chart(data).mark_bar().encode(
        x=x,
        xOffset=alt.XOffset("system_label:N"),
        y=alt.Y("factor:Q", title="× the typical level"),
        color=system_color(),
        tooltip=[alt.Tooltip("system_label:N", title="System"), tooltip_x,
                 alt.Tooltip("factor:Q", title="× typical", format=".2f")],
    )
    one = alt.Chart(pd.DataFrame({"factor": [1.0]})).mark_rule(color=MUTED_COLOR, strokeDash=[2, 2]).encode(
        y=alt.Y("factor:Q"))
    return alt.layer(bars, one).properties(title=title_params(title, subtitle), height=260)


def weekly_cycle_chart(weekly: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """The weekly cycle: runs per day of the week over the 28-day trend, per system, from
    `daily_decomposition(...)["weekly"]`; 1 = the trend."""
    data = with_system_labels(weekly)
    x = alt.X("weekday_name:N", title="Day of the week (Sydney time)", sort=list(WEEKDAYS),
              axis=alt.Axis(labelAngle=0))
    return _factor_bars(data, x, title, subtitle, alt.Tooltip("weekday_name:N", title="Day"))


def day_of_month_cycle_chart(day_of_month: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """The monthly cycle: what is left after trend and weekly cycle, by day of the month, per system, from
    `daily_decomposition(...)["day_of_month"]`; 1 = as trend and weekday predict."""
    data = with_system_labels(day_of_month)
    x = alt.X("day_of_month:O", title="Day of the month (Sydney dates)", axis=alt.Axis(labelAngle=0))
    return _factor_bars(data, x, title, subtitle, alt.Tooltip("day_of_month:O", title="Day of the month"))


def month_of_quarter_chart(month_of_quarter: pd.DataFrame, title: str, subtitle: str) -> alt.LayerChart:
    """The quarterly cycle: mean runs per day in the 1st, 2nd and 3rd month of a quarter over the mean of all whole
    months, per system, from `daily_decomposition(...)["month_of_quarter"]`."""
    data = with_system_labels(month_of_quarter)
    data["months"] = data["month_of_quarter"].map({1: "1st: Jan, Apr, Jul, Oct", 2: "2nd: Feb, May, Aug, Nov",
                                                   3: "3rd: Mar, Jun, Sep, Dec"})
    x = alt.X("months:N", title="Month of the calendar quarter", sort=sorted(data["months"].unique()),
              axis=alt.Axis(labelAngle=0))
    return _factor_bars(data, x, title, subtitle, alt.Tooltip("months:N", title="Month of quarter"))


def _full_bas(df: pd.DataFrame) -> pd.DataFrame:
    return with_system_labels(df.assign(system="full"))


def _own(spans: dict | None, data: pd.DataFrame) -> dict | None:
    """The extract spans of the systems a chart's data shows."""
    return {s: span for s, span in spans.items() if s in set(data["system"])} if spans else None


def daily_load_chart(daily: pd.DataFrame, due: pd.DataFrame, title: str, subtitle: str,
                     spans: dict | None = None) -> alt.LayerChart:
    """Full BAS compute-seconds in each Sydney day's busiest hour, from `full_bas_load(...)["daily"]`, with the
    quarterly due dates marked."""
    data = _full_bas(daily)
    line = alt.Chart(data).mark_line(strokeWidth=1.5).encode(
        x=alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS),
        y=alt.Y("peak_hour_compute_s:Q", title="Busiest hour (compute-s)"),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip("peak_hour_compute_s:Q", title="Busiest hour (compute-s)", format=",.0f"),
                 alt.Tooltip("compute_s:Q", title="Whole day (compute-s)", format=",.0f"),
                 alt.Tooltip("runs:Q", title="Runs", format=","),
                 alt.Tooltip("peak_concurrency:Q", title="Peak concurrent runs")],
    )
    due = in_range(due, data["day"])
    layers = [line] + ([due_rules(due)] if not due.empty else [])
    layers += extract_edge_rules(_own(spans, data), data["day"])
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=300)


def daily_concurrency_chart(daily: pd.DataFrame, due: pd.DataFrame, title: str, subtitle: str,
                            spans: dict | None = None) -> alt.LayerChart:
    """The most Full BAS runs under way at one instant, per Sydney day, from `full_bas_load(...)["daily"]`, with
    the quarterly due dates marked."""
    data = _full_bas(daily)
    bars = alt.Chart(data).mark_area(interpolate="step-after", opacity=0.85).encode(
        x=alt.X("day:T", title="Day (Sydney time)", axis=MONTH_AXIS),
        y=alt.Y("peak_concurrency:Q", title="Runs at once (peak)", axis=alt.Axis(tickMinStep=1)),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("day:T", title="Day", format="%a %-d %b %Y"),
                 alt.Tooltip("peak_concurrency:Q", title="Peak concurrent runs"),
                 alt.Tooltip("runs:Q", title="Runs", format=",")],
    )
    due = in_range(due, data["day"])
    layers = [bars] + ([due_rules(due)] if not due.empty else [])
    layers += extract_edge_rules(_own(spans, data), data["day"])
    return alt.layer(*layers).properties(title=title_params(title, subtitle), height=260)


def runtime_by_load_chart(deciles: pd.DataFrame, title: str, subtitle: str) -> alt.Chart:
    """Median and 95th-percentile Full BAS runtime by decile of hourly load, from `runtime_by_load_decile`; solid
    line the median, dashed the 95th percentile."""
    long = deciles.melt(id_vars=["decile", "hours", "runs_per_hour_min", "runs_per_hour_max", "runs"],
                        value_vars=["runtime_median_s", "runtime_p95_s"], var_name="statistic",
                        value_name="runtime_s")
    long["statistic"] = long["statistic"].map({"runtime_median_s": "median", "runtime_p95_s": "95th percentile"})
    long["load"] = [f"{a}–{b} runs/hour" for a, b in zip(long["runs_per_hour_min"], long["runs_per_hour_max"],
                                                                      strict=True)]
    data = _full_bas(long)
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("decile:O", title="Hourly load decile (1 = quietest 10% of hours, 10 = busiest)",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("runtime_s:Q", title="Runtime per run (s)"),
        color=system_color(legend=False),
        strokeDash=alt.StrokeDash("statistic:N", title="Runtime", sort=["median", "95th percentile"],
                                  scale=alt.Scale(domain=["median", "95th percentile"], range=[[1, 0], [6, 4]])),
        tooltip=[alt.Tooltip("decile:O", title="Load decile"), alt.Tooltip("load:N", title="Hours with"),
                 alt.Tooltip("statistic:N", title="Statistic"),
                 alt.Tooltip("runtime_s:Q", title="Runtime (s)", format=".2f"),
                 alt.Tooltip("runs:Q", title="Runs", format=","), alt.Tooltip("hours:Q", title="Hours")],
    ).properties(title=title_params(title, subtitle), height=300)


def forecast_chart(history: pd.DataFrame, forecasts: pd.DataFrame, provision: int, title: str, subtitle: str,
                   spans: dict | None = None) -> alt.LayerChart:
    """Monthly peak concurrency of Full BAS (solid), the seasonal-naive forecast for the next quarter (points with
    the interval as error bars) and the capacity to provision (accent rule), from `capacity_plan`."""
    hist = _full_bas(history)
    fc = _full_bas(forecasts)
    x = alt.X("month_start:T", title="Month (Sydney time)", axis=MONTH_AXIS)
    line = alt.Chart(hist).mark_line(point=True).encode(
        x=x, y=alt.Y("peak_concurrency:Q", title="Runs at once (monthly peak)",
                     axis=alt.Axis(tickMinStep=1), scale=alt.Scale(zero=True)),
        color=system_color(legend=False),
        tooltip=[alt.Tooltip("month_start:T", title="Month", format="%B %Y"),
                 alt.Tooltip("peak_concurrency:Q", title="Peak concurrent runs"),
                 alt.Tooltip("runs:Q", title="Runs", format=",")],
    )
    bars = alt.Chart(fc).mark_errorbar(ticks=True, thickness=2).encode(
        x=alt.X("month_start:T"), y=alt.Y("lower:Q", title="Runs at once (monthly peak)"),
        y2=alt.Y2("upper:Q"), color=system_color(legend=False))
    tooltip = [alt.Tooltip("month_start:T", title="Forecast month", format="%B %Y"),
               alt.Tooltip("peak_concurrency_forecast:Q", title="Forecast peak", format=".1f"),
               alt.Tooltip("lower:Q", title="Interval from", format=".1f"),
               alt.Tooltip("upper:Q", title="Interval to", format=".1f"),
               alt.Tooltip("runs_forecast:Q", title="Runs forecast", format=",.0f")]
    points = alt.Chart(fc).mark_point(filled=False, size=90, strokeWidth=2).encode(
        x=alt.X("month_start:T"), y=alt.Y("peak_concurrency_forecast:Q"), color=system_color(legend=False),
        tooltip=tooltip)
    level = pd.DataFrame({"provision": [provision], "label": [f"Provision: {provision} at once"]})
    rule = alt.Chart(level).mark_rule(color=ACCENT_COLOR, strokeDash=[6, 3], strokeWidth=2).encode(
        y=alt.Y("provision:Q"), tooltip=[alt.Tooltip("label:N", title="Capacity")])
    text = alt.Chart(level).mark_text(color=ACCENT_COLOR, align="left", baseline="bottom", dy=-3, x=4,
                                      fontWeight="bold").encode(y=alt.Y("provision:Q"), text=alt.Text("label:N"))
    edges = extract_edge_rules(_own(spans, hist), hist["month_start"])
    return alt.layer(line, bars, points, rule, text, *edges).properties(title=title_params(title, subtitle),
                                                                       height=320)
