"""Spikes and drops (analyses.spikes) on hand-worked series and staged datasets."""
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from basstory.analyses.spikes import (
    MAD_TO_SD,
    cause_kind,
    day_causes,
    dst_changes,
    due_phase,
    fit_hours,
    hour_pattern,
    hour_shares,
    key_numbers,
    robust_z,
    spike_days,
    spike_hours,
    spikes_summary,
)
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A")]


@pytest.mark.parametrize("day, phase", [
    ("2017-11-20", "monthly 1"),            # Monthly BAS due Tue 21 Nov
    ("2017-11-22", "agent 5"),              # Q1 agent 25 Nov is a Saturday: due Mon 27 Nov
    ("2017-11-27", "agent 0"),
    ("2017-11-28", "after quarterly 1"),    # next due date 21 Dec: more than a week ahead
    ("2017-11-01", "after quarterly 2"),    # Q1 28 Oct is a Saturday: due Mon 30 Oct
    ("2017-10-30", "quarterly 0"),          # self-lodged only
    ("2017-11-10", "other"),
])
def test_due_phase(day, phase):
    assert due_phase([pd.Timestamp(day)]).tolist() == [phase]


def test_dst_changes():
    assert dst_changes(date(2017, 3, 25), date(2017, 10, 10)) == {date(2017, 4, 2): "clocks go back",
                                                                  date(2017, 10, 1): "clocks go forward"}


def test_robust_z_by_hand():
    # median 0.5; absolute deviations .5 .5 1.5 1.5 2.5 9.5 -> MAD 1.5; scale 1.4826 × 1.5
    z, centre, scale = robust_z(np.array([0.0, 1.0, -1.0, 2.0, -2.0, 10.0]))
    assert centre == 0.5 and scale == pytest.approx(MAD_TO_SD * 1.5)
    assert z[-1] == pytest.approx(9.5 / (MAD_TO_SD * 1.5))


@pytest.mark.parametrize("cause, kind", [
    ("no runs at all: a gap in the extract?; public holiday (Christmas Day)", "a gap in the extract"),
    ("2 days before a BAS due date (Q4 28 Jul); public holiday (Anzac Day)", "a BAS due date"),
    ("Christmas–New Year break", "the Christmas–New Year break"),
    ("no cause found in the data", "no cause found in the data"),
])
def test_cause_kind(cause, kind):
    assert cause_kind(cause) == kind


def test_day_causes():
    due = pd.DataFrame({"due_date": [date(2017, 11, 27)], "quarterly": [True], "agent": [True],
                        "label": ["Q1 agent 25 Nov"]})
    span = (date(2017, 1, 1), date(2017, 12, 31))
    assert day_causes(date(2017, 11, 24), 5, span, due, {}) == ["3 days before a BAS due date (Q1 agent 25 Nov)"]
    assert day_causes(date(2017, 11, 28), 5, span, due, {}) == ["the day after a BAS due date (Q1 agent 25 Nov)"]
    assert day_causes(date(2017, 12, 25), 0, span, due, {}) == [
        "no runs at all: a gap in the extract?", "public holiday (Christmas Day)"]
    assert day_causes(date(2017, 10, 1), 5, span, due, {date(2017, 10, 1): "clocks go forward"}) == [
        "daylight-saving night (clocks go forward)"]
    assert day_causes(date(2017, 12, 31), 5, span, due, {}) == ["last day of the extract", "Christmas–New Year break"]
    assert day_causes(date(2017, 6, 7), 5, span, due, {}) == ["no cause found in the data"]


def steady_runs() -> list[dict]:
    """Full BAS, 5 Jun to 30 Jul 2017 (eight weeks, no national holiday): 100 runs each weekday, 10 each weekend
    day, all in the 10:00 hour; Wed 7 Jun has 400 runs and Wed 12 Jul none."""
    runs = []
    day = date(2017, 6, 5)
    while day <= date(2017, 7, 30):
        n = 400 if day == date(2017, 6, 7) else 0 if day == date(2017, 7, 12) else 100 if day.weekday() < 5 else 10
        runs += [run("full", f"u{i % 7}", "A", local=f"{day} 10:{i % 60:02d}:{i // 60:02d}") for i in range(n)]
        day += timedelta(days=1)
    return runs


