"""Daily and hourly forecast: the capacity chapter's monthly forecast carried down to the next quarter's days and
hours (Full BAS runs and runs under way at once, with intervals), so operations can plan the due-date weeks."""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses import capacity, forecast, spikes
from basstory.analyses.seasonality import QUARTERLY_CADENCES
from basstory.core.calendar_au import bas_due_dates
from basstory.core.text import fmt_day, fmt_int
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import (
    Block,
    Chart,
    Column,
    Details,
    Heading,
    Metric,
    Metrics,
    Note,
    Table,
    Text,
    lazy_details,
)
from basstory.story.chapters.common import opening
from basstory.story.charts import forecast as charts
from basstory.story.narrative import forecast as narrative

TITLE = "Daily and hourly forecast"
#: Days either side of the busiest day that the hourly charts show.
WEEK_AROUND = 3
DAY_COLUMNS = {"day": Column("Day (Sydney)", "datetime", "ddd D MMM YYYY"), "runs": Column("Runs", format="%.0f"),
               "lower": Column("Interval from", format="%.0f"), "upper": Column("Interval to", format="%.0f"),
               "peak_concurrency": Column("Peak at once"), "phase": Column("Due-date phase", "text")}
CHECK_COLUMNS = {"hour_local": Column("Hour (Sydney)", "datetime", "D MMM YYYY HH:mm"), "runs": Column("Runs"),
                 "measured_l": Column("Mean at once (measured)", format="%.2f"),
                 "peak_concurrency": Column("Peak at once (measured)"),
                 "predicted_peak": Column("Poisson peak (before the correction)"),
                 "difference": Column("Difference")}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The finding, the cards, the next quarter's days, the busiest week hour by hour; the method and its check in
    a fold."""
    # the load sweep beside the hours and the day pattern
    prefetch(con, filters, capacity.capacity_outlook, spikes.hourly_series, spikes.day_pattern)
    s = forecast.forecast_summary(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.forecast_finding(s) if s else narrative.NO_FORECAST)
    if runs is None:
        return blocks
    if s is None:
        return [*blocks, Note(narrative.NO_FORECAST)]
    fc = forecast.forecast(con, filters)
    day, hour = s["peak_day"], s["peak_hour"]
    blocks.append(Metrics((
        Metric("Full BAS runs next quarter", fmt_int(s["runs"]),
               f"{s['level']:.0%} interval {fmt_int(s['runs_lower'])}–{fmt_int(s['runs_upper'])}",
               help="The capacity chapter's seasonal-naive monthly forecast, summed over the quarter."),
        Metric("Busiest day", fmt_day(day["day"]), f"{fmt_int(day['runs'])} runs "
               f"({fmt_int(day['lower'])}–{fmt_int(day['upper'])})"),
        Metric("Busiest hour (Sydney)", f"{hour['hour']:%-d %b %H}:00", f"{fmt_int(hour['runs'])} runs "
               f"({fmt_int(hour['lower'])}–{fmt_int(hour['upper'])})"),
        Metric("Peak runs at once", f"{hour['peak_concurrency']}", f"interval {hour['peak_lower']}–{hour['peak_upper']}"
               f" · provision {s['monthly_peak']['provision']}",
               help="The most Full BAS runs under way at the same instant in the busiest hour, forecast; beside it "
                    "the capacity the seasonality chapter provisions."),
    )))
    days, hours = fc["days"], fc["hours"]
    due = _due(days["day"].min(), days["day"].max(), fc["history"])
    blocks += [Heading("Runs per day, next quarter"),
               Chart("fc_days", charts.daily_forecast_chart(fc["history"], days, due, *narrative.daily_title(s)),
                     charts.daily_frame(fc["history"], days))]
    first = pd.Timestamp(day["day"]) - pd.Timedelta(days=WEEK_AROUND)
    last = pd.Timestamp(day["day"]) + pd.Timedelta(days=WEEK_AROUND)
    week = hours[(hours["day"] >= first) & (hours["day"] <= last)].reset_index(drop=True)
    blocks += [Heading("The busiest week, hour by hour"),
               Chart("fc_hours", charts.hourly_forecast_chart(week, "runs", *narrative.hourly_title(s, first, last)),
                     week),
               Chart("fc_concurrency", charts.hourly_forecast_chart(
                   week, "peak_concurrency", *narrative.concurrency_title(s, first, last)), week),
               Table("fc_days_table", days[list(DAY_COLUMNS)], DAY_COLUMNS,
                     collapsed="Every day of the next quarter: runs forecast, interval, peak at once"),
               lazy_details("Details: how the method would have done last quarter", backtest_fold, filters),
               Details("Details: how the forecast is made, and its check", (
                   Text(narrative.method_text(fc)),
                   *([Text(narrative.check_sentence(s))] if s["check"]["hours"] else []),
                   Table("fc_check", forecast.peak_check(con, filters), CHECK_COLUMNS)))]
    return blocks


def backtest_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The method run on the last quarter of whole months as if it were still to come, against what came."""
    b = forecast.backtest(con, filters)
    if b is None:
        return [Note("Too few whole months to hold a quarter back and still forecast it (five before it).")]
    days = b["days"]
    history = days[["day", "actual"]].rename(columns={"actual": "runs"})
    due = _due(days["day"].min(), days["day"].max(), history)
    return [Text(narrative.backtest_sentence(b)),
            Chart("fc_backtest", charts.daily_forecast_chart(history, days, due, *narrative.backtest_title(b)),
                  days)]


def _due(first: pd.Timestamp, last: pd.Timestamp, history: pd.DataFrame) -> pd.DataFrame:
    """The quarterly due dates from the history's first day to the forecast's last, as the charts mark them."""
    start = history["day"].min() if not history.empty else first
    due = bas_due_dates(pd.Timestamp(start).date(), pd.Timestamp(last).date())
    due = due[due["cadence"].isin(QUARTERLY_CADENCES)]
    out = due.groupby("due_date", as_index=False).agg(label=("label", " / ".join))
    out["due_date"] = pd.to_datetime(out["due_date"])
    return out
