"""Spikes and drops: the days (and hours) whose runs or compute depart from what the weekday and due-date pattern
predicts, their size and their likely cause, marked on each system's daily series."""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses import spikes
from basstory.analyses.dataset import extract_spans
from basstory.analyses.seasonality import due_dates_in_view
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int
from basstory.query.filters import StoryFilters
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
    Tabs,
    Text,
    lazy_details,
)
from basstory.story.chapters.common import opening
from basstory.story.charts import spikes as charts
from basstory.story.narrative import spikes as narrative

TITLE = "Spikes and drops"
DAY_COLUMNS = {"system": Column("System", "text"), "measure": Column("Measure", "text"),
               "day": Column("Day (Sydney)", "datetime", "ddd D MMM YYYY"), "kind": Column("Flagged", "text"),
               "value": Column("Actual", format="%.0f"), "expected": Column("Expected", format="%.0f"),
               "ratio": Column("× expected", format="%.2f"), "z": Column("Robust z", format="%+.1f"),
               "cause": Column("Likely cause", "text")}
HOUR_COLUMNS = {"system": Column("System", "text"), "hour": Column("Hour (Sydney)", "datetime", "ddd D MMM YYYY HH:mm"),
                "kind": Column("Flagged", "text"), "runs": Column("Runs"),
                "expected": Column("Expected", format="%.1f"), "z": Column("Robust z", format="%+.1f"),
                "cause": Column("Likely cause", "text")}
MEASURE_NAMES = {"runs": "runs", "compute_s": "compute-seconds"}


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The finding, the counts, each series with its flagged days marked (a tab each), the list of flagged days; the
    hours and the method in folds."""
    summary = spikes.spikes_summary(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.spikes_finding(summary))
    if runs is None:
        return blocks
    if not summary["series"]:
        return [*blocks, Note(narrative.spikes_finding(summary))]
    pattern = spikes.day_pattern(con, filters)
    flagged = spikes.spike_days(con, filters)
    due = due_dates_in_view(con, filters)
    spans = extract_spans(con, filters)
    blocks.append(Metrics((
        Metric("Days flagged", fmt_int(summary["flagged_days"]), f"of {fmt_int(_days(summary))} days judged",
               help="Days (per system) with a spike or a drop in runs or compute."),
        Metric("Spike days", fmt_int(summary["spike_days"]), help="Days busier than the pattern predicts."),
        Metric("Drop days", fmt_int(summary["drop_days"]), help="Days quieter than the pattern predicts."),
        Metric("Explained by the data", fmt_int(summary["flagged_days"] - summary["unexplained"]),
               help="Flagged days on a due date (or up to three days before), the day after one, a holiday, a "
                    "daylight-saving night, the edge of an extract or a day without runs."),
    )))
    if summary["causes"]:
        blocks.append(Text(narrative.causes_sentence(summary)))
    blocks.append(Heading("Each day against the pattern"))
    series_charts = []          # (tab label, chart): one series at a time, a tab not shown costs the browser nothing
    for system in SYSTEMS:
        for measure in spikes.MEASURES:
            key = f"{system}/{measure}"
            if key not in summary["series"]:
                continue
            series = pattern[(pattern["system"] == system) & (pattern["measure"] == measure)]
            marks = flagged[(flagged["system"] == system) & (flagged["measure"] == measure)]
            data = series[["system", "measure", "day", "value", "expected", "z", "phase"]]
            chart = Chart(f"spk_{system}_{measure}", charts.spike_series_chart(
                data, marks, measure, due, *narrative.series_title(system, measure, marks, summary["series"][key]),
                spans), data)
            series_charts.append((f"{SYSTEM_LABELS[system]} {MEASURE_NAMES[measure]}", chart))
    if len(series_charts) == 1:                                   # one system, one series: no tab to pick
        blocks.append(series_charts[0][1])
    else:
        blocks.append(Tabs(tuple((label, (chart,)) for label, chart in series_charts)))
    blocks.append(Heading("The flagged days"))
    if flagged.empty:
        blocks.append(Note("No day departed from the pattern by the threshold."))
    else:
        blocks.append(Table("spk_days", _display_days(flagged), DAY_COLUMNS))
    blocks += [lazy_details("Details: unusual hours", hours_fold, filters),
               Details("Details: how a day is judged", (Text(narrative.method_text()),))]
    return blocks


def _days(summary: dict) -> int:
    return sum(v["days"] for k, v in summary["series"].items() if k.endswith("/runs"))


def _display_days(flagged: pd.DataFrame) -> pd.DataFrame:
    return flagged[list(DAY_COLUMNS)].assign(system=flagged["system"].map(SYSTEM_LABELS),
                                             measure=flagged["measure"].map(MEASURE_NAMES),
                                             kind=flagged["kind"].str.capitalize())


def hours_fold(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """The hours that depart from their day's usual shape, and how they are judged."""
    summary = spikes.hours_summary(con, filters)
    hours = spikes.spike_hours(con, filters)
    blocks: list[Block] = [Text(narrative.hours_method_text()), Text(narrative.hours_sentence(summary))]
    if not hours.empty:
        top = hours.iloc[0]
        pattern = spikes.hour_pattern(con, filters)
        day = pattern[(pattern["system"] == top["system"]) & (pattern["day"] == top["hour"].normalize())]
        marks = hours[(hours["system"] == top["system"]) & (hours["hour"].dt.normalize() == top["hour"].normalize())]
        blocks += [Chart("spk_hour_day", charts.hour_day_chart(day, marks, *narrative.hour_day_title(top.to_dict())),
                         day.reset_index(drop=True)),
                   Table("spk_hours", hours[list(HOUR_COLUMNS)].assign(
                       system=hours["system"].map(SYSTEM_LABELS), kind=hours["kind"].str.capitalize()),
                       HOUR_COLUMNS)]
    return blocks