def test_a_spike_and_a_gap_against_a_steady_pattern(tmp_path):
    # Every other weekday sits on the trend (the 29-day median: a weekday's 100 runs) and every weekend day on its
    # weekday effect, so all residuals but two are 0: their scale is 0 and the two are flagged (z = ±inf), each
    # more than 25% of the median day (100 runs) from the 100 expected.
    con = staged_connection(tmp_path, steady_runs(), ORGS)
    days = spike_days(con, StoryFilters())
    runs = days[days["measure"] == "runs"]
    assert runs[["day", "kind", "value", "cause"]].values.tolist() == [
        [pd.Timestamp("2017-06-07"), "spike", 400, "no cause found in the data"],
        [pd.Timestamp("2017-07-12"), "drop", 0, "no runs at all: a gap in the extract?"]]
    assert runs["expected"].tolist() == pytest.approx([100, 100])
    assert runs["ratio"].tolist() == pytest.approx([4.0, 0.0])
    compute = days[days["measure"] == "compute_s"]             # every run took 1 s: the same two days
    assert compute["day"].tolist() == runs["day"].tolist()
    # every run of a day falls in its 10:00 hour, as on every other day: no hour is unusual within its day
    assert spike_hours(con, StoryFilters()).empty
    assert len(hour_pattern(con, StoryFilters())) == 56 * 24
    summary = spikes_summary(con, StoryFilters())
    assert (summary["flagged_days"], summary["spike_days"], summary["drop_days"]) == (2, 1, 1)
    assert summary["series"]["full/runs"] == {"days": 56, "spikes": 1, "drops": 1}
    assert summary["causes"] == {"a gap in the extract": 1, "no cause found in the data": 1}
    numbers = key_numbers(con, StoryFilters())
    assert numbers["biggest_spike"] == {"system": "full", "day": "2017-06-07", "runs": 400, "expected": 100.0,
                                        "cause": "no cause found in the data"}


def test_too_few_days_are_not_judged(tmp_path):
    runs = [run("full", "u1", "A", local=f"2017-06-{d:02d} 10:00") for d in range(1, 20)]
    con = staged_connection(tmp_path, runs, ORGS)
    assert spike_days(con, StoryFilters()).empty and spikes_summary(con, StoryFilters())["series"] == {}


def hours_frame() -> pd.DataFrame:
    """5 Jun to 2 Jul 2017 (28 days): each working day 10 runs at 10:00 and 10 at 14:00, except Wed 14 Jun with
    20 at 10:00 and none at 14:00; each weekend day 2 runs at 11:00."""
    rows = []
    for i in range(28):
        day = pd.Timestamp("2017-06-05") + pd.Timedelta(days=i)
        for hour in range(24):
            if day.weekday() < 5:
                runs = {10: 10, 14: 10} if day != pd.Timestamp("2017-06-14") else {10: 20, 14: 0}
            else:
                runs = {11: 2}
            rows.append({"hour": day + pd.Timedelta(hours=hour), "runs": runs.get(hour, 0)})
    return pd.DataFrame(rows)


def test_hour_shares_and_an_hour_out_of_shape():
    frame = hours_frame().assign(hour_of_day=lambda h: h["hour"].dt.hour,
                                 working=lambda h: h["hour"].dt.day_of_week < 5)
    shares = hour_shares(frame).set_index(["working", "hour_of_day"])["share"]
    # working days: 210 of 400 runs at 10:00, 190 at 14:00; weekends all at 11:00
    assert shares[(True, 10)] == pytest.approx(0.525) and shares[(True, 14)] == pytest.approx(0.475)
    assert shares[(False, 11)] == 1.0
    fitted = fit_hours(hours_frame())
    flagged = fitted[fitted["kind"].notna()]
    assert flagged[["hour", "kind"]].values.tolist() == [[pd.Timestamp("2017-06-14 10:00"), "spike"],
                                                          [pd.Timestamp("2017-06-14 14:00"), "drop"]]
    assert flagged["expected"].tolist() == pytest.approx([20 * 0.525, 20 * 0.475])
