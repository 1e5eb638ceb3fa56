"""Like-for-like comparisons (basstory.analyses.like_for_like and its sentences) on tiny hand-made datasets, every
expected value worked out by hand in the comments."""
from datetime import date

import pandas as pd
import pytest

from basstory.analyses import comparison, like_for_like
from basstory.query.filters import StoryFilters
from basstory.story.narrative import claims as said
from basstory.story.narrative import like_for_like as words
from tests.staged_fixtures import org, run, staged_connection

DEFAULT = StoryFilters()

ORGS = [org(k) for k in ("X", "P", "Q", "R", "S")]
RUNS = [
    # X spans both extracts: Full BAS from 1 Jan to 31 Dec 2017, Simple BAS from 1 Jan (an hour later) to 31 Dec;
    # its take-up of Simple BAS is on the day both extracts start: it cannot be told from an extract starting
    run("full", "u1", "X", local="2017-01-01 10:00"),
    run("simple", "u1", "X", local="2017-01-01 11:00"),
    run("full", "u1", "X", local="2017-12-31 10:00"),
    run("simple", "u1", "X", local="2017-12-31 11:00"),
    # P: Full BAS in January, its first Simple BAS run on 15 Jun, inside the window (3 Apr to 31 Dec): observed
    run("full", "u2", "P", local="2017-01-20 10:00"),
    run("simple", "u2", "P", local="2017-06-15 10:00"),
    # Q: Simple BAS on 2 Jan, Full BAS on 10 Jan: before the window, unobservable
    run("simple", "u3", "Q", local="2017-01-02 10:00"),
    run("full", "u3", "Q", local="2017-01-10 10:00"),
    # R: first runs of both in the same instant
    run("full", "u4", "R", local="2017-05-01 10:00"),
    run("simple", "u4", "R", local="2017-05-01 10:00"),
    # S: Full BAS only, two more runs in March
    run("full", "u5", "S", local="2017-03-06 10:00"),
    run("full", "u5", "S", local="2017-03-07 10:00"),
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    return staged_connection(tmp_path_factory.mktemp("like_for_like"), RUNS, ORGS)


def test_common_months_cover_only_whole_months_both_extracts_span(con):
    # both run 1 Jan to 31 Dec 2017: twelve whole months; Full BAS 7 runs (X 2, P, Q, R, S 2), Simple BAS 5
    common = like_for_like.common_months(con, DEFAULT)
    assert common == {"first": "2017-01", "last": "2017-12", "months": 12, "runs": {"full": 7, "simple": 5},
                      "share": {"full": 7 / 12, "simple": 5 / 12}}
    assert said.share_sentence(common) == ("Over the 12 months both extracts cover (January 2017 to December 2017), "
                                            "Full BAS carries 58% of the runs (7 of 12)")
    # from 2 Jan to 30 Dec X's runs are out: Full BAS is kept from 10 Jan (Q) to 1 May (R), Simple BAS from 2 Jan
    # (Q) to 15 Jun (P); whole months in both: February to April, where only S's two March runs fall
    cut = like_for_like.common_months(con, DEFAULT.with_(start=date(2017, 1, 2), end=date(2017, 12, 30)))
    assert (cut["first"], cut["last"], cut["months"]) == ("2017-02", "2017-04", 3)
    assert cut["runs"] == {"full": 2, "simple": 0}
    assert like_for_like.common_months(con, DEFAULT.with_(systems=("full",))) is None
    assert said.share_sentence(None) is None


def test_whole_months():
    assert like_for_like._whole_months(date(2017, 1, 1), date(2017, 1, 31)) == (date(2017, 1, 1), date(2017, 1, 1))
    assert like_for_like._whole_months(date(2017, 1, 2), date(2017, 2, 27)) is None
    assert like_for_like._whole_months(date(2016, 12, 31), date(2017, 3, 1)) == (date(2017, 1, 1), date(2017, 2, 1))


def test_switches_count_only_what_both_extracts_could_see(con):
    # window: the later first day (1 Jan) + 92 days = 3 Apr, to the earlier last day (31 Dec)
    assert comparison.switch_window(con, DEFAULT) == (date(2017, 4, 3), date(2017, 12, 31))
    switches = like_for_like.observed_switches(con, DEFAULT)
    # P observed (Full -> Simple); X (1 Jan) and Q (10 Jan) before the window; R's first runs coincide
    assert switches == {"window": (date(2017, 4, 3), date(2017, 12, 31)), "full_to_simple": 1, "simple_to_full": 0,
                        "unobservable": 2, "same_time": 1, "orgs_both": 4}
    take_up = comparison.system_take_up(con, DEFAULT)
    # quarters with kept runs: Jan-Mar (X, P, Q, S), Apr-Jun (P, R), Oct-Dec (X); Jul-Sep has none
    assert take_up[["quarter_label", "direction", "orgs", "observed"]].values.tolist() == [
        ["Jan–Mar 2017", "full_to_simple", 1, 0], ["Jan–Mar 2017", "simple_to_full", 1, 0],     # X, Q
        ["Apr–Jun 2017", "full_to_simple", 1, 1], ["Apr–Jun 2017", "simple_to_full", 0, 0],     # P
        ["Oct–Dec 2017", "full_to_simple", 0, 0], ["Oct–Dec 2017", "simple_to_full", 0, 0]]
    assert words.switches_title(switches).text == (
        "Where both extracts were running (3 Apr 2017 to 31 Dec 2017), 1 organisation took up Simple BAS after "
        "Full BAS and none went the other way")
    assert words.switches_sentence(switches, comparison.SWITCH_MARGIN_DAYS).endswith(
        "Of the 4 organisations that used both reports, 2 started their second report outside that window: whether "
        "they switched, added it or had always used both cannot be observed in these extracts.")
    assert like_for_like.observed_switches(con, DEFAULT.with_(systems=("simple",))) is None
    assert words.switches_title(None).text == "Switching needs both systems in view"


def test_switch_window_closes_when_the_extracts_overlap_less_than_a_quarter(con):
    # from 1 Jan to 31 Mar both run: 1 Jan + 92 days is after 31 Mar
    f = DEFAULT.with_(end=date(2017, 3, 31))
    assert comparison.switch_window(con, f) is None
    switches = like_for_like.observed_switches(con, f)
    assert (switches["full_to_simple"], switches["simple_to_full"], switches["unobservable"]) == (0, 0, 2)
    assert words.switches_title(switches).text == "The extracts overlap too little to see anyone switch"


def test_no_observed_take_up_says_so():
    switches = {"window": (date(2017, 4, 3), date(2017, 12, 31)), "full_to_simple": 0, "simple_to_full": 0,
                "unobservable": 3, "same_time": 0, "orgs_both": 3}
    assert words.switches_title(switches).text == (
        "Where both extracts were running (3 Apr 2017 to 31 Dec 2017), no organisation took up the other report")


def test_shared_window_costs_each_system(con):
    shared = like_for_like.shared_window(con, DEFAULT)
    # every run is at 10:00 or 11:00: day 1 00:00-02:00 costs both systems nothing and is the earliest
    assert shared["window"] == {"day": 1, "start": "00:00", "end": "02:00", "runs_mean": {"full": 0.0, "simple": 0.0}}
    assert shared["own"]["full"] == {"day": 1, "start": "00:00", "end": "02:00", "runs_mean": 0.0,
                                     "other_runs_mean": 0.0}
    # 12 starts before 06:00 on each of 28 days, all free
    assert (shared["night_windows"], shared["night_near_zero"]) == (12 * 28, 12 * 28)
    sentence = words.shared_window_sentence(shared)
    assert sentence.startswith("**One window for both systems:** day 1, 00:00–02:00 Sydney time costs Full BAS 0 "
                               "runs a month and Simple BAS 0 runs a month")
    assert "Of the 336 windows starting before 06:00, 336 cost each system under 1 run a month" in sentence
    assert like_for_like.shared_window(con, DEFAULT.with_(systems=("full",))) is None
    assert words.shared_window_sentence(None) is None


def _load(days: dict[str, int], months: dict[str, tuple[int, bool]], hours: dict[int, float]) -> dict:
    daily = pd.DataFrame({"day": pd.to_datetime(list(days)), "peak_concurrency": list(days.values())})
    monthly = pd.DataFrame({"month_start": pd.to_datetime([m + "-01" for m in months]),
                            "peak_concurrency": [p for p, _ in months.values()],
                            "complete": [c for _, c in months.values()]})
    hour_of_day = pd.DataFrame({"hour": list(hours), "peak_concurrency_mean": list(hours.values())})
    return {"daily": daily, "monthly": monthly, "hour_of_day": hour_of_day}


def test_capacity_rule_ratios_to_the_median():
    load = _load(
        # days 1-14: peaks 1 and 3 (mean 2); days 15-21: 2; days 22-28: 8; no day 29-31. Median day: (2 + 3) / 2 = 2.5
        {"2017-01-02": 1, "2017-01-10": 3, "2017-01-21": 2, "2017-01-28": 8},
        # whole months: Jan (1st of the quarter) 4, Feb (2nd) 10, Mar (3rd) 6, Apr cut (left out). Median 6
        {"2017-01": (4, True), "2017-02": (10, True), "2017-03": (6, True), "2017-04": (50, False)},
        # hours: 02:00 0.1, 10:00 4, 11:00 2, 12:00 1: median (1 + 2) / 2 = 1.5
        {2: 0.1, 10: 4.0, 11: 2.0, 12: 1.0})
    rule = like_for_like.capacity_rule(load)
    got = {(r.dimension, r.order): (r.peak, r.ratio) for r in rule.itertuples()}
    assert got[("day of the month", 0)] == pytest.approx((2.0, 0.8))
    assert got[("day of the month", 2)] == pytest.approx((8.0, 3.2))
    assert ("day of the month", 3) not in got
    assert got[("month of the quarter", 2)] == pytest.approx((10.0, 10 / 6))
    assert got[("hour of the day", 10)] == pytest.approx((4.0, 4 / 1.5))
    sentence = words.capacity_rule_sentence(rule)
    assert sentence == (
        "**Capacity as a rule:** on days 22–28 (quarterly BAS due the 25th–28th) the day's peak averages 8.0 runs "
        "at once, 3.2× the median day's; in the 2nd month (Feb, May, Aug, Nov) the month's peak averages 10.0 runs "
        "at once, 1.67× the median whole month's; 1 hour of the day, all between 10:00 and 11:00 Sydney time, "
        "averages a peak of at least 2× the median hour's (up to 2.7×); 1 hour of the day averages under a tenth "
        "of the median hour's.")
    assert like_for_like.capacity_rule(None).empty
    assert words.capacity_rule_sentence(like_for_like.capacity_rule(None)) is None
