"""Chapter 5's sentences: the recommendation. Numbers in, sentences out; every number comes from the analyses
(basstory.analyses.recommendation, .capacity, .seasonality and basstory.analyses.facts) passed in."""
from __future__ import annotations

from basstory.analyses.outage import minutes_to_hhmm
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_day, fmt_int, fmt_month, pct, plural, zone_name
from basstory.story.narrative import claims as said
from basstory.story.narrative import summary as summary_sentences
from basstory.story.narrative.common import ChartTitle, left_out_sentence
from basstory.story.narrative.outage import number, window_name
from basstory.story.narrative.seasonality import capacity_phrase, capacity_statement, times

#: Windows starting before this minute of the day (06:00) are called night-time windows.
NIGHT_ENDS_MINUTE = 6 * 60
#: A recommended window costing at most this share of the median window "disturbs almost no one".
QUIET_SHARE = 0.1


def _window(w: dict) -> str:
    return window_name(w["day"], w["start"], w["end"])


def group_name(group: str) -> str:
    """'Quarterly BAS through an agent (due …)' -> 'quarterly BAS through an agent'."""
    name = group.split(" (")[0]
    return name[:1].lower() + name[1:]


def share_text(part: float, whole: float) -> str:
    """narrative.common.pct, but nothing reads '0%' and a sliver 'under 0.1%'."""
    if not part or not whole:
        return "0%"
    return "under 0.1%" if 100 * part / whole < 0.1 else pct(part, whole)


def recommendation_finding(recs: dict[str, dict | None]) -> str:
    """The page's finding: the recommended window per system in one sentence."""
    parts = [f"{SYSTEM_LABELS[s]} on {_window(r['best'])} Sydney time" for s in SYSTEMS if (r := recs.get(s))]
    if not parts:
        return "No window can be recommended for this view: no system has a whole window occurrence in the period."
    return "Schedule the two-hour outage for " + " and ".join(parts) + "."


def system_lines(rec: dict, tz: str) -> list[str]:
    """The recommendation for one system as bullet lines: when, why, impact, runner-up, what to avoid."""
    b, worst = rec["best"], rec["worst"]
    zone = zone_name(tz)
    when = f"**{_window(b)} Sydney time** — in UTC {b['utc_times']}"
    if zone not in ("Sydney time", "UTC"):
        when += f"; in {zone} {b['zone_times']}"
    lines = [f"**When:** {when}."]
    share = share_text(b["runs_mean"], rec["monthly_runs_mean"])
    lines.append(
        f"**Why:** over {plural(b['occurrences'], 'month')} of {SYSTEM_LABELS[rec['system']]} it interrupted "
        f"{number(b['runs_mean'])} runs a month on average, against {number(rec['median_runs'])} runs a month for "
        f"the median window and {said.costliest_window({'costliest': worst}, number)}, out of "
        f"{rec['windows']:,} windows compared.")
    if b["runs_max"] == 0:
        lines.append(f"**Expected impact:** none seen — not one run fell in this window in any of the "
                     f"{plural(b['occurrences'], 'month')} measured.")
    else:
        lines.append(
            f"**Expected impact:** about {number(b['runs_mean'])} runs ({share} of a month's "
            f"{SYSTEM_LABELS[rec['system']]} runs) by {number(b['users_mean'])} users of {number(b['orgs_mean'])} "
            f"organisations a month; in the worst month ({fmt_month(b['worst_month'])}) "
            f"{plural(b['runs_max'], 'run')} by {plural(b['users_max'], 'user')} of "
            f"{plural(b['orgs_max'], 'organisation')}.")
    r = rec["runner_up"]
    if r:
        where = "the same day" if r["same_day"] else "a different day"
        lines.append(f"**Runner-up** ({where}): {_window(r)} Sydney time, {number(r['runs_mean'])} runs and "
                     f"{number(r['users_mean'])} users a month (worst month {plural(r['runs_max'], 'run')}).")
    lines.append(avoid_sentence(rec))
    return lines


