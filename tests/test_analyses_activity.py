"""Active users and organisations (analyses.activity) on hand-worked staged datasets."""
import pandas as pd

from basstory.analyses.activity import activity_summary, key_numbers, monthly_active, org_flows, quarter_label
from basstory.query.filters import StoryFilters
from tests.staged_fixtures import org, run, staged_connection

ORGS = [org("A"), org("B", plan="Premium"), org("C", status="Deleted"), org("D"), org("E")]


def month_runs() -> list[dict]:
    return [
        run("full", "u1", "A", local="2017-01-01 10:00"),    # the Full BAS extract starts on the 1st ...
        run("full", "U1", "B", local="2017-01-11 10:00"),    # the same user, in another case
        run("full", "u2", "A", local="2017-01-12 10:00"),
        run("simple", "u1", "A", local="2017-01-05 10:00"),
        run("simple", "u3", "B", local="2017-02-03 10:00"),
        run("full", "u2", "A", local="2017-02-28 10:00"),    # ... and ends on the last day of February
        run("full", "u4", "C", local="2017-02-11 10:00"),    # deleted org: out of scope
        run("simple", "u3", "B", local="2017-03-01 00:30"),  # 28 Feb in UTC: March in Sydney
    ]


def test_monthly_active_by_hand(tmp_path):
    df = monthly_active(staged_connection(tmp_path, month_runs(), ORGS), StoryFilters())
    assert df[["month", "system", "users", "orgs", "runs", "complete"]].values.tolist() == [
        ["2017-01", "full", 2, 2, 3, True], ["2017-01", "simple", 1, 1, 1, False],
        ["2017-01", "either", 2, 2, 4, False],       # u1 ran both systems: counted once
        ["2017-02", "full", 1, 1, 1, True], ["2017-02", "simple", 1, 1, 1, True],   # 5 Jan to 1 Mar
        ["2017-02", "either", 2, 2, 2, True],        # both extracts cover February wholly
        ["2017-03", "simple", 1, 1, 1, False], ["2017-03", "either", 1, 1, 1, False]]
    assert df["month_start"].iloc[0] == pd.Timestamp("2017-01-01")


def test_an_org_filter_does_not_cut_months(tmp_path):
    # only B's runs (from 11 Jan): January is still whole, the Full BAS extract covers it
    df = monthly_active(staged_connection(tmp_path, month_runs(), ORGS), StoryFilters(plans=("Premium",)))
    full = df[df["system"] == "full"]
    assert full[["month", "users", "orgs", "complete"]].values.tolist() == [["2017-01", 1, 1, True]]


def flow_runs() -> list[dict]:
    """Full BAS, 15 Aug 2016 to 30 Jun 2017: A every quarter; B in Q3-16 and Q1-17; E only in Q4-16; D from
    Q2-17 (the last run)."""
    return [
        run("full", "u1", "A", local="2016-08-15 10:00"), run("full", "u1", "A", local="2016-11-15 10:00"),
        run("full", "u1", "A", local="2017-02-15 10:00"), run("full", "u1", "A", local="2017-05-15 10:00"),
        run("full", "u2", "B", local="2016-09-15 10:00"), run("full", "u2", "B", local="2017-03-15 10:00"),
        run("full", "u3", "E", local="2016-12-15 10:00"),
        run("full", "u4", "D", local="2017-06-30 10:00"),
    ]


def test_org_flows_by_hand(tmp_path):
    df = org_flows(staged_connection(tmp_path, flow_runs(), ORGS), StoryFilters())
    # Jul–Sep 2016 is the first quarter (and cut by the extract's start): no row
    assert df[["label", "active", "new", "returning", "back", "dormant"]].values.tolist() == [
        ["Oct–Dec 2016", 2, 1, 1, 0, 1],      # A and E active; E new; B went dormant
        ["Jan–Mar 2017", 2, 0, 2, 1, 1],      # A and B; B back after a break; E went dormant
        ["Apr–Jun 2017", 2, 1, 1, 0, 1]]      # A and D; D new; B went dormant again
    assert df["quarter"].tolist() == ["2016Q4", "2017Q1", "2017Q2"] and set(df["system"]) == {"full"}
    # active this quarter = active last quarter - dormant + new + back
    previous = df["active"].shift()
    assert ((previous - df["dormant"] + df["new"] + df["back"])[1:] == df["active"][1:]).all()


def test_a_quarter_the_extract_cuts_is_left_out(tmp_path):
    runs = flow_runs()[:-1]                   # the last run is now 15 May 2017: Apr–Jun is not whole
    df = org_flows(staged_connection(tmp_path, runs, ORGS), StoryFilters())
    assert df["label"].tolist() == ["Oct–Dec 2016", "Jan–Mar 2017"]


def test_summary_and_key_numbers(tmp_path):
    con = staged_connection(tmp_path, flow_runs(), ORGS)
    summary = activity_summary(con, StoryFilters())
    # whole Full BAS months run from September 2016 to June 2017; June holds D only
    assert summary["full"]["latest_month"] == "2017-06" and summary["full"]["users"] == 1
    assert summary["full"]["flows"]["quarter"] == "Apr–Jun 2017" and summary["full"]["flows"]["new_total"] == 2
    numbers = key_numbers(con, StoryFilters())
    assert numbers["full"]["monthly_active_orgs"] == 1 and numbers["full"]["dormant_orgs"] == 1


def test_empty_view(tmp_path):
    con = staged_connection(tmp_path, flow_runs(), ORGS)
    f = StoryFilters(statuses=())
    assert monthly_active(con, f).empty and org_flows(con, f).empty and activity_summary(con, f) == {}


def test_quarter_label():
    assert quarter_label(pd.Timestamp("2016-10-01")) == "Oct–Dec 2016"
