"""Chapter 4's sentences: the outage window. Numbers in, sentences out; every number comes from the frames of
basstory.analyses.outage_impact passed in."""
from __future__ import annotations

import pandas as pd

from basstory.analyses.outage import STEP_MINUTES, WINDOW_DAYS, WINDOW_MINUTES
from basstory.analyses.outage_impact import METRICS
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_int, fmt_month, plural, zone_name
from basstory.story.narrative.common import ChartTitle


def number(x: float) -> str:
    """An expected count: '0', '0.08', '1.5', '230'."""
    if x == 0:
        return "0"
    if abs(x) < 1:
        return f"{x:.2f}"
    if abs(x) < 10:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return fmt_int(x)


def window_name(day: int, start: str, end: str) -> str:
    """'day 12, 02:00–04:00'."""
    return f"day {day}, {start}–{end}"


def method_text() -> str:
    """The default method in plain words, with the daylight-saving rule (analyses.outage's docstring), written from
    the method's constants."""
    first, last = WINDOW_DAYS[0], WINDOW_DAYS[-1]
    starts = 24 * 60 // STEP_MINUTES
    step = "on the hour or half hour" if STEP_MINUTES == 30 else f"every {STEP_MINUTES} minutes"
    return (
        f"**How the windows are scored.** A candidate window is {_duration(WINDOW_MINUTES)} long and starts {step}, "
        f"on one of days {first}–{last} of the month, in Sydney wall-clock time (so {len(WINDOW_DAYS)} × {starts} = "
        f"{fmt_int(len(WINDOW_DAYS) * starts)} candidates; days {last + 1}–31 "
        "are left out because not every month has them, and a window may run past midnight into the next day). "
        "Each window happens once a month; only the months in which it falls wholly between the system's first and "
        "last run are counted. A window's cost is the **average number of runs it would have interrupted per "
        "month**; the recommendation is the cheapest window (ties go to the earlier day, then the earlier start). "
        "**Daylight saving:** on the night the clocks go forward (first Sunday of October) a start between 02:00 and "
        "02:59 does not exist and moves to 03:00; on the night they go back (first Sunday of April) 02:00–02:59 "
        f"happens twice and the window takes the first one. A window always lasts {WINDOW_MINUTES} real minutes.")