def avoid_sentence(rec: dict) -> str:
    """What to avoid: the BAS due weeks with their cost, and the daylight-saving nights."""
    due = [d for d in rec["due_weeks"] if d["cadence"]]
    outside = next((d for d in rec["due_weeks"] if not d["cadence"]), None)
    parts = []
    if due:
        costly = sorted(due, key=lambda d: -d["runs_mean"])
        parts.append("the BAS due weeks — " + "; ".join(
            f"{group_name(d['group'])} (mostly days {d['days']}): {number(d['runs_mean'])} runs per window "
            f"on average; in its due-week months only, {d['worst_window']} averaged {number(d['worst_runs_mean'])}"
            for d in costly if d["days"]))
        if outside:
            parts[-1] += f", against {number(outside['runs_mean'])} runs per window outside them"
        parts[-1] += (f" (a due-week figure averages only the months whose due week holds that window, so it can "
                      f"exceed {SYSTEM_LABELS[rec['system']]}'s "
                      f"{said.costliest_window({'costliest': rec['worst']}, number).removeprefix('the ')}, an "
                      f"average over all months)")
    nights = rec["clock_changes"]
    best = rec["best"]
    if nights:
        dates = ", ".join(fmt_day(n["local_date"]) for n in nights)
        hit = best["clock_change_nights"]
        parts.append(f"the daylight-saving nights ({dates})" + (
            f" — the recommended window spans a clock change on {plural(hit, 'night')}: move it by a day then"
            if hit else " — the recommended window never spans a clock change"))
    if not parts:
        return "**Avoid:** nothing in particular in this period."
    return "**Avoid:** " + "; and ".join(parts) + "."


def comparison_title(recs: dict[str, dict | None]) -> ChartTitle:
    """Title of the window comparison chart."""
    parts, quiet = [], True
    for system in SYSTEMS:
        rec = recs.get(system)
        if rec:
            quiet &= rec["best"]["runs_mean"] <= QUIET_SHARE * rec["median_runs"]
            parts.append(f"{SYSTEM_LABELS[system]} {number(rec['best']['runs_mean'])} runs a month against "
                         f"{number(rec['median_runs'])} runs a month for the median window")
    lead = "The recommended windows disturb almost no one" if quiet else "The recommended windows against the rest"
    return ChartTitle(f"{lead}: " + "; ".join(parts),
                      "Runs a month each window would interrupt (mean over the months measured).")


def due_week_title(recs: dict[str, dict | None]) -> ChartTitle:
    """Title of the due-week chart."""
    parts, dearer = [], True
    for system in SYSTEMS:
        rec = recs.get(system)
        if not rec:
            continue
        due = [d for d in rec["due_weeks"] if d["cadence"]]
        outside = next((d for d in rec["due_weeks"] if not d["cadence"]), None)
        if due and outside and outside["runs_mean"] > 0:
            top = max(due, key=lambda d: d["runs_mean"])
            ratio = top["runs_mean"] / outside["runs_mean"]
            dearer &= ratio > 1
            parts.append(f"{SYSTEM_LABELS[system]} {times(ratio)} the runs per window outside due weeks, in the due "
                         f"weeks of {group_name(top['group'])}")
    lead = "Windows in a BAS due week cost more" if dearer else "Windows in BAS due weeks against the rest"
    text = f"{lead}: " + "; ".join(parts) if parts else "Windows by BAS due week"
    return ChartTitle(text, "Mean runs per window occurrence in the seven days up to and including each kind of BAS "
                            "due date, and outside them.")


