"""Sentences that compare the two systems like for like (basstory.analyses.like_for_like): switching where it can be
seen, one outage window for both, capacity as a rule. The share of runs over the months both extracts cover is a
claim, written by narrative.claims.share_sentence."""
from __future__ import annotations

import pandas as pd

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_day, fmt_int, plural
from basstory.story.narrative.claims import times
from basstory.story.narrative.common import ChartTitle
from basstory.story.narrative.outage import number, window_name


def switches_title(switches: dict | None) -> ChartTitle:
    """Title of the take-up chart, from `observed_switches`."""
    subtitle = ("Orgs whose first run of one report came after they had used the other, by the quarter of that first "
                "run; colour: the report taken up. Only take-ups where both extracts were running can be told from "
                "an extract starting.")
    if not switches:
        return ChartTitle("Switching needs both systems in view", subtitle)
    w = switches["window"]
    if w is None:
        return ChartTitle("The extracts overlap too little to see anyone switch", subtitle)
    span = f"Where both extracts were running ({fmt_day(w[0])} to {fmt_day(w[1])})"
    to_simple, to_full = switches["full_to_simple"], switches["simple_to_full"]
    if not to_simple and not to_full:
        return ChartTitle(f"{span}, no organisation took up the other report", subtitle)
    return ChartTitle(f"{span}, {plural(to_simple, 'organisation')} took up Simple BAS after Full BAS and "
                      f"{fmt_int(to_full) if to_full else 'none'} went the other way", subtitle)


def switches_sentence(switches: dict | None, margin_days: int) -> str:
    """What could and could not be observed about switching, from `observed_switches`."""
    if not switches:
        return "Switching between the reports can only be seen with both systems in view."
    w = switches["window"]
    seen = (f"A take-up counts only when the org's first run of the new report falls between {fmt_day(w[0])} and "
            f"{fmt_day(w[1])}: both extracts were running then, and the new report's extract had run for at least "
            f"{margin_days} days (a BAS quarter) before it, so a first run is not just where an extract starts. "
            if w else "The two extracts overlap too little for any take-up to be told apart from an extract "
                      "starting. ")
    return (seen + f"Of the {plural(switches['orgs_both'], 'organisation')} that used both reports, "
            f"{fmt_int(switches['unobservable'])} started their second report outside that window: whether they "
            f"switched, added it or had always used both cannot be observed in these extracts.")


def shared_window_sentence(shared: dict | None) -> str | None:
    """Whether one window serves both systems and what it costs each, and how many night windows cost almost
    nothing; None unless both systems have windows."""
    if not shared:
        return None
    w = shared["window"]
    name = window_name(w["day"], w["start"], w["end"])
    costs = " and ".join(f"{SYSTEM_LABELS[s]} {number(w['runs_mean'][s])} runs a month" for s in SYSTEMS)
    own = "; ".join(f"{SYSTEM_LABELS[s]}'s own window ({window_name(o['day'], o['start'], o['end'])}) would cost "
                    f"{SYSTEM_LABELS[next(x for x in SYSTEMS if x != s)]} {number(o['other_runs_mean'])} runs a month"
                    for s, o in shared["own"].items() if o["other_runs_mean"] is not None)
    return (f"**One window for both systems:** {name} Sydney time costs {costs}; {own}. Of the "
            f"{fmt_int(shared['night_windows'])} windows starting before 06:00, "
            f"{fmt_int(shared['night_near_zero'])} cost each system under {number(shared['near_zero_runs'])} run a "
            f"month: the choice at night is among near-equals.")


def capacity_rule_sentence(rule: pd.DataFrame) -> str | None:
    """Capacity as a rule that repeats, from `capacity_rule`; None when there is none."""
    if rule.empty:
        return None
    parts = []
    for dimension in ("day of the month", "month of the quarter"):
        rows = rule[(rule["dimension"] == dimension) & rule["ratio"].notna()]
        if not rows.empty:
            top = rows.sort_values(["ratio", "order"], ascending=[False, True]).iloc[0]
            parts.append(f"on {top['bucket']} the day's peak averages {top['peak']:.1f} runs at once, "
                         f"{times(float(top['ratio']))} the median day's" if dimension == "day of the month" else
                         f"in the {top['bucket']} the month's peak averages {top['peak']:.1f} runs at once, "
                         f"{times(float(top['ratio']))} the median whole month's")
    hours = rule[(rule["dimension"] == "hour of the day") & rule["ratio"].notna()]
    if not hours.empty:
        busy = hours[hours["ratio"] >= 2].sort_values("order")
        quiet = hours[hours["ratio"] < 0.1].sort_values("order")
        if not busy.empty:
            first, last = busy["bucket"].iloc[0].split("–")[0], busy["bucket"].iloc[-1].split("–")[1]
            verb = "averages" if len(busy) == 1 else "average"
            parts.append(f"{plural(len(busy), 'hour')} of the day, all between {first} and {last} Sydney time, "
                         f"{verb} a peak of at least 2× the median hour's (up to {times(float(busy['ratio'].max()))})")
        if not quiet.empty:
            verb = "averages" if len(quiet) == 1 else "average"
            parts.append(f"{plural(len(quiet), 'hour')} of the day {verb} under a tenth of the median hour's")
    if not parts:
        return None
    return "**Capacity as a rule:** " + "; ".join(parts) + "."
