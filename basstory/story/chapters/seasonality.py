"""Chapter 3: seasonality and capacity — runs per month, the quarterly cycle, the daily series decomposed, Full BAS
load weighted by runtime, and a forecast of the next peak with the capacity it needs."""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses import capacity, like_for_like, seasonality, spikes
from basstory.analyses.claims import story_claims
from basstory.analyses.dataset import extract_spans
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import (
    Block,
    Bullets,
    Chart,
    Column,
    Details,
    Heading,
    Metric,
    Metrics,
    Note,
    Table,
    Text,
    chart_or_note,
    lazy_details,
)
from basstory.story.chapters.common import opening
from basstory.story.charts import seasonality as charts
from basstory.story.narrative import seasonality as narrative
from basstory.story.narrative.like_for_like import capacity_rule_sentence

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
    """The finding, runs per month, the quarterly cycle and the capacity forecast; the decomposition, the load
    measures and the methods in Details folds."""
    prefetch(con, filters, capacity.capacity_outlook)     # the load sweep, beside the runs per day
    summary = seasonality.seasonality_summary(con, filters)
    outlook = capacity.capacity_outlook(con, filters)
    load, plan = outlook["load"], outlook["plan"]
    claims = story_claims(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.seasonality_finding(summary, plan, claims))
    if runs is None:
        return blocks

    spans = extract_spans(con, filters)
    months = seasonality.runs_per_month(con, filters)
    title = narrative.monthly_title(months, claims["month"])
    blocks += [Heading("Runs per month"),
               chart_or_note("sea_months", months, lambda: charts.monthly_runs_chart(months, *title, spans))]

    cycle = seasonality.quarterly_cycle(con, filters)
    title = narrative.cycle_title(cycle)
    blocks += [Heading("The quarterly cycle"),
               chart_or_note("sea_cycle", cycle, lambda: charts.quarterly_cycle_chart(cycle, *title), title.text + ".")]

    blocks.append(Heading("Full BAS capacity"))
    if load is None:
        blocks.append(Note(NO_LOAD_NOTE))
    elif plan is None:
        blocks.append(Note(narrative.capacity_statement(None)))
    else:
        history = plan["history"]
        forecast = pd.concat([history.assign(series="monthly peak"), plan["forecasts"].assign(series="forecast")],
                             ignore_index=True)
        blocks += [Chart("sea_forecast", charts.forecast_chart(history, plan["forecasts"], plan["provision"],
                                                               *narrative.forecast_title(plan), spans), forecast),
                   Note(narrative.capacity_statement(plan), tone="success", icon=":material/dns:")]
    blocks += _capacity_rule_blocks(con, filters, load)
    blocks.append(lazy_details("Details: trend, week, month and quarter", decomposition_fold, filters))
    if load is not None:
        blocks.append(lazy_details("Details: Full BAS load, concurrency and the Little's law check", load_fold,
                                   filters))
    if plan is not None:
        blocks.append(Details("Details: how the forecast is made", (Text(narrative.forecast_method(plan)),)))
    return blocks


#: The capacity rule's table.
RULE_COLUMNS = {"dimension": Column("When", "text"), "bucket": Column("Which", "text"),
                "peak": Column("Peak runs at once (mean)", format="%.1f"),
                "ratio": Column("× the median", format="%.2f")}


def _capacity_rule_blocks(con: duckdb.DuckDBPyConnection, filters: StoryFilters, load: dict | None) -> list[Block]:
    """Capacity as a rule that repeats: a sentence and its table (like_for_like.capacity_rule)."""
    rule = like_for_like.capacity_rule(load)
    sentence = capacity_rule_sentence(rule)
    if sentence is None:
        return []
    return [Text(sentence), Table("sea_capacity_rule", rule.drop(columns="order"), RULE_COLUMNS,
                                  collapsed="Capacity by day of the month, month of the quarter and hour of the day")]