def key_findings(facts: dict, load: dict | None, plan: dict | None,
                 recs: dict[str, dict | None], claims=None, due: dict | None = None,
                 runs: dict[str, int] | None = None, tz: str = "Australia/Sydney") -> list[str]:
    """The key findings, one for each question of the brief in its order (how and when users run the reports, how
    the two systems compare, the seasonality that drives capacity, the outage windows), then Full BAS load and who
    the users are; from the key facts, the chapters' analyses and the claims (analyses.claims). A question this view
    cannot answer is left out."""
    findings = []
    claims = claims or {}
    q = summary_sentences.QUESTIONS
    if claims.get("week") and (when := summary_sentences.when_sentence(claims["week"], claims.get("month_day", {}),
                                                                      due or {}, tz)):
        findings.append(f"**{q['when']}:** {when}")
    if runs is not None and facts.get("orgs_both") is not None:
        findings.append(f"**{q['compare']}:** "
                        f"{summary_sentences.compare_sentence(claims.get('share'), runs, facts['orgs_both'])}")
    season = summary_sentences.season_sentence(claims.get("quarter", {}), facts.get("busiest_month"),
                                               capacity_phrase(plan) if plan else "")
    if season:
        findings.append(f"**{q['season']}:** {season}")
    lc = claims.get("load")
    if load and lc:
        ratio = said.hour_by_compute_ratio(lc)
        findings.append(f"**Full BAS load is bursty:** {said.hour_by_compute(lc)}, {ratio}'s, and "
                        f"{said.peak_concurrency(lc)}." if ratio else
                        f"**Full BAS concurrency is low:** {said.peak_concurrency(lc)}.")
    chosen = [(s, r["best"]) for s in SYSTEMS if (r := recs.get(s))]
    if chosen:
        at_night = all(b["start_minute"] < NIGHT_ENDS_MINUTE for _, b in chosen)
        findings.append(f"**{q['window']}:** " + "; ".join(
            f"{SYSTEM_LABELS[s]} {_window(b)} ({number(b['runs_mean'])} runs a month)" for s, b in chosen)
            + (f", all starting before {minutes_to_hhmm(NIGHT_ENDS_MINUTE)} Sydney time." if at_night
               else " Sydney time."))
    if who := summary_sentences.who_sentence(facts):
        findings.append(who)
    return findings


def caveat_lines(caveats: dict, left_out: dict[str, int], recs: dict[str, dict | None]) -> list[str]:
    """What the figures rest on and what they can't say."""
    lines = []
    for system, c in caveats["systems"].items():
        lines.append(f"**{SYSTEM_LABELS[system]}** covers {fmt_day(c['first_date'])} to {fmt_day(c['last_date'])} "
                     f"({plural(c['months'], 'calendar month')}): {plural(c['runs'], 'run')} by "
                     f"{plural(c['users'], 'user')} of {plural(c['orgs'], 'organisation')}.")
    if caveats["periods_differ"]:
        lines.append("The two systems cover **different periods**, so their totals are not like for like: compare "
                     "shares and patterns, or pick a period both cover in the sidebar.")
    counts = [f"{SYSTEM_LABELS[s]} {plural(r['best']['occurrences'], 'month')}" for s in SYSTEMS if (r := recs.get(s))]
    if counts:
        lines.append("Each window's cost is an average over few months (" + ", ".join(counts) + "): one unusual "
                     "month moves it, which is why the worst month is shown beside the mean.")
    lines.append(left_out_sentence(left_out) + " Those runs count nowhere in the story.")
    missing = caveats["systems"].get("full", {}).get("runtime_missing", 0)
    if missing:
        lines.append(f"{plural(missing, 'Full BAS run')} had no positive runtime and are left out of the load "
                     f"figures.")
    lines.append("Simple BAS records no runtime, so load and capacity are measured on Full BAS only; the "
                 "extracts carry no outcome of a run (success or failure), so every run counts the same.")
    return lines


# --- A reader track's actions ---------------------------------------------------------------------------------------

def _costliest_due_week(rec: dict) -> dict | None:
    due = [d for d in rec["due_weeks"] if d["cadence"] and d["days"]]
    return max(due, key=lambda d: d["runs_mean"]) if due else None


def operations_actions(recs: dict[str, dict | None], plan: dict | None, forecast: dict | None = None) -> list[str]:
    """What operations should do: book each system's window, provision capacity (and staff the forecast's busiest
    day), keep changes out of the costliest due weeks."""
    lines = [f"**Book the {SYSTEM_LABELS[s]} outage for {_window(r['best'])} Sydney time:** it would have "
             f"interrupted {number(r['best']['runs_mean'])} runs a month on average, against "
             f"{number(r['median_runs'])} for the median window."
             for s in SYSTEMS if (r := recs.get(s))]
    lines.append(f"**Capacity:** {capacity_statement(plan)}")
    if forecast:
        hour = f"{fmt_day(forecast['peak_hour'][:10])} {forecast['peak_hour'][11:]}"
        lines.append(f"**Watch the forecast's busiest day, {fmt_day(forecast['peak_day'])}:** about "
                     f"{fmt_int(forecast['peak_day_runs'])} Full BAS runs, the busiest hour {hour} with "
                     f"{fmt_int(forecast['peak_hour_runs'])} (chapter *Daily and hourly forecast*).")
    for system in SYSTEMS:
        rec = recs.get(system)
        top = _costliest_due_week(rec) if rec else None
        if top:
            lines.append(f"**Freeze {SYSTEM_LABELS[system]} changes in the due weeks of "
                         f"{group_name(top['group'])}** (mostly days {top['days']}): a window there costs "
                         f"{number(top['runs_mean'])} runs on average.")
    return lines


