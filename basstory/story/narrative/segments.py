"""The segments chapter's sentences: numbers in (basstory.analyses.segments), sentences out."""
from __future__ import annotations

import pandas as pd

from basstory.analyses import segments as an
from basstory.core.text import fmt_int, pct, plural
from basstory.story.narrative.common import ChartTitle


def finding(orgs: pd.DataFrame, sizes: pd.DataFrame, mism: dict) -> str:
    """The chapter's finding: the largest segments of each dimension and the cadence mismatches."""
    if orgs.empty:
        return "No org in the org table has a run in this view."
    cadence = _largest(sizes, "cadence")
    who = sizes[(sizes["dimension"] == "who")].set_index("segment")
    adviser_orgs = int(who.loc[["adviser", "both"], "orgs"].sum())
    sentence = (f"Of {fmt_int(len(orgs))} orgs, {pct(cadence['orgs'], len(orgs))} run BAS "
                f"{cadence['segment'] if cadence['segment'] != 'too few runs' else 'too rarely to tell a cadence'}"
                f" and {pct(adviser_orgs, len(orgs))} have an adviser running their reports")
    if mism["judged"] and mism["top"]:
        declared, inferred, n = mism["top"]
        sentence += (f"; {pct(mism['differs'], mism['judged'])} lodge differently from their tax period — most "
                     f"often {fmt_int(n)} {declared} orgs whose runs look {inferred}")
    return sentence + "."


def _largest(sizes: pd.DataFrame, dimension: str) -> dict:
    part = sizes[sizes["dimension"] == dimension]
    return part.sort_values(["orgs"], ascending=False, kind="stable").iloc[0].to_dict()


def segment_sentence(row: dict) -> str:
    """One segment in plain words, with its size and weight."""
    return (f"**{row['label']}**: {plural(row['orgs'], 'org')} ({pct(row['org_share'], 1)}), "
            f"{pct(row['run_share'], 1)} of runs and {pct(row['compute_share'], 1)} of compute; "
            f"{row['runs_per_org']:,.0f} runs an org, {pct(row['rerun_rate'], 1)} of them re-runs.")


def dimension_title(sizes: pd.DataFrame, dimension: str) -> ChartTitle:
    """A segment chart's title: the largest segment by runs and whether it outweighs its size."""
    part = sizes[sizes["dimension"] == dimension]
    top = part.sort_values(["run_share", "orgs"], ascending=False, kind="stable").iloc[0]
    _, label, _ = an.DIMENSIONS[dimension]
    return ChartTitle(f"{label}: {top['label']} — {pct(top['org_share'], 1)} of orgs, "
                      f"{pct(top['run_share'], 1)} of runs, {pct(top['compute_share'], 1)} of compute",
                      "Each segment's share of the orgs, of their runs and of the Full BAS compute (runtime).")


def cadence_title(mism: dict) -> ChartTitle:
    if not mism["judged"]:
        return ChartTitle("No org has enough runs to infer a cadence",
                          f"A cadence needs {an.MIN_RUNS} runs over {an.MIN_MONTHS} months.")
    text = f"{pct(mism['differs'], mism['judged'])} of orgs lodge at another cadence than their tax period declares"
    return ChartTitle(text, "Each declared tax period's orgs by the cadence their runs show (method below).")


def switches_title(switches: pd.DataFrame) -> ChartTitle:
    n = int(switches["orgs"].sum()) if len(switches) else 0
    return ChartTitle(f"{fmt_int(n)} {'org' if n == 1 else 'orgs'} switched system",
                      "By the BAS quarter of the first run on the new system, coloured by the system moved to.")


def method_bullets() -> tuple[str, ...]:
    """How the segments are made, from the method's constants."""
    return (
        f"**Cadence** is read from the months an org ran BAS in, from its first run to its last: fewer than "
        f"{an.MIN_RUNS} runs or {an.MIN_MONTHS} months is *too few runs to tell*; its busiest month holding "
        f"{pct(an.ANNUAL_TOP_SHARE, 1)} or more of its runs over {an.ANNUAL_MIN_MONTHS}+ months is *annual*; one "
        f"month of each quarter (e.g. Feb, May, Aug, Nov) holding {pct(an.QUARTERLY_PHASE_SHARE, 1)} or more of "
        f"its runs (a third when spread evenly) is *quarterly*; runs in {pct(an.MONTHLY_ACTIVE_SHARE, 1)} or more "
        f"of its months is *monthly*; anything else *irregular*. Ad-hoc runs between lodgements make some "
        f"quarterly lodgers look monthly.",
        "**Who runs it**: an *adviser* is a user who ran reports for two or more orgs (the story's definition); "
        "own staff are users who ran this org only.",
        f"**Which system**: an org *switched* when its last run on one system came {an.SWITCH_GAP_DAYS}+ days "
        "before that system's runs end in the view and its first run on the other came after it (and not merely "
        "because the other extract starts later).",
        f"**Intensity**: runs per month from the first run to the last; light under {an.INTENSITY_BOUNDS[0]}, "
        f"heavy from {an.INTENSITY_BOUNDS[1]}. Compute is the Full BAS runtime (Simple BAS records none).",
        "Orgs not in the org table are left out: they have no tax period, plan or status.",
    )
