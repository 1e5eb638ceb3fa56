"""The most and least active orgs, and one org's page: numbers in (basstory.analyses.orgs), sentences out."""
from __future__ import annotations

from basstory.analyses import orgs as an
from basstory.analyses.segments import CADENCE_LABELS, SYSTEM_USE_LABELS, WHO_LABELS
from basstory.core.text import fmt_day, fmt_int, md_escape, pct
from basstory.story.narrative.common import ChartTitle


def _share(share: float) -> str:
    """A share as a percentage, 'under 0.1%' for a small non-zero one."""
    return "under 0.1%" if 0 < share < 0.0005 else pct(share, 1)


def fmt_value(value: float, measure: str) -> str:
    unit = an.MEASURES[measure][2]
    return f"{value:,.1f} {unit}" if unit == "minutes" else f"{fmt_int(value)} {unit}"


def finding(conc: dict, measure: str, top_code: str | None, top_value: float = 0.0) -> str:
    if not conc["orgs"]:
        return "No org in the org table has a run in this view."
    label = an.MEASURE_PHRASES[measure]
    return (f"The {an.TOP_N} most active of {fmt_int(conc['orgs'])} orgs account for {pct(conc['top_share'], 1)} "
            f"of {label} (the busiest, {md_escape(top_code)}, alone {fmt_value(top_value, measure)}); the "
            f"{an.TOP_N} least active for {_share(conc['bottom_share'])}; the median org has "
            f"{fmt_value(conc['median'], measure)}.")


def ranking_title(ranking, end: str, measure: str) -> ChartTitle:
    part = ranking[ranking["end"] == end]
    label = an.MEASURE_PHRASES[measure]
    if end == "most":
        text = f"The {len(part)} most active orgs by {label}: {pct(part['share'].sum(), 1)} of the total"
    else:
        text = f"The {len(part)} least active orgs by {label} (among orgs with any)"
    return ChartTitle(text, "Orgs by short code; each links to its own page below.")


def org_link(code: str) -> str:
    """A Markdown link to an org's page (pages/org.py, `?org=<short code>`), the short code shown literally."""
    from urllib.parse import quote

    return f"[{md_escape(code)}](org?org={quote(str(code), safe='')})"


def link_items(ranking, end: str, measure: str) -> tuple[str, ...]:
    part = ranking[ranking["end"] == end]
    return tuple(f"{org_link(r['shortcode'])} — {md_escape(r['plan'])}, {md_escape(r['tax_period'])}: "
                 f"{fmt_value(r['value'], measure)}" for r in part.to_dict("records"))


# --- One org ----------------------------------------------------------------------------------------------------------

def org_finding(org: dict, weeks, segment: dict | None) -> str:
    runs = int(weeks["runs"].sum()) if len(weeks) else 0
    status = org["status"] + (f", deleted {fmt_day(org['deleted_utc'])}" if org.get("deleted_utc") else "")
    sentence = (f"{md_escape(org['shortcode'])} ({md_escape(org['plan'])}, {md_escape(org['tax_period'])} tax "
                f"period, {md_escape(status)}) ran {fmt_int(runs)} BAS reports in the extracts")
    if segment:
        fewer = round(segment["runs_percentile"] * segment["peers"])
        sentence += (f"; its runs look {CADENCE_LABELS[segment['cadence']].lower()}, and it ran more reports than "
                     f"{fmt_int(fewer)} of the {fmt_int(segment['peers'])} orgs of that cadence in this view")
    return sentence + "."


def org_title(org: dict, weeks) -> ChartTitle:
    return ChartTitle(f"{org['shortcode']}: runs per week against its own due dates",
                      "Every run of the org in the extracts, whatever the filters; dashed lines: the due dates "
                      "of its cadence (from its tax period and practice management).")


def segment_bullets(segment: dict) -> tuple[str, ...]:
    return (f"Cadence its runs show: **{CADENCE_LABELS[segment['cadence']]}** (declared: "
            f"{md_escape(segment['tax_period'])}; {segment['cadence_match']})",
            f"Who runs it: **{WHO_LABELS[segment['who']]}**; which system: "
            f"**{SYSTEM_USE_LABELS[segment['system_use']]}**",
            f"{segment['runs_per_month']:,.1f} runs a month ({segment['intensity']}); re-run rate "
            f"{pct(segment['rerun_rate'], 1)}; {fmt_int(segment['runs'])} runs against a median of "
            f"{fmt_int(segment['peer_median_runs'])} among its {fmt_int(segment['peers'])} cadence peers")
