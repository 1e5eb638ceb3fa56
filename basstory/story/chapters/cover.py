"""Cover: the five key data points, the period and coverage, and the story's outline."""
from __future__ import annotations

import duckdb

from basstory.analyses.claims import story_claims
from basstory.analyses.dataset import coverage
from basstory.analyses.facts import key_facts
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, ChapterLink, Heading, Metric, Metrics, Outline, Text
from basstory.story.chapters.common import opening
from basstory.story.narrative import cover_finding, cover_metrics, coverage_sentence
from basstory.story.registry import CHAPTERS

TITLE = "How Australian organisations use Full BAS and Simple BAS"


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters) -> list[Block]:
    facts = key_facts(con, filters)
    blocks, runs = opening(con, filters, TITLE, cover_finding(facts, story_claims(con, filters)["share"]))
    if runs is None:
        return blocks
    cov = coverage(con, filters)
    return [
        *blocks,
        Text(coverage_sentence(cov, runs)),
        Metrics(tuple(Metric(m["label"], m["value"], m["caption"], m["help"]) for m in cover_metrics(facts, cov))),
        Heading("The story"),
        Outline(tuple(ChapterLink(c.path, c.title, c.question, c.icon) for c in CHAPTERS[1:])),
    ]
