"""The advisers chapter's sentences: numbers in (basstory.analyses.advisers), sentences out."""
from __future__ import annotations

from basstory.analyses import advisers as an
from basstory.analyses.interaction import ADVISER_MIN_ORGS
from basstory.core.schema import SYSTEM_LABELS
from basstory.core.text import fmt_int, pct
from basstory.story.narrative.common import ChartTitle


def finding(summary: dict, timing: dict) -> str:
    if not summary["users"]:
        return "No report runs match these filters."
    if not summary["advisers"]:
        return f"No user ran reports for {ADVISER_MIN_ORGS} or more orgs in this view."
    sentence = (f"{fmt_int(summary['advisers'])} advisers ({pct(summary['adviser_share'], 1)} of users) ran "
                f"{pct(summary['run_share'], 1)} of the runs and reached {pct(summary['covered_share'], 1)} of "
                f"orgs; the busiest ran {fmt_int(summary['max_orgs'])} orgs")
    adv, own = timing.get("adviser"), timing.get("owner")
    if adv and own:
        sentence += (f"; {pct(adv['final_week_share'], 1)} of their runs come in the last week before the due date, "
                     f"against {pct(own['final_week_share'], 1)} of owners'")
    return sentence + "."


def orgs_per_adviser_title(summary: dict) -> ChartTitle:
    return ChartTitle(f"Half of advisers run {fmt_int(summary['median_orgs'])} orgs or fewer; the busiest runs "
                      f"{fmt_int(summary['max_orgs'])}",
                      f"Advisers ({ADVISER_MIN_ORGS}+ orgs, both systems together) by the orgs they ran reports for.")


def timing_title(timing: dict) -> ChartTitle:
    adv, own = timing.get("adviser"), timing.get("owner")
    if not adv or not own:
        return ChartTitle("When advisers and owners run BAS before the due date", "")
    diff = adv["final_week_share"] - own["final_week_share"]
    if abs(diff) < 0.02:
        text = (f"Advisers leave it as late as owners: {pct(adv['final_week_share'], 1)} and "
                f"{pct(own['final_week_share'], 1)} of runs in the last week")
    else:
        who = "later" if diff > 0 else "earlier"
        text = (f"Advisers run {who} than owners: {pct(adv['final_week_share'], 1)} of their runs in the last "
                f"week against {pct(own['final_week_share'], 1)}")
    return ChartTitle(text, "Share of each group's runs by weeks before the org's next due date (its cadence's; "
                            "annual lodgers left out).")


def outage_title(cost) -> ChartTitle:
    if cost.empty:
        return ChartTitle("No recommended window in this view", "")
    hits = int(cost["advisers_hit"].sum())
    if hits == 0:
        text = "The recommended outage windows would interrupt no adviser"
    else:
        text = f"The recommended outage windows would interrupt {fmt_int(hits)} advisers at work"
    return ChartTitle(text, "Runs per occurrence of each system's recommended two-hour window (the outage "
                            "chapter's default method), by advisers and by owners.")


def outage_bullets(cost) -> tuple[str, ...]:
    items = []
    for row in cost.to_dict("records"):
        items.append(f"**{SYSTEM_LABELS[row['system']]}**, day {row['day']} {row['start']}–{row['end']} Sydney "
                     f"time: {row['adviser_runs_mean']:,.2f} adviser runs and {row['owner_runs_mean']:,.2f} owner "
                     f"runs per occurrence over {row['occurrences']} months; {fmt_int(row['advisers_hit'])} "
                     f"advisers (for {fmt_int(row['adviser_orgs_hit'])} orgs) ran a report in one. Advisers run "
                     f"{pct(row['adviser_system_share'], 1)} of this system's reports overall.")
    return tuple(items)


def batch_sentence(b: dict) -> str:
    if not b["batch_days"]:
        return f"No adviser ran {an.BATCH_MIN_ORGS} or more orgs on one day in this view."
    return (f"On {fmt_int(b['batch_days'])} adviser-days an adviser ran {an.BATCH_MIN_ORGS} or more orgs (up to "
            f"{fmt_int(b['largest_batch'])}); those batches hold {pct(b['batch_run_share'], 1)} of advisers' runs. "
            f"{pct(b['near_due_batch_share'], 1)} of batch days fall within {an.NEAR_DUE_DAYS} days up to an agent "
            f"due date (25 Nov, 28 Feb, 26 May, 25 Aug, moved to a business day), where "
            f"{pct(b['near_due_day_share'], 1)} of all days lie.")
