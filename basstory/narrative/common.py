"""Sentences from numbers: every sentence the story or the CLI writes about the data is built here."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from basstory.filters import EXCLUSION_LABELS
from basstory.schema import SYSTEM_LABELS, SYSTEMS


class ChartTitle(NamedTuple):
    """A chart's title (the finding) and subtitle (what is shown, how it is counted)."""

    text: str
    subtitle: str


def zone_name(tz: str) -> str:
    """'Australia/Sydney' -> 'Sydney time', 'UTC' -> 'UTC'."""
    return "UTC" if tz == "UTC" else tz.split("/")[-1].replace("_", " ") + " time"


def hour_range(hour: int) -> str:
    """10 -> '10:00–11:00'."""
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def ordinal(n: int) -> str:
    """21 -> '21st', 12 -> '12th'."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_words(parts: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def fmt_int(n: int | float) -> str:
    """12345 -> '12,345'."""
    return f"{int(round(n)):,}"


def fmt_bytes(n: int) -> str:
    """Bytes in the units people use: '812 B', '3.4 MB', '2.0 GB' (powers of 1024, as Streamlit's limit is)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def fmt_month(month: str) -> str:
    """'2017-02' -> 'February 2017'."""
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")


def fmt_month_short(month: str) -> str:
    """'2017-02' -> 'Feb 2017'."""
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 run', '2 runs' with the number formatted."""
    return f"{fmt_int(n)} {word if n == 1 else (plural_word or word + 's')}"


def left_out_sentence(left_out: dict[str, int]) -> str:
    """'1,234 runs left out: 900 org deleted, 334 org not paying.' or 'No runs left out.'"""
    total = sum(left_out.values())
    if not total:
        return "No runs were left out."
    parts = ", ".join(f"{fmt_int(n)} {EXCLUSION_LABELS.get(r, r)}" for r, n in left_out.items())
    return f"{plural(total, 'run')} left out ({parts})."


def window_phrase(window: dict | None) -> str:
    """'day 3 of the month, 01:00–03:00 Sydney time (0.40 runs affected on average)'."""
    if not window:
        return "no complete window in the period"
    expected = window["runs_per_occurrence"]
    impact = ("no runs in any month of the period" if expected == 0
              else f"{expected:.2f} runs affected on average")
    return f"day {window['day']} of the month, {window['start']}–{window['end']} Sydney time ({impact})"


def facts_summary_lines(facts: dict) -> list[str]:
    """The `facts` command's readable summary."""
    lines = [
        f"Organisations in scope (active, paying): {fmt_int(facts['orgs_in_scope'])}",
        f"Runs in scope: Full BAS {fmt_int(facts['fullbas_runs'])}, Simple BAS {fmt_int(facts['simplebas_runs'])}",
        left_out_sentence(facts["left_out"]),
    ]
    busiest = facts["busiest_month"]
    lines.append("Busiest month: " + (f"{fmt_month(busiest['month'])} with {plural(busiest['runs'], 'run')}"
                                      if busiest else "no runs"))
    for system in SYSTEMS:
        b = facts["busiest_month_by_system"][system]
        if b:
            lines.append(f"  {SYSTEM_LABELS[system]}: {fmt_month(b['month'])} with {plural(b['runs'], 'run')}")
    lines += [
        f"Organisations that ran both reports: {fmt_int(facts['orgs_both'])}",
        f"Users of either report: {fmt_int(facts['users_either'])}",
        f"Users who ran reports for more than one organisation: {fmt_int(facts['users_multi_org'])}",
        "Most popular plans (organisations): " + ", ".join(f"{p['plan']} {fmt_int(p['orgs'])}" for p in facts["plans"][:5]),
    ]
    for system in SYSTEMS:
        lines.append(f"Outage window, {SYSTEM_LABELS[system]}: {window_phrase(facts['outage_window'][system])}")
    return lines


def pct(part: float, whole: float) -> str:
    """'42%'; one decimal below 10% ('8.3%'); '0%' for nothing (or when whole is 0)."""
    if not whole or not part:
        return "0%"
    share = 100 * part / whole
    return f"{share:.1f}%" if share < 10 else f"{share:.0f}%"


def coverage_sentence(cov: dict, runs: dict[str, int]) -> str:
    """'The data covers 1 Aug 2016 to 27 Feb 2019: 312,000 runs (…) by 5,100 users of 1,300 organisations.'"""
    if not cov["runs"]:
        return "No runs are in this view."
    parts = " and ".join(f"{fmt_int(runs[s])} {SYSTEM_LABELS[s]}" for s in SYSTEMS if runs.get(s))
    return (f"The data covers **{cov['first_date']:%-d %b %Y} to {cov['last_date']:%-d %b %Y}** (Sydney dates): "
            f"**{fmt_int(cov['runs'])} report runs** ({parts}) by {plural(cov['users'], 'user')} of "
            f"{plural(cov['orgs_with_runs'], 'organisation')}; {fmt_int(cov['orgs_in_scope'])} organisations in the "
            f"org table match the filters.")


def cover_metrics(facts: dict, cov: dict) -> list[dict]:
    """The five key data points as metric cards: label, value, caption (one line) and help (how it is counted)."""
    busiest = facts["busiest_month"]
    per_system = facts["busiest_month_by_system"]
    plans = facts["plans"]
    runner_up = ", ".join(f"{p['plan']} {fmt_int(p['orgs'])}" for p in plans[1:3])
    return [
        {"label": "Busiest month",
         "value": fmt_month_short(busiest["month"]) if busiest else "–",
         "caption": (f"{plural(busiest['runs'], 'run')}, both systems; "
                     + "; ".join(f"{SYSTEM_LABELS[s]} peaks in {fmt_month(b['month'])}"
                                 for s, b in per_system.items() if b)) if busiest else "No runs",
         "help": "Calendar month in Sydney time with the most report runs, Full BAS and Simple BAS together."},
        {"label": "Orgs using both",
         "value": fmt_int(facts["orgs_both"]),
         "caption": f"{pct(facts['orgs_both'], cov['orgs_with_runs'])} of the {fmt_int(cov['orgs_with_runs'])} "
                    f"organisations with a run",
         "help": "Organisations with at least one Full BAS run and at least one Simple BAS run."},
        {"label": "Users of either",
         "value": fmt_int(facts["users_either"]),
         "caption": "distinct people who ran Full BAS or Simple BAS at least once",
         "help": "Distinct user ids (case-insensitive) with at least one run in either system."},
        {"label": "Multi-org users",
         "value": fmt_int(facts["users_multi_org"]),
         "caption": f"{pct(facts['users_multi_org'], facts['users_either'])} of users ran reports for two or more "
                    f"organisations — advisers and bookkeepers",
         "help": "Distinct users whose runs, both systems together, touch two or more organisations."},
        {"label": "Top plan",
         "value": plans[0]["plan"] if plans else "–",
         "caption": (f"{plural(plans[0]['orgs'], 'organisation')} using BAS"
                     + (f"; then {runner_up}" if runner_up else "")) if plans else "No organisations",
         "help": "Pricing plan (productoption) of the organisations with at least one run, counted once per org."},
    ]


def cover_finding(facts: dict) -> str:
    """The cover's one-sentence finding: how the runs split between the systems and when they peak."""
    full, simple = facts["fullbas_runs"], facts["simplebas_runs"]
    total = full + simple
    if not total:
        return "No report runs match these filters."
    busiest = facts["busiest_month"]
    lead = "Full BAS" if full >= simple else "Simple BAS"
    share = pct(max(full, simple), total)
    return (f"{lead} carries {share} of {plural(total, 'report run')}; the busiest month was "
            f"{fmt_month(busiest['month'])} with {plural(busiest['runs'], 'run')}.")
