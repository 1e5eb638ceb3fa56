"""The activity chapter's sentence on organisation flows, on hand-made flows."""
import pandas as pd

from basstory.story.narrative.activity import flows_sentence


def flows(*rows: tuple) -> pd.DataFrame:
    """Rows of (system, quarter start, label, active, new, back, dormant)."""
    columns = ["system", "quarter_start", "label", "active", "new", "returning", "back", "dormant"]
    return pd.DataFrame([(s, pd.Timestamp(q), label, active, new, active - new, back, dormant)
                         for s, q, label, active, new, back, dormant in rows], columns=columns)


def test_one_quarter_says_how_many_of_the_quarter_before_went_dormant():
    # active before = 80 + 30 - 10 - 5 = 95
    text = flows_sentence(flows(("full", "2017-04-01", "Apr–Jun 2017", 80, 10, 5, 30)))
    assert text == ("Full BAS: in Apr–Jun 2017, 30 of the 95 organisations active the quarter before went dormant; "
                    "in that quarter, arrivals and returns fall short of departures by 15.")
    assert "most" not in text


def test_several_quarters_name_the_worst_and_the_balance_over_them():
    text = flows_sentence(flows(("simple", "2017-04-01", "Apr–Jun 2017", 50, 20, 4, 6),
                                ("simple", "2017-07-01", "Jul–Sep 2017", 60, 15, 3, 8)))
    # worst: 8 gone in Jul–Sep, of 60 + 8 - 15 - 3 = 50; balance: 20 + 4 - 6 + 15 + 3 - 8 = 28
    assert text == ("Simple BAS: the most went dormant in Jul–Sep 2017 (8 of the 50 organisations active the quarter "
                    "before); over the 2 quarters shown, arrivals and returns outnumber departures by 28.")


def test_a_tie_between_arrivals_and_departures_is_said_as_such():
    text = flows_sentence(flows(("full", "2017-04-01", "Apr–Jun 2017", 40, 5, 5, 10)))
    assert text.endswith("in that quarter, arrivals and returns equal departures.")


def test_no_flows_no_sentence():
    assert flows_sentence(flows()) == ""