def _duration(minutes: int) -> str:
    """120 -> 'two hours'; 90 -> '90 minutes'."""
    words = {1: "one hour", 2: "two hours", 3: "three hours", 4: "four hours"}
    return words.get(minutes // 60, f"{minutes // 60} hours") if minutes % 60 == 0 else f"{minutes} minutes"


def outage_finding(best: dict[str, pd.DataFrame]) -> str:
    """The chapter's finding from `best_windows` per system."""
    parts = []
    for system in SYSTEMS:
        b = best.get(system)
        if b is None or b.empty:
            continue
        top = b.iloc[0]
        parts.append(f"{SYSTEM_LABELS[system]} on {window_name(int(top['day']), top['start'], top['end'])} Sydney time "
                     f"({number(float(top['runs_mean']))} runs and {number(float(top['users_mean']))} users a month "
                     f"expected)")
    if not parts:
        return "No system has a whole window occurrence in this view, so there is no window to recommend."
    return "The quietest two hours of the month: " + "; ".join(parts) + "."


def heatmap_title(system: str, metrics: pd.DataFrame, metric: str, costliest: dict | None = None) -> ChartTitle:
    """Title of one system's day × time map, from `window_metrics` and the chosen measure; measured by runs, the
    costliest window is the claims' (analyses.claims: the recommendation's, with its tie rule)."""
    label = METRICS[metric]
    value = f"{metric}_mean"
    rank = metrics.sort_values(f"rank_{metric}")
    best, worst = rank.iloc[0], rank.iloc[-1]
    if metric == "runs" and costliest:
        worst = {"day": costliest["day"], "start": costliest["start"], "end": costliest["end"],
                 value: costliest["runs_mean"]}
    cheapest = window_name(int(best["day"]), best["start"], best["end"])
    text = (f"{SYSTEM_LABELS[system]}: the cheapest window, {cheapest}, "
            f"costs {number(float(best[value]))} {label} a month, and the costliest window, "
            f"{window_name(int(worst['day']), worst['start'], worst['end'])}, {number(float(worst[value]))} {label} "
            f"a month")
    months = int(metrics["occurrences"].max())
    subtitle = (f"Expected {label} per occurrence of every two-hour window (mean over up to {months} months), by day "
                f"of the month and start time in Sydney. Outlined and numbered: the five cheapest.")
    return ChartTitle(text, subtitle)


def best_windows_sentence(best: pd.DataFrame) -> str:
    """What the five best windows would cost at most, from `best_windows`."""
    if best.empty:
        return "No whole window occurrence in this view."
    worst_runs = best.sort_values(["runs_max", "rank"], ascending=[False, True]).iloc[0]
    worst_users = best.sort_values(["users_max", "rank"], ascending=[False, True]).iloc[0]
    return (f"Across all {fmt_int(int(best['occurrences'].max()))} months measured, none of these "
            f"{len(best)} windows ever interrupted more than {plural(int(worst_runs['runs_max']), 'run')} "
            f"(window {int(worst_runs['rank'])}, {fmt_month(worst_runs['runs_worst_month'])}) or touched more than "
            f"{plural(int(worst_users['users_max']), 'user')} and "
            f"{plural(int(best['orgs_max'].max()), 'organisation')} in one month.")


def best_windows_display(best: pd.DataFrame, tz: str) -> pd.DataFrame:
    """The five best windows as the page shows them: one row per window, readable column names."""
    zone = zone_name(tz)
    rows = []
    for r in best.itertuples(index=False):
        row = {
            "Rank": int(r.rank),
            "Window (Sydney)": window_name(int(r.day), r.start, r.end),
            "UTC": r.utc_times,
        }
        if zone not in ("Sydney time", "UTC"):
            row[f"In {zone}"] = r.zone_times
        row.update({
            "Runs a month (mean)": number(float(r.runs_mean)),
            "Runs (worst month)": f"{int(r.runs_max)} ({fmt_month(r.runs_worst_month)})",
            "Users a month (mean)": number(float(r.users_mean)),
            "Users (worst month)": f"{int(r.users_max)} ({fmt_month(r.users_worst_month)})",
            "Orgs a month (mean)": number(float(r.orgs_mean)),
            "Orgs (worst month)": f"{int(r.orgs_max)} ({fmt_month(r.orgs_worst_month)})",
            "Months measured": int(r.occurrences),
            "Clock-change nights": int(r.clock_change_nights),
        })
        rows.append(row)
    return pd.DataFrame(rows)


def times_note(tz: str) -> str:
    """How to read the UTC and other-zone columns."""
    zone = zone_name(tz)
    extra = f" and in {zone}" if zone not in ("Sydney time", "UTC") else ""
    return (f"The window is fixed in Sydney wall-clock time, so in UTC{extra} it moves by an hour between daylight "
            f"saving and standard time: both readings are shown, the more frequent first; '(day before)' means the "
            f"window starts on the previous calendar day there. Nights when the clocks change are counted apart.")


def metric_choice_sentence(choices: pd.DataFrame) -> str:
    """Whether measuring by users, organisations or compute-seconds changes the recommended window."""
    if choices.empty:
        return "No window to compare."
    base = choices[choices["metric"] == "runs"].iloc[0]
    same = [r.label for r in choices.itertuples() if r.metric != "runs" and r.same_as_runs]
    moved = [r for r in choices.itertuples() if r.metric != "runs" and not r.same_as_runs]
    name = window_name(int(base["day"]), base["start"], base["end"])
    parts = []
    if same:
        parts.append(f"Measured by {_join(same)}, the choice stays {name}")
    for r in moved:
        parts.append(f"measured by {r.label} it moves to {window_name(int(r.day), r.start, r.end)}, which is "
                     f"number {int(r.rank_runs)} by runs ({number(float(r.runs_mean))} runs a month against "
                     f"{number(float(base['runs_mean']))})")
    if not parts:
        return f"Only runs can be measured here: the choice is {name}."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def metric_choice_display(choices: pd.DataFrame) -> pd.DataFrame:
    """The window each measure picks, with its cost in every measure."""
    rows = []
    for r in choices.itertuples(index=False):
        rows.append({
            "Measured by": r.label,
            "Best window (Sydney)": window_name(int(r.day), r.start, r.end),
            "Runs a month (mean)": number(float(r.runs_mean)),
            "Users a month (mean)": number(float(r.users_mean)),
            "Orgs a month (mean)": number(float(r.orgs_mean)),
            "Compute-seconds a month (mean)": "–" if pd.isna(r.compute_s_mean) else number(float(r.compute_s_mean)),
            "Rank by runs": int(r.rank_runs),
        })
    return pd.DataFrame(rows)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
