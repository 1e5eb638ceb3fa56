"""The customer chapters' analyses (segments, advisers, orgs, at risk) on tiny hand-made staged datasets, every
expected value worked out by hand in the comments."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from basstory.analyses import advisers as adv
from basstory.analyses import at_risk as risk
from basstory.analyses import orgs as ranks
from basstory.analyses import segments as seg
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

DEFAULT = StoryFilters()


@pytest.fixture
def connect(tmp_path):
    made = []

    def _connect(runs, orgs):
        made.append(1)
        return staged_connection(tmp_path / f"d{len(made)}", runs, orgs)

    return _connect


# --- Cadence, the rule on its own -----------------------------------------------------------------------------------

@pytest.mark.parametrize("runs, span, active, phase, top, cadence", [
    (5, 12, 12, 0.34, 0.10, "too few runs"),     # fewer than 6 runs
    (20, 3, 3, 0.50, 0.40, "too few runs"),      # fewer than 4 months from first to last
    (20, 12, 2, 0.90, 0.60, "annual"),           # the busiest month holds 60% over 12 months
    (20, 5, 2, 0.90, 0.60, "quarterly"),         # 60% in one month, but over only 5 months: the phase rule decides
    (24, 12, 12, 0.34, 0.10, "monthly"),         # every month, no quarterly pattern
    (24, 12, 6, 0.40, 0.20, "irregular"),        # half the months, no pattern
    (24, 12, 9, 0.49, 0.20, "monthly"),          # 9/12 = 75% of months: monthly, the phase just under 50%
])
def test_infer_cadence(runs, span, active, phase, top, cadence):
    assert seg.infer_cadence(runs, span, active, phase, top) == cadence


# --- A small world: four orgs, four users ---------------------------------------------------------------------------

def world(a_declares: str = "Monthly") -> tuple[list, list]:
    """A: u1 monthly Jan-Jun 2017 (one re-run 10 minutes after the first), u2 once in March.
    B: u2 (an adviser: A and B) twice in each of Feb, May, Aug, Nov 2017. D: u3 on Full BAS in Jan and Feb 2017,
    then Simple BAS Jul-Oct 2017 (a switch). E: u4 once on Simple BAS in Jan 2017 (which starts Simple BAS's runs)."""
    orgs = [org("a", "!A", tax_period=a_declares), org("b", "!B", plan="Premium 5"), org("d", "!D"),
            org("e", "!E", plan="Starter")]
    runs = [run("full", "u1", "a", local=f"2017-0{m}-10 10:00", runtime=2.0) for m in range(1, 7)]
    runs += [run("full", "u1", "a", local="2017-01-10 10:10", runtime=1.0),
             run("full", "u2", "a", local="2017-03-15 11:00")]
    runs += [run("full", "u2", "b", local=f"2017-{m:02d}-20 {h}:00") for m in (2, 5, 8, 11) for h in (10, 14)]
    runs += [run("full", "u3", "d", local=f"2017-0{m}-05 09:00") for m in (1, 2)]
    runs += [run("simple", "u3", "d", local=f"2017-{m:02d}-05 09:00", statement=(2017, m - 1)) for m in (7, 8, 9, 10)]
    runs += [run("simple", "u4", "e", local="2017-01-20 09:00", statement=(2016, 12))]
    return runs, orgs


def test_org_usage_counts_each_org(connect):
    usage = seg.org_usage(connect(*world()), DEFAULT).set_index("shortcode")
    assert usage.loc["!A", ["runs", "runs_full", "runs_simple", "repeats", "users", "adviser_users"]].tolist() == \
        [8, 8, 0, 1, 2, 1]
    assert usage.loc["!A", "compute_s"] == pytest.approx(6 * 2.0 + 1.0 + 1.0)
    # A's months Jan-Jun: Jan 2 runs, Mar 2, the rest 1; phases (month % 3): Jan+Apr 3, Feb+May 2, Mar+Jun 3
    assert (usage.loc["!A", "span_months"], usage.loc["!A", "active_months"]) == (6, 6)
    assert usage.loc["!A", "phase_share"] == pytest.approx(3 / 8)
    assert usage.loc["!A", "top_month_share"] == pytest.approx(2 / 8)
    assert usage.loc["!B", "phase_share"] == 1.0 and usage.loc["!B", "span_months"] == 10      # Feb..Nov
    assert usage.loc["!D", ["runs_full", "runs_simple"]].tolist() == [2, 4]
    assert usage.loc["!D", "last_full"] == pd.Timestamp("2017-02-05")
    assert usage.loc["!D", "first_simple"] == pd.Timestamp("2017-07-05")


@pytest.mark.parametrize("view", [DEFAULT, StoryFilters(start=date(2017, 2, 3), end=date(2017, 6, 20)),
                                  StoryFilters(systems=("simple",)), StoryFilters(start=date(2015, 1, 1),
                                                                                  end=date(2015, 1, 2))])
def test_org_usage_by_arrays_equals_its_query(connect, monkeypatch, view):
    # the fast engine sums per org with NumPy; without that path (as past MAX_GRID_CELLS) it runs the query
    con = connect(*world())
    by_arrays = seg.org_usage(con, view)
    monkeypatch.setattr(seg, "_usage_by_arrays", lambda con, f: None)
    by_query = seg.org_usage(con, view)
    pd.testing.assert_frame_equal(by_arrays, by_query, check_exact=False, rtol=1e-12)
    assert by_arrays.empty == (view.start == date(2015, 1, 1))


def test_a_grid_too_large_leaves_org_usage_to_the_query(connect, monkeypatch):
    monkeypatch.setattr(seg, "MAX_GRID_CELLS", 3)          # 4 orgs by 10 months
    con = connect(*world())
    assert seg._usage_by_arrays(con, DEFAULT) is None
    assert seg.org_usage(con, DEFAULT).set_index("shortcode").loc["!A", "runs"] == 8


def test_classify_segments_each_org(connect):
    orgs = seg.classified_orgs(connect(*world()), DEFAULT).set_index("shortcode")
    assert orgs["cadence"].to_dict() == {"!A": "monthly", "!B": "quarterly", "!D": "quarterly", "!E": "too few runs"}
    assert orgs["who"].to_dict() == {"!A": "both", "!B": "adviser", "!D": "own staff", "!E": "own staff"}
    # D stopped Full BAS 2017-02-05, 92+ days before Full BAS's last run (B, 20 Nov), and started Simple BAS on
    # 5 Jul, 92+ days after Simple BAS's first run (E, 20 Jan): a switch, in Jul-Sep 2017
    assert orgs["system_use"].to_dict() == {"!A": "full only", "!B": "full only", "!D": "switched to simple",
                                            "!E": "simple only"}
    assert orgs.loc["!D", "switch_quarter"] == "Jul–Sep 2017 (Q1 2017–18)"
    assert orgs.loc["!A", "runs_per_month"] == pytest.approx(8 / 6) and orgs.loc["!A", "intensity"] == "light"
    assert orgs.loc["!A", "rerun_rate"] == pytest.approx(1 / 8)
    assert orgs["cadence_match"].to_dict() == {"!A": "matches", "!B": "matches", "!D": "matches",
                                               "!E": "too few runs"}


def test_segment_sizes_and_shares(connect):
    orgs = seg.classified_orgs(connect(*world()), DEFAULT)
    who = seg.segment_sizes(orgs, "who").set_index("segment")
    # runs: A 8, B 8, D 6, E 1 = 23; compute: A 14, B 8, D 2, E 0 = 24
    assert who["orgs"].to_dict() == {"own staff": 2, "adviser": 1, "both": 1}
    assert who.loc["own staff", "run_share"] == pytest.approx(7 / 23)
    assert who.loc["adviser", "compute_share"] == pytest.approx(8 / 24)
    assert who.loc["own staff", "runs_per_org"] == pytest.approx(3.5)
    system = seg.segment_sizes(orgs, "system").set_index("segment")
    assert system.loc["switched to full", "orgs"] == 0 and system.loc["switched to full", "run_share"] == 0.0
    switches = seg.switches_by_quarter(orgs)
    assert switches[["quarter", "system", "orgs"]].values.tolist() == [["Jul–Sep 2017 (Q1 2017–18)", "simple", 1]]


def test_cadence_mismatch_is_a_finding(connect):
    orgs = seg.classified_orgs(connect(*world(a_declares="Quarterly")), DEFAULT)
    m = seg.mismatches(orgs)
    # A, B and D have enough runs; A declares quarterly but runs monthly
    assert (m["judged"], m["differs"], m["top"]) == (3, 1, ("quarterly", "monthly", 1))
    table = seg.cadence_vs_declared(orgs)
    quarterly = table[table["tax_period"] == "Quarterly"].set_index("cadence")
    assert quarterly["orgs"].to_dict() == {"monthly": 1, "quarterly": 2, "too few runs": 1}
    assert quarterly.loc["monthly", "share"] == pytest.approx(1 / 4)
    numbers = seg.key_numbers(connect(*world(a_declares="Quarterly")), DEFAULT)
    assert (numbers["orgs"], numbers["cadence_mismatches"], numbers["switched_orgs"]) == (4, 1, 1)


def test_a_switch_is_not_an_extract_edge(connect):
    """D's Full BAS runs end with Full BAS's own runs: no switch, whatever Simple BAS does after."""
    runs, orgs = world()
    runs = [r for r in runs if r["org_ref"] != "b"]          # without B, Full BAS ends with A's 10 Jun run
    classified = seg.classified_orgs(connect(runs, orgs), DEFAULT).set_index("shortcode")
    # Full BAS's last run is A's 10 Jun; D's last Full BAS run (5 Feb) is 125 days before it: still a switch
    assert classified.loc["!D", "system_use"] == "switched to simple"
    runs = [r for r in runs if not (r["org_ref"] == "a" and r["run_utc"] > pd.Timestamp("2017-03-01"))]
    classified = seg.classified_orgs(connect(runs, orgs), DEFAULT).set_index("shortcode")
    # now Full BAS ends on 5 Feb with D itself: D used both, as far as the extracts can tell
    assert classified.loc["!D", "system_use"] == "both"


# --- Advisers ---------------------------------------------------------------------------------------------------------

def test_adviser_summary(connect):
    con = connect(*world())
    s = adv.adviser_summary(con, DEFAULT)
    # u2 ran A and B: the one adviser of 4 users, with A's 1 run and B's 8 of the 23
    assert (s["users"], s["advisers"], s["runs"], s["adviser_runs"]) == (4, 1, 23, 9)
    assert s["run_share"] == pytest.approx(9 / 23) and s["adviser_share"] == pytest.approx(1 / 4)
    assert (s["orgs"], s["orgs_covered"], s["adviser_only_orgs"], s["max_orgs"], s["median_orgs"]) == (4, 2, 1, 2, 2)
    per = adv.orgs_per_adviser(con, DEFAULT)
    assert per[["orgs_bucket", "advisers", "runs"]].values.tolist() == [["2", 1, 9]]
    assert adv.key_numbers(con, DEFAULT)["advisers"] == 1


def test_timing_by_role_splits_every_dated_run(connect):
    con = connect(*world())
    timing = adv.timing_by_role(con, DEFAULT)
    runs = timing.groupby("role")["runs"].sum().to_dict()
    # every org is monthly or quarterly (managed: agent dates): all 23 runs have a due date; u2's 9 are the adviser's
    assert runs == {"adviser": 9, "owner": 14}
    # B's runs on 20 Feb are 8 days before the Q2 due date, 28 Feb (a Tuesday)
    b_feb = timing[(timing["role"] == "adviser") & (timing["cadence"] == "quarterly_agent")]
    assert 8 in set(b_feb["days_before"])
    weeks = adv.weeks_by_role(timing)
    assert weeks.groupby("role")["share"].sum().round(9).to_dict() == {"adviser": 1.0, "owner": 1.0}


def test_batch_days_near_agent_due_dates(connect):
    """u9 runs three orgs on Mon 20 Nov 2017 (7 days before the agent due date 25 Nov, a Saturday, moved to Mon 27
    Nov) and three on Mon 2 Oct 2017 (far from any agent date); two orgs on 9 Oct is no batch."""
    orgs = [org(k, f"!{k}") for k in ("p", "q", "r")]
    runs = [run("full", "u9", k, local=f"{d} 10:00") for d in ("2017-10-02", "2017-11-20") for k in ("p", "q", "r")]
    runs += [run("full", "u9", k, local="2017-10-09 10:00") for k in ("p", "q")]
    b = adv.batch_days(connect(runs, orgs), DEFAULT)
    assert (b["adviser_days"], b["batch_days"], b["batch_runs"], b["adviser_runs"], b["largest_batch"]) == \
        (3, 2, 6, 8, 3)
    assert b["near_due_batch_share"] == 0.5
    # 2 Oct..20 Nov is 50 days; near 27 Nov are 14..27 Nov, of which 14..20 Nov (7 days) lie in it
    assert b["near_due_day_share"] == pytest.approx(7 / 50)


def test_outage_cost_of_the_recommended_window(connect):
    con = connect(*world())
    cost = adv.outage_cost(con, DEFAULT).set_index("system")
    # runs at 09:00-14:00 on days 5-20 never fall in the cheapest window (day 1, 00:00-02:00: nobody)
    assert cost.loc["full", ["day", "start", "adviser_runs_mean", "owner_runs_mean", "advisers_hit"]].tolist() == \
        [1, "00:00", 0.0, 0.0, 0]
    assert cost.loc["full", "adviser_system_share"] == pytest.approx(9 / 18)     # u2: 9 of A 8, B 8, D 2
    assert cost.loc["simple", "adviser_system_share"] == 0.0


# --- Most and least active orgs, one org ------------------------------------------------------------------------------

def test_ranking_both_ends_and_ties(connect):
    con = connect(*world())
    orgs = seg.classified_orgs(con, DEFAULT)
    by_runs = ranks.ranking(orgs, "runs", n=2)
    # A 8 and B 8 tie: the smaller org_key first; the least: E 1, then D 6
    assert by_runs[["end", "shortcode", "value"]].values.tolist() == [
        ["most", "!A", 8.0], ["most", "!B", 8.0], ["least", "!E", 1.0], ["least", "!D", 6.0]]
    assert by_runs["share"].iloc[0] == pytest.approx(8 / 23)
    by_compute = ranks.ranking(orgs, "compute", n=2)
    # compute in minutes: A 14 s, B 8 s, D 2 s; E has none and is not ranked
    assert by_compute[by_compute["end"] == "least"]["shortcode"].tolist() == ["!D", "!B"]
    assert by_compute["value"].iloc[0] == pytest.approx(14 / 60)
    conc = ranks.concentration(orgs, "runs", n=2)
    assert (conc["orgs"], conc["top_share"], conc["bottom_share"], conc["median"]) == \
        (4, pytest.approx(16 / 23), pytest.approx(7 / 23), 7.0)
    simple = ranks.ranking(orgs, "simple", n=10)
    assert set(simple["shortcode"]) == {"!D", "!E"}
    plans = ranks.by_plan(orgs, "runs").set_index("plan")
    assert plans.loc["Standard", ["orgs", "total", "most_org", "least_org"]].tolist() == [2, 14.0, "!A", "!D"]
    numbers = ranks.key_numbers(con, DEFAULT)
    # ten orgs at most: all four, every run
    assert (numbers["orgs_ranked"], numbers["top10_run_share"], numbers["busiest_org"]) == (4, 1.0, "!A")


def test_ranking_and_plans_break_ties_by_org_key_whatever_the_row_order():
    # rows out of key order, on an index that is not 0..n-1; X and Z tie for a plan's most, Y and W for its least
    orgs = pd.DataFrame({
        "org_key": ["Z", "Y", "X", "W", "V"], "shortcode": ["!Z", "!Y", "!X", "!W", "!V"],
        "plan": ["Gold", "Gold", "Gold", "Gold", "Basic"], "tax_period": "Quarterly", "cadence": "quarterly",
        "runs": [5, 2, 5, 2, 0], "runs_full": [5, 2, 5, 2, 0], "runs_simple": 0, "compute_s": [60.0, 0, 30, 90, 0],
    }, index=[40, 10, 30, 20, 50])
    by_runs = ranks.ranking(orgs, "runs", n=2)
    assert by_runs[["end", "shortcode", "value"]].values.tolist() == [
        ["most", "!X", 5.0], ["most", "!Z", 5.0], ["least", "!W", 2.0], ["least", "!Y", 2.0]]
    assert by_runs["share"].tolist() == pytest.approx([5 / 14, 5 / 14, 2 / 14, 2 / 14])
    # V has no runs: Basic has no org with any, so no row
    plans = ranks.by_plan(orgs, "runs")
    assert plans[["plan", "orgs", "total", "median", "most_org", "most_value", "least_org", "least_value"]] \
        .values.tolist() == [["Gold", 4, 14.0, 3.5, "!X", 5.0, "!W", 2.0]]
    # compute in minutes; Y has none and is left out
    by_compute = ranks.by_plan(orgs, "compute")
    assert by_compute[["orgs", "most_org", "most_value", "least_org", "least_value"]].values.tolist() == [
        [3, "!W", 1.5, "!X", 0.5]]


def test_find_org_by_short_code_or_id(connect):
    con = connect(*world())
    assert ranks.find_org(con, "!A")["org_key"] == "A"
    assert ranks.find_org(con, "a")["shortcode"] == "!A"          # an id in any case
    assert ranks.find_org(con, "!a") is None                      # short codes are case-sensitive
    assert ranks.find_org(con, "") is None and ranks.find_org(con, None) is None
    assert ranks.find_org(con, "!B")["cadence"] == "quarterly_agent"      # quarterly and practice-managed
    assert ranks.org_exists(con, "!B") and not ranks.org_exists(con, "nope")


def test_one_org_over_time_and_its_users(connect):
    con = connect(*world())
    weeks = ranks.org_runs_by_week(con, "A")
    assert int(weeks["runs"].sum()) == 8 and set(weeks["system"]) == {"full"}
    assert weeks.loc[weeks["week"] == pd.Timestamp("2017-01-09"), "runs"].tolist() == [2]   # Mon 9 Jan: 2 runs
    users = ranks.org_users(con, "A")
    assert users[["user", "runs", "orgs", "role"]].values.tolist() == [["User 1", 7, 1, "own staff"],
                                                                      ["User 2", 1, 2, "adviser"]]
    due = ranks.org_due_dates("quarterly_agent", pd.Timestamp("2017-01-09"), pd.Timestamp("2017-07-20"))
    # agent dates from 9 Jan to 45 days after 20 Jul (3 Sep): 28 Feb, 26 May, 25 Aug 2017
    assert [d.date() for d in due["due_date"]] == [date(2017, 2, 28), date(2017, 5, 26), date(2017, 8, 25)]
    place = ranks.org_in_segment(con, DEFAULT, "B")
    # B is quarterly; its peers: B and D (6 runs): B's 8 runs beat one of two
    assert (place["cadence"], place["peers"], place["runs_percentile"], place["peer_median_runs"]) == \
        ("quarterly", 2, 0.5, 7.0)


# --- At risk: the score on its own ------------------------------------------------------------------------------------

def _months(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["org_key", "system", "month", "runs", "last_date"])
    return df.assign(month=pd.to_datetime(df["month"]), last_date=pd.to_datetime(df["last_date"]))


def _orgs(*rows) -> pd.DataFrame:
    return pd.DataFrame([{"org_key": k, "shortcode": f"!{k}", "status": status, "paying": True, "plan": "Standard",
                          "plan_family": "Standard", "tax_period": tax, "created_utc": pd.Timestamp("2015-01-01"),
                          "deleted_utc": pd.Timestamp(deleted) if deleted else pd.NaT}
                         for k, status, tax, deleted in rows])


def score_world():
    """X: Full BAS, 5 runs every month of 2017 (last 20 Dec). Y: Full BAS, 4 runs in Feb and May 2017, last 10 May.
    Z: Simple BAS only, 3 runs in each of Mar-May 2017, last 25 May (Simple BAS's end)."""
    rows = [("X", "full", f"2017-{m:02d}-01", 5, f"2017-{m:02d}-20") for m in range(1, 13)]
    rows += [("Y", "full", "2017-02-01", 4, "2017-02-15"), ("Y", "full", "2017-05-01", 4, "2017-05-10")]
    rows += [("Z", "simple", f"2017-0{m}-01", 3, f"2017-0{m}-25") for m in (3, 4, 5)]
    return _months(rows), _orgs(("X", "Active", "Monthly", None), ("Y", "Active", "Quarterly", None),
                                ("Z", "Active", "Monthly", None))


def test_score_orgs_signals_and_weights():
    scores = risk.score_orgs(*score_world()).set_index("org_key")
    assert list(scores.index) == ["Y", "Z", "X"]                 # highest score first
    # Y: quarterly (both months in one phase, over 4 months: not annual), 224 days silent to Full BAS's end (20 Dec):
    # (224 - 14) // 92 = 2 lodgements missed -> 50 points; Jul-Dec 0 runs against Jan-Jun 8 -> falling 30 points;
    # runs per month 8 / 11 (Feb..Dec) is the lowest of three -> 1 - 1/3 of 20 points
    y = scores.loc["Y"]
    assert (y["cadence"], y["gap_days"], y["silence_days"], y["missed"]) == ("quarterly", 92, 224, 2)
    assert (y["recent_runs"], y["previous_runs"]) == (0, 8)
    assert y["runs_per_month"] == pytest.approx(8 / 11)
    assert y["score"] == pytest.approx(50 + 30 + 20 * 2 / 3) and y["at_risk"]
    # Z: Simple BAS ends with Z itself (25 May): silent 0 days; too few runs -> its declared monthly gap
    z = scores.loc["Z"]
    assert (z["cadence"], z["gap_days"], z["silence_days"], z["missed"], z["at_risk"]) == \
        ("too few runs", 31, 0, 0, False)
    assert z["score"] == pytest.approx(20 * 1 / 3)               # runs per month 3: the middle of three
    assert scores.loc["X", "score"] == 0.0


def test_the_declared_gap_without_an_inferred_cadence_and_the_org_tables_columns():
    months, _ = score_world()
    # Z has too few runs for a cadence: its gap is its declared tax period's, else a quarter's (unknown or missing)
    for tax, gap in (("Monthly", 31), ("Annual", 366), ("Fortnightly", 92), (None, 92)):
        orgs = _orgs(("X", "Active", "Monthly", None), ("Y", "Active", "Quarterly", None), ("Z", "Active", tax, None))
        scores = risk.score_orgs(months, orgs).set_index("org_key")
        assert scores.loc["Z", "gap_days"] == gap and scores.loc["Y", "gap_days"] == 92     # Y's own cadence
        # each row carries its own org's columns, whatever the order the scores put it in
        assert list(scores["shortcode"]) == [f"!{k}" for k in scores.index]
        assert scores.loc["Y", "tax_period"] == "Quarterly"


def test_score_as_of_an_earlier_date():
    months, orgs = score_world()
    scores = risk.score_orgs(months, orgs, date(2017, 6, 30)).set_index("org_key")
    # as of 30 Jun, Full BAS ends on X's 20 Jun run: Y is 41 days silent, (41 - 14) // 92 = 0: not yet at risk
    assert scores.loc["Y", "silence_days"] == 41 and not scores.loc["Y", "at_risk"]
    deleted = orgs.assign(deleted_utc=[pd.NaT, pd.Timestamp("2017-06-01"), pd.NaT])
    assert "Y" not in set(risk.score_orgs(months, deleted, date(2017, 6, 30))["org_key"])   # deleted by then


@pytest.mark.parametrize("scores, labels, expected", [
    ([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], 0.75),     # positives ranked 4th and 2nd: (6 - 3) / (2 x 2)
    ([0.5, 0.5], [1, 0], 0.5),                       # a tie counts half
    ([0.9, 0.1], [1, 0], 1.0),
    ([0.9, 0.1], [0, 0], None),                      # no positive: no AUC
])
def test_auc(scores, labels, expected):
    assert risk.auc(scores, labels) == expected


def backtest_world():
    """A1 runs Full BAS every month of 2017 and 2018 (5 runs, the 10th); D1 ran Jan-Jun 2017 once a month and was
    deleted on 1 Mar 2018; A2 ran Jan-Mar 2017 and stopped (still active); D0 was deleted on 1 Jun 2017; S1 is
    suspended; H never runs."""
    orgs = [org("a1", "!A1", tax_period="Monthly"), org("a2", "!A2"), org("h", "!H"),
            org("d1", "!D1", status="Deleted", paying=False, tax_period="Monthly", deleted="2018-03-01"),
            org("d0", "!D0", status="Deleted", paying=False, deleted="2017-06-01"),
            org("s1", "!S1", status="Suspended", paying=False)]
    runs = [run("full", "u1", "a1", local=f"{y}-{m:02d}-10 {h:02d}:00") for y in (2017, 2018) for m in range(1, 13)
            for h in range(9, 14)]
    runs += [run("full", "u2", "d1", local=f"2017-0{m}-10 10:00") for m in range(1, 7)]
    runs += [run("full", "u3", "a2", local=f"2017-0{m}-10 10:00") for m in (1, 2, 3)]
    runs += [run("full", "u4", "d0", local="2017-01-12 10:00"), run("full", "u5", "s1", local="2017-01-13 10:00")]
    return runs, orgs


def test_backtest_honestly(connect):
    b = risk.backtest(connect(*backtest_world()), DEFAULT)
    # the data ends in Dec 2018: cut-off 31 Dec 2017. Scored: A1, D1, A2 (D0 deleted before, S1 suspended: out)
    assert b["cutoff"] == date(2017, 12, 31)
    assert (b["orgs"], b["deleted_after"], b["suspended_left_out"]) == (3, 1, 1)
    # A2: too few runs -> quarterly (declared), 274 days silent -> 2 missed, 50 + 30 falling + 20 x 2/3 low usage;
    # D1: monthly, 183 days silent -> 5 missed, 50 + 30 + 20 x 1/3; A1: 0. D1 beats A1 but not A2: AUC 1/2
    assert b["auc"] == 0.5
    assert (b["k"], b["precision_at_k"]) == (3, pytest.approx(1 / 3))
    assert (b["flagged"], b["flagged_deleted"], b["flag_precision"], b["flag_recall"]) == (2, 1, 0.5, 1.0)
    curve = risk.backtest_curve(connect(*backtest_world()), DEFAULT)
    assert curve["found_share"].tolist() == [0.0, 0.0, 1.0, 1.0]


def test_status_summary_counts_cancelled_orgs_apart(connect):
    con = connect(*backtest_world())
    s = risk.status_summary(con, DEFAULT)
    # in scope: A1, A2, H; H never ran; A2 stopped in March 2017: at risk with its 3 runs
    assert (s["orgs"], s["with_runs"], s["dormant"], s["at_risk"], s["at_risk_runs"]) == (3, 2, 1, 1, 3)
    # A2 quarterly by its declared period (too few runs), silent from 10 Mar 2017 to 10 Dec 2018: 640 days,
    # (640 - 14) // 92 = 6 lodgements missed: stopped
    assert s["stopped"] == 1
    assert s["cancelled"] == {"Deleted": 2, "Suspended": 1}
    assert s["cancelled_runs"] == 6 + 1 + 1                       # D1, D0, S1
    plans = risk.at_risk_by_plan(risk.current_scores(con, DEFAULT))
    assert plans[["plan_family", "orgs", "runs"]].values.tolist() == [["Standard", 1, 3]]
    assert risk.key_numbers(con, DEFAULT)["at_risk_orgs"] == 1


def test_an_empty_view_scores_nothing(connect):
    con = connect(*backtest_world())
    empty = DEFAULT.with_(systems=())
    assert risk.current_scores(con, empty).empty
    assert risk.status_summary(con, empty)["at_risk"] == 0


def test_the_plans_title_names_every_plan_tied_for_the_most():
    from basstory.story.narrative.at_risk import plans_title

    plans = pd.DataFrame({"plan_family": ["Premium 5", "Standard", "Starter"], "orgs": [4, 4, 1], "runs": [9, 8, 2],
                          "share": [0.1, 0.1, 0.05]})
    assert plans_title(plans).text == "At-risk orgs by plan: Premium 5 and Standard have the most, 4 each"
    assert plans_title(plans.iloc[1:]).text == "At-risk orgs by plan: Standard has the most"
