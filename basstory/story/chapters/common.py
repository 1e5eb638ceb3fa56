"""What every chapter opens with: the headline, the scope line and, when the filters leave no runs, a note."""
from __future__ import annotations

import duckdb

from basstory.analyses.facts import left_out, runs_by_system
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Headline, Note, Scope
from basstory.story.narrative import fmt_int, left_out_sentence

NOTHING_TO_SHOW = Note("No report runs match these filters. Widen the period, add a system or an org status, "
                       "or clear the plan, tax period and channel filters in the sidebar.",
                       tone="warning", icon=":material/filter_alt_off:")


def scope_sentence(filters: StoryFilters, runs: dict[str, int], excluded: dict[str, int]) -> str:
    """'**Active, paying organisations** · runs counted: Full BAS 1,234, Simple BAS 567 · 89 runs left out (...).'
    (the same line the app's scope banner shows)."""
    scope = "Active, paying organisations" if filters.is_contract_scope() else "Filtered view"
    counted = ", ".join(f"{SYSTEM_LABELS[s]} {fmt_int(runs[s])}" for s in SYSTEMS if s in filters.systems)
    return f"**{scope}** · runs counted: {counted or 'none'} · {left_out_sentence(excluded)}"


def opening(con: duckdb.DuckDBPyConnection, filters: StoryFilters, title: str, finding: str
            ) -> tuple[list[Block], dict[str, int] | None]:
    """The chapter's first blocks (headline, scope line) and its runs per system; when the filters leave no runs,
    the blocks end with a note saying what to change and the runs are None: the chapter has nothing more to show."""
    runs = runs_by_system(con, filters)
    blocks: list[Block] = [Headline(title, finding), Scope(scope_sentence(filters, runs, left_out(con, filters)))]
    if sum(runs.values()) and filters.systems:
        return blocks, runs
    return [*blocks, NOTHING_TO_SHOW], None
