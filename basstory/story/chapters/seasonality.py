"""Chapter 3: seasonality and capacity — runs per month, the quarterly cycle, the daily series decomposed, Full BAS
load weighted by runtime, and a forecast of the next peak with the capacity it needs."""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses import capacity, seasonality
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.story.blocks import (
    Block,
    Bullets,
    Chart,
    Column,
    Heading,
    Metric,
    Metrics,
    Note,
    Table,
    Text,
    chart_or_note,
)
from basstory.story.chapters.common import opening
from basstory.story.charts import seasonality as charts
from basstory.story.narrative import seasonality as narrative

TITLE = "Seasonality and capacity"
NO_LOAD_NOTE = ("No Full BAS runs with a runtime in this view: load and capacity are measured on Full BAS only "
                "(the Simple BAS extract has no runtime).")
#: The busiest hours table, checked against Little's law.
BUSIEST_HOURS_COLUMNS = {
    "hour_utc": Column("Hour (UTC)", "datetime", "D MMM YYYY HH:mm"),
    "hour_local": Column("Hour (Sydney)", "datetime", "D MMM YYYY HH:mm"),
    "runs": Column("Runs starting"),
    "mean_runtime_s": Column("W: mean runtime (s)", format="%.2f"),
    "arrivals_per_s": Column("λ: arrivals per second", format="%.4f"),
    "littles_l": Column("λ·W", format="%.3f"),
    "measured_l": Column("Measured mean concurrency", format="%.3f"),
    "relative_error": Column("Difference", format="percent"),
    "peak_concurrency": Column("Peak concurrency"),
}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    summary = seasonality.seasonality_summary(con, filters)
    outlook = capacity.capacity_outlook(con, filters)
    load, plan = outlook["load"], outlook["plan"]
    blocks, runs = opening(con, filters, TITLE, narrative.seasonality_finding(summary, plan))
    if runs is None:
        return blocks

    months = seasonality.runs_per_month(con, filters)
    title = narrative.monthly_title(months)
    blocks += [Heading("Runs per month"),
               chart_or_note("sea_months", months, lambda: charts.monthly_runs_chart(months, *title))]

    cycle = seasonality.quarterly_cycle(con, filters)
    title = narrative.cycle_title(cycle)
    blocks += [Heading("The quarterly cycle"),
               chart_or_note("sea_cycle", cycle, lambda: charts.quarterly_cycle_chart(cycle, *title), title.text + ".")]

    parts = seasonality.daily_decomposition(con, filters)
    due = seasonality.due_dates_in_view(con, filters)
    daily = parts["daily"]
    blocks += [Heading("Trend, week, month and quarter"), Text(narrative.decomposition_method())]
    for system in SYSTEMS:
        if system in filters.systems:
            one = daily[daily["system"] == system]
            blocks.append(chart_or_note(
                f"sea_daily_{system}", one,
                lambda one=one, system=system: charts.daily_trend_chart(one, due, *narrative.daily_title(system, one)),
                f"{SYSTEM_LABELS[system]}: fewer than 28 days of runs, too few for a trend."))
    weekly, moq, dom = parts["weekly"], parts["month_of_quarter"], parts["day_of_month"]
    blocks += [
        chart_or_note("sea_weekly", weekly, lambda: charts.weekly_cycle_chart(weekly, *narrative.weekly_title(weekly)),
                      "Too few days to read a weekly cycle."),
        chart_or_note("sea_quarter", moq,
                      lambda: charts.month_of_quarter_chart(moq, *narrative.month_of_quarter_title(moq)),
                      "No whole month in this view to read a quarterly cycle."),
        chart_or_note("sea_dom", dom, lambda: charts.day_of_month_cycle_chart(dom, *narrative.day_of_month_title(dom)),
                      "Too few days to read a monthly cycle."),
    ]

    blocks.append(Heading("Full BAS load and capacity"))
    if load is None:
        return [*blocks, Note(NO_LOAD_NOTE)]
    blocks += _load_blocks(load, due)
    blocks.append(Heading("The next peak and the capacity it needs"))
    if plan is None:
        return [*blocks, Note(narrative.capacity_statement(None))]
    history = plan["history"]
    forecast = pd.concat([history.assign(series="monthly peak"), plan["forecasts"].assign(series="forecast")],
                         ignore_index=True)
    return [
        *blocks,
        Chart("sea_forecast", charts.forecast_chart(history, plan["forecasts"], plan["provision"],
                                                    *narrative.forecast_title(plan)), forecast),
        Text(narrative.forecast_method(plan)),
        Note(narrative.capacity_statement(plan), tone="success", icon=":material/dns:"),
    ]


def _load_blocks(load: dict, due: pd.DataFrame) -> list[Block]:
    """The load cards, their sentences, the daily load and concurrency charts, Little's law and runtime by load."""
    s = load["summary"]
    ratio = s["peak_to_median_hour"]
    cards = Metrics((
        Metric("Peak concurrent runs", f"{s['peak_concurrency']}",
               help="The most Full BAS runs under way at the same instant."),
        Metric("99th percentile, per minute", f"{s['minute_p99']:g} at once",
               help="Per-minute peak concurrency, 99th percentile over every minute of the period."),
        Metric("Busiest hour", f"{s['peak_hour_compute_s']:,.0f} s",
               help="Seconds of Full BAS runtime inside the busiest clock hour."),
        Metric("Busiest ÷ median hour", narrative.times(ratio) if ratio else "–",
               help="Compute-seconds in the busiest hour over those in the median hour of the period."),
    ))
    deciles = load["runtime_by_load"]
    return [
        cards,
        Bullets(tuple(narrative.load_sentences(s))),
        Chart("sea_load", charts.daily_load_chart(load["daily"], due, *narrative.load_title(s)), load["daily"]),
        Chart("sea_concurrency", charts.daily_concurrency_chart(load["daily"], due, *narrative.concurrency_title(s)),
              load["daily"]),
        Text(narrative.littles_law_sentence(s, load["busiest_hours"])),
        Table("sea_busiest_hours", load["busiest_hours"], BUSIEST_HOURS_COLUMNS,
              collapsed="The busiest hours, checked against Little's law"),
        chart_or_note("sea_runtime", deciles,
                      lambda: charts.runtime_by_load_chart(deciles, *narrative.runtime_title(deciles))),
    ]
