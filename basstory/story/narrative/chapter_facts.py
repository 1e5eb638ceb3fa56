"""The `facts` command's readable lines for the chapters beyond the brief (analyses.chapter_facts)."""
from __future__ import annotations

from basstory.core.schema import SYSTEM_LABELS
from basstory.core.text import fmt_day, fmt_int, fmt_month, plural


def _sizes(segments: dict[str, int]) -> str:
    return ", ".join(f"{name} {fmt_int(n)}" for name, n in segments.items() if n)


def chapter_facts_lines(beyond: dict[str, dict]) -> list[str]:
    """One line (or a few) per chapter: segment sizes, advisers, active users, spike days, the forecast's peak, the
    most active orgs' share, the at-risk count and its backtest."""
    lines = []
    if s := beyond.get("segments"):
        lines.append(f"Organisations by lodging cadence: {_sizes(s['cadence_segments'])}; "
                     f"{fmt_int(s['cadence_mismatches'])} of {fmt_int(s['cadence_judged'])} lodge on another cadence "
                     f"than their declared tax period")
        lines.append(f"  by who runs BAS: {_sizes(s['who_segments'])}; by system: {_sizes(s['system_segments'])}")
    if a := beyond.get("advisers"):
        lines.append(f"Advisers: {fmt_int(a['advisers'])} users ran BAS for several organisations, covering "
                     f"{plural(a['orgs_covered_by_advisers'], 'organisation')} ({a['adviser_share_of_runs']:.0%} of "
                     f"runs; at most {fmt_int(a['max_orgs_per_adviser'])} organisations each)")
    for system, row in (beyond.get("activity") or {}).items():
        name = SYSTEM_LABELS.get(system, "Either report")
        line = (f"Monthly active, {name}: {fmt_int(row['monthly_active_users'])} users and "
                f"{fmt_int(row['monthly_active_orgs'])} organisations in {fmt_month(row['latest_month'])}")
        if "new_orgs" in row:
            line += (f"; {row['latest_quarter']}: {fmt_int(row['new_orgs'])} new, {fmt_int(row['returning_orgs'])} "
                     f"returning, {fmt_int(row['dormant_orgs'])} dormant organisations")
        lines.append(line)
    if sp := beyond.get("spikes"):
        line = (f"Spikes and drops: {plural(sp['spike_days'], 'spike day')}, {plural(sp['drop_days'], 'drop day')} "
                f"and {plural(sp['flagged_hours'], 'unusual hour')}")
        if big := sp.get("biggest_spike"):
            line += (f"; the biggest spike {fmt_day(big['day'])} ({SYSTEM_LABELS[big['system']]}, "
                     f"{fmt_int(big['runs'])} runs against {big['expected']:g} expected: {big['cause']})")
        lines.append(line)
    if fc := beyond.get("forecast"):
        hour = f"{fmt_day(fc['peak_hour'][:10])} {fc['peak_hour'][11:]}"
        lines.append(f"Forecast, next quarter ({fc['quarter'].replace('..', ' to ')}): {fmt_int(fc['runs'])} Full BAS "
                     f"runs; the busiest day {fmt_day(fc['peak_day'])} with {fmt_int(fc['peak_day_runs'])} runs, the "
                     f"busiest hour {hour} with {fmt_int(fc['peak_hour_runs'])} runs")
    if o := beyond.get("orgs"):
        lines.append(f"The 10 most active of {fmt_int(o['orgs_ranked'])} organisations ran "
                     f"{o['top10_run_share']:.1%} of the runs")
    if r := beyond.get("at_risk"):
        line = (f"At risk: {plural(r['at_risk_orgs'], 'active organisation')} missed an expected lodgement "
                f"({fmt_int(r['at_risk_runs'])} runs before), {fmt_int(r['stopped_orgs'])} of them two or more; "
                f"{fmt_int(r['never_ran_orgs'])} never ran BAS; "
                f"{fmt_int(r['deleted_orgs'])} deleted and {fmt_int(r['suspended_orgs'])} suspended (not counted as "
                f"low usage)")
        if r.get("backtest_auc") is not None:
            line += f"; the risk score's backtest AUC {r['backtest_auc']:.2f}"
        lines.append(line)
    return lines
