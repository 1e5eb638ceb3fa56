"""The at-risk chapter's sentences: numbers in (basstory.analyses.at_risk), sentences out."""
from __future__ import annotations

from basstory.analyses import at_risk as an
from basstory.core.text import fmt_day, fmt_int, pct
from basstory.story.narrative.common import ChartTitle


def finding(s: dict) -> str:
    if not s["orgs"]:
        return "No org matches these filters."
    sentence = (f"{fmt_int(s['at_risk'])} of {fmt_int(s['with_runs'])} orgs that ran BAS have missed an expected "
                f"lodgement ({fmt_int(s['at_risk_runs'])} runs between them; {fmt_int(s['stopped'])} of them "
                f"{an.DORMANT_MISSED} or more, dormant), and {fmt_int(s['dormant'])} never ran it; "
                f"{fmt_int(s['cancelled']['Deleted'])} deleted and {fmt_int(s['cancelled']['Suspended'])} "
                f"suspended orgs are counted apart")
    return sentence + "."


def link_items(risky, n: int) -> tuple[str, ...]:
    """The `n` highest-scoring at-risk orgs as links to their org pages."""
    from basstory.core.text import md_escape
    from basstory.story.narrative.orgs import org_link

    return tuple(f"{org_link(r['shortcode'])} — {md_escape(r['plan'])}, score {r['score']:.0f}, "
                 f"{fmt_int(r['silence_days'])} days since its last run" for r in risky.head(n).to_dict("records"))


def list_title(n: int, shown: int) -> ChartTitle:
    text = (f"{fmt_int(n)} orgs have missed an expected lodgement" if n != 1 else "1 org has missed an expected "
            "lodgement")
    sub = "Highest risk score first; the bar splits the score into its three signals."
    if shown < n:
        sub += f" The {shown} highest are shown; the table below lists all."
    return ChartTitle(text, sub)


def plans_title(plans) -> ChartTitle:
    """The at-risk-by-plan chart's title from `at_risk.at_risk_by_plan` rows (most first): the plan family with the
    most at-risk orgs, or every family tied for the most."""
    top = plans[plans["orgs"] == plans["orgs"].max()]["plan_family"].tolist() if len(plans) else []
    if len(top) > 1:
        names = ", ".join(str(t) for t in top[:-1]) + f" and {top[-1]}"
        text = f"At-risk orgs by plan: {names} have the most, {fmt_int(int(plans['orgs'].max()))} each"
    else:
        text = f"At-risk orgs by plan: {top[0]} has the most" if top else "At-risk orgs by plan"
    return ChartTitle(text, "At-risk orgs per plan family; their runs in the tooltip.")


def gains_title(b: dict) -> ChartTitle:
    return ChartTitle(f"Of the {b['k']} highest scores as of {fmt_day(b['cutoff'])}, {pct(b['precision_at_k'], 1)} "
                      f"were deleted later: {b['lift_at_k']:.1f}× the base rate",
                      "Cumulative share of the orgs deleted after the cut-off found, reviewing orgs in score order; "
                      "dashed: a random order.")


def backtest_bullets(b: dict) -> tuple[str, ...]:
    auc_words = ("no better than chance" if b["auc"] < 0.6 else "weak" if b["auc"] < 0.7 else
                 "useful" if b["auc"] < 0.8 else "good")
    return (
        f"Cut-off {fmt_day(b['cutoff'])} ({an.BACKTEST_MONTHS} months before the data ends): {fmt_int(b['orgs'])} "
        f"orgs scored from their runs up to then, every status included; {fmt_int(b['deleted_after'])} of them "
        f"were deleted later (base rate {pct(b['base_rate'], 1)}).",
        f"**AUC {b['auc']:.2f}** ({auc_words}): the chance that an org deleted later scored above one that was "
        f"not. **Precision at {b['k']}: {pct(b['precision_at_k'], 1)}** ({b['lift_at_k']:.1f}× the base rate).",
        f"The at-risk flag alone (a missed lodgement) caught {fmt_int(b['flagged_deleted'])} of the "
        f"{fmt_int(b['deleted_after'])} later deletions ({pct(b['flag_recall'], 1)}); "
        f"{pct(b['flag_precision'], 1)} of the {fmt_int(b['flagged'])} flagged orgs were deleted later. Most "
        "deletions gave no warning in the runs: they stopped when deleted, not before.",
        f"{fmt_int(b['suspended_left_out'])} suspended orgs are left out of the backtest: the data gives no date "
        "for a suspension.",
    )


def method_bullets() -> tuple[str, ...]:
    w = an.RISK_WEIGHTS
    return (
        "**Scope**: the list is the view's orgs (active and paying by default). Deleted and suspended orgs are "
        "cancelled, not low usage: they are counted apart, and only the backtest reads their runs.",
        f"**Expected lodgement**: an org's gap is its cadence's (monthly {an.GAP_DAYS['monthly']} days, quarterly "
        f"{an.GAP_DAYS['quarterly']}, annual {an.GAP_DAYS['annual']}; irregular: its declared tax period's). It has "
        f"*missed* one when its last run is more than a gap plus {an.GRACE_DAYS} days before the end of the data "
        "for the systems it ran — each system's own end, as the Full BAS and Simple BAS extracts end apart. "
        f"{an.DORMANT_MISSED} or more missed: it has *stopped* (dormant); none at all in the view: *never ran*.",
        f"**Risk score** (0–100): missed lodgements up to {w['missed']} points (one missed {w['missed'] // 2}, two "
        f"or more {w['missed']}); falling activity up to {w['falling']} (1 − runs of the last {an.RECENT_MONTHS} "
        f"months ÷ the {an.RECENT_MONTHS} before); low usage up to {w['low_usage']} (1 − the org's percentile of "
        "runs per month).",
    )
