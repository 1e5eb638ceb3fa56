"""Chapter 5: the recommendation — the outage window per system with its evidence, the capacity to provision, the
key findings and the caveats of the data. Everything is computed for the filters."""
from __future__ import annotations

import duckdb

from basstory.analyses import capacity, facts, interaction, like_for_like, recommendation, seasonality
from basstory.analyses.chapter_facts import track_facts
from basstory.analyses.claims import story_claims
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import Block, Bullets, Chart, Columns, Heading, Metric, Metrics, Note, Text
from basstory.story.chapters.common import opening
from basstory.story.charts import outage as charts
from basstory.story.narrative import recommendation as narrative
from basstory.story.narrative.like_for_like import shared_window_sentence
from basstory.story.narrative.seasonality import capacity_statement
from basstory.story.registry import TRACKS

TITLE = "Recommendation"
WINDOW_HELP = ("Sydney wall-clock time; the window that would have interrupted the fewest runs a month on "
               "average (how the windows are scored: the chapter *The outage window*).")


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters, track: str | None = None) -> list[Block]:
    """The recommendation for the filters; for a reader track (story.registry.TRACKS), led by that reader's
    actions."""
    prefetch(con, filters, capacity.capacity_outlook, facts.key_facts, recommendation.data_caveats,
             seasonality.seasonality_summary)
    recs = recommendation.recommendations(con, filters)
    blocks, runs = opening(con, filters, TITLE, narrative.recommendation_finding(recs))
    if runs is None:
        return blocks

    if track in TRACKS:
        actions = narrative.track_actions(track, recs, capacity.capacity_outlook(con, filters)["plan"],
                                          facts.key_facts(con, filters), runs, track_facts(con, filters, track))
        blocks += [Heading(f"For {TRACKS[track].label.lower()}: what to do"), Bullets(tuple(actions), ordered=True)]
    blocks += [Heading("A two-hour outage window per system"),
               Columns(tuple(_window_column(system, recs[system], filters.tz)
                             for system in SYSTEMS if system in filters.systems))]
    shared = shared_window_sentence(like_for_like.shared_window(con, filters))
    if shared:
        blocks.append(Text(shared))
    rows = recommendation.window_comparison(recs)
    if not rows.empty:
        due = recommendation.due_week_table(recs)
        blocks += [Chart("rec_compare", charts.window_comparison_chart(rows, *narrative.comparison_title(recs)), rows),
                   Chart("rec_due", charts.due_week_chart(due, *narrative.due_week_title(recs)), due)]

    outlook = capacity.capacity_outlook(con, filters)
    blocks += [Heading("Capacity"), Text(capacity_statement(outlook["plan"]))]

    key = facts.key_facts(con, filters)
    due = interaction.due_summary(interaction.days_before_due(con, filters))
    findings = narrative.key_findings(key, outlook["load"], outlook["plan"], recs, story_claims(con, filters), due,
                                      runs, filters.tz)
    blocks += [Heading("Key findings"), Bullets(tuple(findings), ordered=True)]

    caveats = recommendation.data_caveats(con, filters)
    excluded = facts.left_out(con, filters)
    blocks += [Heading("Caveats"), Bullets(tuple(narrative.caveat_lines(caveats, excluded, recs)))]
    return blocks


def _window_column(system: str, rec: dict | None, tz: str) -> tuple[Block, ...]:
    """One system's recommended window as a card and its evidence, or a note when there is none."""
    if rec is None:
        return (Note(f"{SYSTEM_LABELS[system]}: no whole window occurrence in this period, so no window to "
                     f"recommend."),)
    best = rec["best"]
    card = Metric(f"{SYSTEM_LABELS[system]} window", f"Day {best['day']} · {best['start']}–{best['end']}",
                  help=WINDOW_HELP)
    return Metrics((card,)), Bullets(tuple(narrative.system_lines(rec, tz)))
