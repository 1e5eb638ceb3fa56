"""Cover: the executive summary (one sentence per question of the brief) under the five key data points, the period
and coverage, the story's outline and the glossary."""
from __future__ import annotations

import duckdb

from basstory.analyses import interaction
from basstory.analyses.claims import story_claims
from basstory.analyses.dataset import coverage
from basstory.analyses.facts import key_facts
from basstory.analyses.like_for_like import common_months
from basstory.analyses.seasonality import seasonality_summary
from basstory.query.filters import StoryFilters
from basstory.query.view import prefetch
from basstory.story.blocks import Block, Bullets, ChapterLink, Details, Heading, Metric, Metrics, Outline, Text
from basstory.story.chapters.common import opening
from basstory.story.narrative import cover_finding, cover_metrics, coverage_sentence
from basstory.story.narrative.glossary import glossary_lines
from basstory.story.narrative.summary import executive_summary
from basstory.story.registry import CHAPTERS

TITLE = "How Australian organisations use Full BAS and Simple BAS"
#: The glossary fold's title (the same on every view).
GLOSSARY_TITLE = "Glossary: the story's terms in plain words"


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    """Headline, scope, the five tiles, the executive summary, coverage, the outline and the glossary. Every number
    is a claim (analyses.claims) or a key fact the chapters state too; nothing here is measured anew but the
    due-date summary the first chapter uses (memoised per view), and no claim that needs the Full BAS load sweep."""
    prefetch(con, filters, seasonality_summary, common_months, coverage)     # the claims' and coverage's sources
    facts = key_facts(con, filters)
    claims = story_claims(con, filters)
    blocks, runs = opening(con, filters, TITLE, cover_finding(facts, claims["share"]))
    if runs is None:
        return blocks
    cov = coverage(con, filters)
    due = interaction.due_summary(interaction.days_before_due(con, filters))
    return [
        *blocks,
        Metrics(tuple(Metric(m["label"], m["value"], m["caption"], m["help"]) for m in cover_metrics(facts, cov))),
        Bullets(tuple(executive_summary(claims, due, facts, runs, filters.tz))),
        Text(coverage_sentence(cov, runs)),
        Heading("The story"),
        Outline(tuple(ChapterLink(c.path, c.title, c.question, c.icon, c.tracks) for c in CHAPTERS[1:])),
        Details(GLOSSARY_TITLE, (Bullets(tuple(glossary_lines())),)),
    ]
