"""Filters: the date presets of the sidebar and the SQL they turn into."""
from datetime import date

import pytest

from basstory.query.filters import StoryFilters, bas_quarters, date_presets, exclusion_reason, run_predicate


def test_bas_quarters_cover_the_period_with_financial_year_labels():
    quarters = bas_quarters(date(2016, 8, 24), date(2017, 2, 3))
    assert quarters == [
        ("Jul–Sep 2016 (Q1 2016–17)", date(2016, 7, 1), date(2016, 9, 30)),
        ("Oct–Dec 2016 (Q2 2016–17)", date(2016, 10, 1), date(2016, 12, 31)),
        ("Jan–Mar 2017 (Q3 2016–17)", date(2017, 1, 1), date(2017, 3, 31)),
    ]


def test_date_presets_stay_inside_the_data():
    presets = date_presets(date(2016, 8, 24), date(2019, 2, 28))
    assert presets["Whole period"] == (date(2016, 8, 24), date(2019, 2, 28))
    assert presets["Last 12 months"] == (date(2018, 3, 1), date(2019, 2, 28))
    assert presets["Latest quarter"] == (date(2019, 1, 1), date(2019, 2, 28))
    assert presets["Jul–Sep 2016 (Q1 2016–17)"] == (date(2016, 8, 24), date(2016, 9, 30))
    assert list(presets)[3] == "Jan–Mar 2019 (Q3 2018–19)"          # quarters newest first


@pytest.mark.parametrize("filters, fragment", [
    (StoryFilters(), "list_contains(['Active']::VARCHAR[], status)"),
    (StoryFilters(plans=("O'Brien plan",)), "'O''Brien plan'"),        # quotes in values cannot break the SQL
    (StoryFilters(start=date(2017, 1, 1)), "run_local_date >= DATE '2017-01-01'"),
    (StoryFilters(systems=("simple",)), "list_contains(['simple']::VARCHAR[], system)"),
])
def test_predicates(filters, fragment):
    assert fragment in run_predicate(filters)


def test_default_filters_are_the_contract_scope():
    assert StoryFilters().is_contract_scope()
    assert StoryFilters(tz="UTC").is_contract_scope()
    assert not StoryFilters(paying="all").is_contract_scope()
    assert "system" not in run_predicate(StoryFilters())              # both systems: no system condition
    assert exclusion_reason(StoryFilters()).startswith("CASE WHEN NOT")
