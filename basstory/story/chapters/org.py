"""One org's page (pages/org.py, `?org=<short code or id>`): its runs over time against its own due dates, its
users, its plan, tax period and status, and where it sits among its segment. Not a chapter of the story: the
orgs and at-risk chapters link to it."""
from __future__ import annotations

import duckdb
import pandas as pd

from basstory.analyses import orgs as analyses
from basstory.core.text import fmt_day, md_escape
from basstory.query.filters import StoryFilters
from basstory.story.blocks import Block, Bullets, Column, Heading, Headline, Metric, Metrics, Note, Table, chart_or_note
from basstory.story.charts import orgs as charts
from basstory.story.narrative import orgs as narrative

TITLE = "Org"
USER_COLUMNS = {"user": Column("User", "text"), "runs": Column("Runs", format="%d"),
                "systems": Column("Systems", "text"), "first": Column("First run", "datetime", "D MMM YYYY"),
                "last": Column("Last run", "datetime", "D MMM YYYY"), "orgs": Column("Orgs they run", format="%d"),
                "role": Column("Role", "text")}
ASK = ("Open an org from the most and least active orgs or the at-risk list, or type its short code (e.g. !V5xDN) "
       "or its organisation id above.")


def _when(value) -> str:
    return fmt_day(value) if value is not None and not pd.isna(value) else "—"


def build(con: duckdb.DuckDBPyConnection, filters: StoryFilters, code: str | None) -> list[Block]:
    org = analyses.find_org(con, code)
    if org is None:
        if not code:
            return [Headline(TITLE, "Which org?"), Note(ASK)]
        return [Headline(TITLE, f"No org {md_escape(code)} in this dataset."),
                Note(ASK, tone="warning", icon=":material/search_off:")]
    weeks = analyses.org_runs_by_week(con, org["org_key"])
    segment = analyses.org_in_segment(con, filters, org["org_key"])
    blocks: list[Block] = [
        Headline(f"Org {md_escape(org['shortcode'])}", narrative.org_finding(org, weeks, segment)),
        Metrics((Metric("Status", md_escape(org["status"]),
                        "in the story's scope" if org["in_scope"] else "outside the story's scope (active, paying)"),
                 Metric("Plan", md_escape(org["plan"]), "paying" if org["paying"] else "not paying"),
                 Metric("Tax period", md_escape(org["tax_period"]),
                        "managed by a practice" if org["managed_by_practice"] else "not practice-managed"),
                 Metric("Created", _when(org["created_utc"]), f"deleted {_when(org['deleted_utc'])}"
                        if org["deleted_utc"] is not None else "not deleted")))]
    first = weeks["week"].min() if len(weeks) else None
    last = weeks["week"].max() if len(weeks) else None
    due = analyses.org_due_dates(org["cadence"], first, last)
    blocks += [Heading("Its runs over time"),
               chart_or_note("org_weeks", weeks, lambda: charts.org_weeks_chart(
                   weeks, due, *narrative.org_title(org, weeks)), "This org has no run in the extracts.")]
    blocks += [Heading("Where it sits among its segment")]
    if segment is None:
        blocks.append(Note("The org has no run in the current view (the sidebar's filters), so it has no segment "
                           "here."))
    else:
        blocks.append(Bullets(narrative.segment_bullets(segment)))
    users = analyses.org_users(con, org["org_key"])
    blocks += [Heading("Who runs its reports"),
               Table("org_users", users, USER_COLUMNS) if len(users) else Note("Nobody ran its reports.")]
    return blocks