def product_actions(facts: dict, runs: dict[str, int], segments: dict | None = None) -> list[str]:
    """What product should do: time releases around the busiest month, learn from the organisations that use both
    reports, design for the users who work across several organisations, and fix declared tax periods that the
    runs contradict."""
    lines = []
    busiest = facts.get("busiest_month")
    if busiest:
        lines.append(f"**Ship BAS changes well before {fmt_month(busiest['month'])}**, the busiest month "
                     f"({plural(busiest['runs'], 'run')}), and never in the week before a due date.")
    shown = [s for s in SYSTEMS if runs.get(s)]
    if len(shown) == 2 and facts.get("orgs_in_scope"):
        lines.append(f"**Ask the {plural(facts['orgs_both'], 'organisation')} that ran both reports why** "
                     f"({pct(facts['orgs_both'], facts['orgs_in_scope'])} of the {fmt_int(facts['orgs_in_scope'])} "
                     f"in scope): they show what each report lacks.")
    if facts.get("users_either"):
        lines.append(f"**Design for the {plural(facts['users_multi_org'], 'user')} who run reports for several "
                     f"organisations** ({pct(facts['users_multi_org'], facts['users_either'])} of "
                     f"{fmt_int(facts['users_either'])} users): they lodge in batches.")
    if segments and segments.get("cadence_mismatches"):
        lines.append(f"**Prompt the {plural(segments['cadence_mismatches'], 'organisation')} whose runs follow "
                     f"another cadence than their declared tax period** (of {fmt_int(segments['cadence_judged'])} "
                     f"with enough runs to tell) to check the setting (chapter *Org segments*).")
    return lines


def customers_actions(facts: dict, recs: dict[str, dict | None], at_risk: dict | None = None,
                      advisers: dict | None = None) -> list[str]:
    """What customer success should do: call the organisations at risk, tell the organisations and advisers about
    the windows ahead of time."""
    lines = []
    if at_risk and at_risk.get("at_risk_orgs"):
        lines.append(f"**Call the {plural(at_risk['at_risk_orgs'], 'active organisation')} that missed an "
                     f"expected lodgement**, highest risk score first ({fmt_int(at_risk['at_risk_runs'])} runs "
                     f"before; the list is in the chapter *Dormant, cancelled and at risk*).")
    chosen = [(s, r) for s in SYSTEMS if (r := recs.get(s))]
    if chosen:
        lines.append("**Announce the outage windows a month ahead:** " + "; ".join(
            f"{SYSTEM_LABELS[s]} {_window(r['best'])} Sydney time, about {number(r['best']['users_mean'])} users "
            f"of {number(r['best']['orgs_mean'])} organisations a month" for s, r in chosen) + ".")
    if advisers and advisers.get("advisers"):
        who = "together they run" if advisers["advisers"] > 1 else "they run"
        lines.append(f"**Brief the {plural(advisers['advisers'], 'adviser')} first:** {who} BAS for "
                     f"{plural(advisers['orgs_covered_by_advisers'], 'organisation')}, at most "
                     f"{fmt_int(advisers['max_orgs_per_adviser'])} each.")
    elif facts.get("users_multi_org"):
        lines.append(f"**Brief the {plural(facts['users_multi_org'], 'user')} who run BAS for several "
                     f"organisations first:** one of them reaches many organisations at once.")
    return lines


def track_actions(track: str, recs: dict[str, dict | None], plan: dict | None, facts: dict,
                  runs: dict[str, int], beyond: dict[str, dict] | None = None) -> list[str]:
    """The actions the recommendation leads with for reader track `track` (story.registry.TRACKS); `beyond` holds
    the key numbers of the chapters beyond the brief that the track draws on (analyses.chapter_facts)."""
    beyond = beyond or {}
    if track == "operations":
        return operations_actions(recs, plan, beyond.get("forecast") or None)
    if track == "product":
        return product_actions(facts, runs, beyond.get("segments"))
    if track == "customers":
        return customers_actions(facts, recs, beyond.get("at_risk"), beyond.get("advisers"))
    raise ValueError(f"unknown track {track!r}")