def decomposition_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The method, each system's daily series with its trend, and the weekly, quarterly and monthly cycles."""
    claims = story_claims(con, filters)
    due = seasonality.due_dates_in_view(con, filters)
    spans = extract_spans(con, filters)
    parts = seasonality.daily_decomposition(con, filters)
    daily = parts["daily"]
    flagged = spikes.spike_days(con, filters)
    flagged = flagged[flagged["measure"] == "runs"]
    blocks: list[Block] = [Text(narrative.decomposition_method())]
    for system in SYSTEMS:
        if system in filters.systems:
            one = daily[daily["system"] == system]
            marks = flagged[flagged["system"] == system]
            blocks.append(chart_or_note(
                f"sea_daily_{system}", one,
                lambda one=one, system=system, marks=marks: charts.daily_trend_chart(
                    one, due, *narrative.daily_title(system, one), spans, marks),
                f"{SYSTEM_LABELS[system]}: fewer than 28 days of runs, too few for a trend."))
    weekly, moq, dom = parts["weekly"], parts["month_of_quarter"], parts["day_of_month"]
    weekly_title = narrative.weekly_title(weekly, claims["week"])
    quarter_title = narrative.month_of_quarter_title(moq, claims["quarter"])
    dom_title = narrative.day_of_month_title(dom, claims["month_day"])
    return [
        *blocks,
        chart_or_note("sea_weekly", weekly, lambda: charts.weekly_cycle_chart(weekly, *weekly_title),
                      "Too few days to read a weekly cycle."),
        chart_or_note("sea_quarter", moq, lambda: charts.month_of_quarter_chart(moq, *quarter_title),
                      "No whole month in this view to read a quarterly cycle."),
        chart_or_note("sea_dom", dom, lambda: charts.day_of_month_cycle_chart(dom, *dom_title),
                      "Too few days to read a monthly cycle."),
    ]


def load_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The load cards, their sentences, the daily load and concurrency charts, Little's law and runtime by load."""
    load = capacity.full_bas_load(con, filters)
    if load is None:
        return [Note(NO_LOAD_NOTE)]
    due = seasonality.due_dates_in_view(con, filters)
    said = story_claims(con, filters)["load"]
    spans = extract_spans(con, filters)
    s = load["summary"]
    ratio = s["peak_to_median_hour"]
    cards = Metrics((
        Metric("Peak concurrent runs", f"{s['peak_concurrency']}",
               help="The most Full BAS runs under way at the same instant."),
        Metric("In 99% of minutes, at most", f"{s['minute_p99']:g} runs at once",
               help="Per-minute peak concurrency, 99th percentile over every minute of the period: the most runs "
                    "under way at once in all but the busiest 1% of minutes."),
        Metric("Busiest hour by compute-seconds", f"{s['peak_hour_compute_s']:,.0f} compute-seconds",
               f"{s['peak_hour_local']:%-d %b %Y %H:00} Sydney time",
               help="Seconds of Full BAS runtime inside the busiest clock hour (3,600 = one run under way all hour)."),
        Metric("Busiest ÷ median hour", narrative.times(ratio) if ratio else "–",
               "by compute-seconds",
               help="Compute-seconds in the busiest hour over those in the median hour of the period."),
    ))
    deciles = capacity.runtime_by_load_decile(con, filters)
    return [
        cards,
        Bullets(tuple(narrative.load_sentences(s, said))),
        Chart("sea_load", charts.daily_load_chart(load["daily"], due, *narrative.load_title(said), spans),
              load["daily"]),
        Chart("sea_concurrency", charts.daily_concurrency_chart(load["daily"], due,
                                                                *narrative.concurrency_title(s, said), spans),
              load["daily"]),
        Text(narrative.littles_law_sentence(s, load["busiest_hours"], said)),
        Table("sea_busiest_hours", load["busiest_hours"], BUSIEST_HOURS_COLUMNS,
              collapsed="The busiest hours, checked against Little's law"),
        chart_or_note("sea_runtime", deciles,
                      lambda: charts.runtime_by_load_chart(deciles, *narrative.runtime_title(deciles))),
    ]
