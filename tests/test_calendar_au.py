"""The BAS calendar: holidays, business days and due dates, against dates checked by hand on a printed calendar."""
from __future__ import annotations

from datetime import date

import pytest

from basstory.core.calendar_au import (
    bas_due_dates,
    easter_sunday,
    is_business_day,
    national_public_holidays,
    next_business_day,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2016, date(2016, 3, 27)),
        (2017, date(2017, 4, 16)),
        (2018, date(2018, 4, 1)),
        (2019, date(2019, 4, 21)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_national_public_holidays_2017() -> None:
    assert national_public_holidays(2017) == {
        date(2017, 1, 1): "New Year's Day",
        date(2017, 1, 26): "Australia Day",
        date(2017, 4, 14): "Good Friday",
        date(2017, 4, 17): "Easter Monday",
        date(2017, 4, 25): "Anzac Day",
        date(2017, 12, 25): "Christmas Day",
        date(2017, 12, 26): "Boxing Day",
    }


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        (date(2017, 10, 27), date(2017, 10, 27), "a plain Friday"),
        (date(2017, 10, 28), date(2017, 10, 30), "Saturday -> Monday"),
        (date(2017, 10, 29), date(2017, 10, 30), "Sunday -> Monday"),
        (date(2017, 1, 26), date(2017, 1, 27), "Australia Day (Thursday) -> Friday"),
        (date(2017, 4, 14), date(2017, 4, 18), "Good Friday, weekend, Easter Monday -> Tuesday"),
        (date(2017, 4, 25), date(2017, 4, 26), "Anzac Day (Tuesday) -> Wednesday"),
        (date(2016, 12, 24), date(2016, 12, 27), "Saturday, Christmas (Sun), Boxing Day (Mon) -> Tuesday"),
        (date(2017, 1, 1), date(2017, 1, 2), "New Year's Day on a Sunday: no observed Monday substitute"),
        (date(2019, 4, 21), date(2019, 4, 23), "Easter Sunday 2019 -> Easter Monday -> Tuesday"),
        (date(2017, 12, 25), date(2017, 12, 27), "Christmas (Mon), Boxing Day (Tue) -> Wednesday"),
    ],
)
def test_next_business_day(day: date, expected: date, why: str) -> None:
    assert next_business_day(day) == expected, why


@pytest.mark.parametrize(
    ("day", "business"),
    [(date(2017, 2, 28), True), (date(2017, 2, 25), False), (date(2018, 1, 26), False), (date(2018, 1, 29), True)],
)
def test_is_business_day(day: date, business: bool) -> None:
    assert is_business_day(day) is business


def test_bas_due_dates_financial_year_2017() -> None:
    due = bas_due_dates(date(2016, 10, 1), date(2017, 9, 30))
    assert list(due.columns) == ["due_date", "nominal_date", "cadence", "period_end", "label"]
    assert due["cadence"].value_counts().to_dict() == {"monthly": 12, "quarterly": 4, "quarterly_agent": 4}
    rows = {(r.cadence, r.nominal_date): r for r in due.itertuples()}
    # (cadence, nominal date) -> (moved due date, period end, label), checked by hand
    expected = {
        ("quarterly", date(2016, 10, 28)): (date(2016, 10, 28), date(2016, 9, 30), "Q1 28 Oct"),
        ("quarterly_agent", date(2016, 11, 25)): (date(2016, 11, 25), date(2016, 9, 30), "Q1 agent 25 Nov"),
        ("quarterly", date(2017, 2, 28)): (date(2017, 2, 28), date(2016, 12, 31), "Q2 28 Feb"),
        ("quarterly_agent", date(2017, 2, 28)): (date(2017, 2, 28), date(2016, 12, 31), "Q2 agent 28 Feb"),
        ("quarterly", date(2017, 4, 28)): (date(2017, 4, 28), date(2017, 3, 31), "Q3 28 Apr"),
        ("quarterly_agent", date(2017, 5, 26)): (date(2017, 5, 26), date(2017, 3, 31), "Q3 agent 26 May"),
        ("quarterly", date(2017, 7, 28)): (date(2017, 7, 28), date(2017, 6, 30), "Q4 28 Jul"),
        ("quarterly_agent", date(2017, 8, 25)): (date(2017, 8, 25), date(2017, 6, 30), "Q4 agent 25 Aug"),
        ("monthly", date(2017, 1, 21)): (date(2017, 1, 23), date(2016, 12, 31), "Monthly 21st"),  # Saturday
        ("monthly", date(2017, 5, 21)): (date(2017, 5, 22), date(2017, 4, 30), "Monthly 21st"),  # Sunday
        ("monthly", date(2017, 9, 21)): (date(2017, 9, 21), date(2017, 8, 31), "Monthly 21st"),
    }
    for key, (due_date, period_end, label) in expected.items():
        row = rows[key]
        assert (row.due_date, row.period_end, row.label) == (due_date, period_end, label), key
    assert list(due["due_date"]) == sorted(due["due_date"])


@pytest.mark.parametrize(
    ("cadence", "nominal", "moved"),
    [
        ("quarterly", date(2017, 10, 28), date(2017, 10, 30)),        # Saturday
        ("quarterly_agent", date(2017, 11, 25), date(2017, 11, 27)),  # Saturday
        ("quarterly", date(2018, 4, 28), date(2018, 4, 30)),          # Saturday
        ("quarterly_agent", date(2018, 5, 26), date(2018, 5, 28)),    # Saturday
        ("quarterly_agent", date(2018, 8, 25), date(2018, 8, 27)),    # Saturday
        ("quarterly_agent", date(2018, 11, 25), date(2018, 11, 26)),  # Sunday
        ("monthly", date(2019, 4, 21), date(2019, 4, 23)),            # Easter Sunday, then Easter Monday
    ],
)
def test_bas_due_dates_moved_off_weekends_and_holidays(cadence: str, nominal: date, moved: date) -> None:
    due = bas_due_dates(date(2017, 10, 1), date(2019, 6, 30))
    match = due[(due["cadence"] == cadence) & (due["nominal_date"] == nominal)]
    assert list(match["due_date"]) == [moved]


def test_bas_due_dates_window_is_inclusive_on_moved_dates() -> None:
    # 28 Oct 2017 is a Saturday, so Q1 is due Monday 30 Oct: inside a window that starts on the 30th,
    # outside one that ends on the 28th.
    assert "Q1 28 Oct" in set(bas_due_dates(date(2017, 10, 30), date(2017, 10, 30))["label"])
    assert "Q1 28 Oct" not in set(bas_due_dates(date(2017, 10, 22), date(2017, 10, 28))["label"])
    assert bas_due_dates(date(2017, 10, 24), date(2017, 10, 27)).empty  # Monthly 21 Oct (Sat) moved to the 23rd
