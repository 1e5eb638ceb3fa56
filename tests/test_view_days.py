"""The month cube's day bits: a view's days of a month it cuts, as the bits a row's `days` is tested against."""
from __future__ import annotations

from datetime import date

from basstory.query.filters import StoryFilters
from basstory.query.view import _cut_days_sql, _cut_months


def test_a_view_cut_at_both_ends_tests_its_own_days_of_each_month():
    f = StoryFilters(start=date(2017, 1, 20), end=date(2017, 3, 10))
    sql = _cut_days_sql(f, _cut_months(f))
    # 20-31 January: bits 19 to 30; 1-10 March: bits 0 to 9
    assert sql == ("(month = DATE '2017-01-01' AND days & 2146959360 <> 0) OR "
                   "(month = DATE '2017-03-01' AND days & 1023 <> 0)")


def test_one_day_of_a_month_is_one_bit():
    f = StoryFilters(start=date(2016, 2, 29), end=date(2016, 2, 29))
    assert _cut_days_sql(f, _cut_months(f)) == "(month = DATE '2016-02-01' AND days & 268435456 <> 0)"


def test_a_view_from_mid_month_on_keeps_the_rest_of_that_month():
    f = StoryFilters(start=date(2017, 4, 30))          # April has 30 days: only bit 29
    assert _cut_months(f) == [date(2017, 4, 1)]
    assert _cut_days_sql(f, _cut_months(f)) == "(month = DATE '2017-04-01' AND days & 536870912 <> 0)"
