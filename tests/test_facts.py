"""The key data points on a hand-worked staged dataset, under default and non-default filters."""
from datetime import date

import pytest

from basstory.analyses.facts import (
    busiest_month,
    key_facts,
    left_out,
    orgs_both,
    orgs_in_scope,
    popular_plans,
    runs_by_system,
    users_either,
    users_multi_org,
)
from basstory.query.filters import UNKNOWN_ORG_STATUS, StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [
    org("A", plan="Standard"),
    org("B", plan="Premium 5 + Expenses", tax_period="Monthly", managed=False),
    org("C", status="Deleted"),
    org("D", paying=False, plan="Unknown"),
    org("E"),                                  # in scope, never runs a report
    org("F", status="Suspended"),
]
RUNS = [
    run("full", "u1", "A", local="2017-01-10 10:00"),
    run("full", "u1", "A", local="2017-01-10 10:05"),
    run("full", "u1", "B", local="2017-02-03 09:00"),
    run("full", "u1", "B", local="2017-02-03 09:03"),
    run("simple", "u2", "A", local="2017-02-05 11:00"),
    run("full", "u3", "C", local="2017-02-06 11:00"),
    run("full", "u3", "D", local="2017-02-07 11:00"),
    run("simple", "u4", None, local="2017-02-08 11:00", org_ref="!nope"),
    run("full", "u5", "F", local="2017-03-01 12:00"),
    run("simple", "u2", "A", local="2017-03-31 23:30"),
    run("full", "u6", "A", local="2017-03-01 00:30"),   # 28 Feb in UTC, March in Sydney
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("facts"), RUNS, ORGS)


def test_key_facts_by_hand(con):
    facts = key_facts(con)
    assert facts["orgs_in_scope"] == 3                          # A, B, E
    assert (facts["fullbas_runs"], facts["simplebas_runs"]) == (5, 2)
    assert facts["left_out"] == {"org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}
    assert facts["busiest_month"] == {"month": "2017-02", "runs": 3}     # 4 if months were UTC
    assert facts["busiest_month_by_system"] == {"full": {"month": "2017-01", "runs": 2},   # tie with Feb: earliest
                                                "simple": {"month": "2017-02", "runs": 1}}
    assert facts["orgs_both"] == 1                              # A
    assert facts["users_either"] == 3                           # u1, u2, u6
    assert facts["users_multi_org"] == 1                        # u1: A and B
    assert facts["plans"] == [{"plan": "Premium 5 + Expenses", "orgs": 1}, {"plan": "Standard", "orgs": 1}]
    assert set(facts["outage_window"]) == {"full", "simple"}


@pytest.mark.parametrize("filters, runs, users, orgs, left", [
    (StoryFilters(systems=("full",)), {"full": 5, "simple": 0}, 2, 3,
     {"system_not_selected": 2, "org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(statuses=("Active", "Deleted")), {"full": 6, "simple": 2}, 4, 4,
     {"org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(statuses=("Active", UNKNOWN_ORG_STATUS)), {"full": 5, "simple": 3}, 4, 3,
     {"org_deleted": 1, "org_not_paying": 1, "org_suspended": 1}),
    (StoryFilters(paying="all"), {"full": 6, "simple": 2}, 4, 4,
     {"org_deleted": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(start=date(2017, 2, 1), end=date(2017, 2, 28)), {"full": 2, "simple": 1}, 2, 3,
     {"outside_dates": 4, "org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(tax_periods=("Monthly",)), {"full": 2, "simple": 0}, 1, 1,
     {"tax_period_not_selected": 5, "org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(plan_families=("Premium 5",)), {"full": 2, "simple": 0}, 1, 1,
     {"plan_not_selected": 5, "org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(managed="not managed"), {"full": 2, "simple": 0}, 1, 1,
     {"managed_not_selected": 5, "org_deleted": 1, "org_not_paying": 1, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(statuses=("Deleted",)), {"full": 1, "simple": 0}, 1, 1,
     {"status_not_selected": 8, "org_suspended": 1, "org_unknown": 1}),
    (StoryFilters(statuses=()), {"full": 0, "simple": 0}, 0, 0,
     {"status_not_selected": 8, "org_deleted": 1, "org_suspended": 1, "org_unknown": 1}),
])
def test_filters_change_the_counts(con, filters, runs, users, orgs, left):
    assert runs_by_system(con, filters) == runs
    assert users_either(con, filters) == users
    assert orgs_in_scope(con, filters) == orgs
    assert left_out(con, filters) == left
    assert sum(left.values()) + sum(runs.values()) == len(RUNS)     # every run is either counted or left out once


def test_empty_view_gives_empty_answers(con):
    nothing = StoryFilters(statuses=())
    assert busiest_month(con, nothing) is None
    assert orgs_both(con, nothing) == 0
    assert users_multi_org(con, nothing) == 0
    assert popular_plans(con, nothing) == []
    assert key_facts(con, nothing)["outage_window"] == {"full": None, "simple": None}
