"""Deep links, without Streamlit: which values of a link are used, which are ignored and the note saying why, and the
URL of a view. Table-driven over a small hand-made dataset description."""
import re
from datetime import date

import pytest

from basstory.app import links
from basstory.core.text import md_escape
from basstory.query.filters import date_presets

OPTIONS = {
    "first_date": date(2016, 8, 25), "last_date": date(2019, 2, 28),
    "statuses": ["Active", "Deleted", "Suspended"], "plans": ["Standard", "Premium 5", "Premium 5 + Payroll"],
    "plan_families": ["Standard", "Premium"], "tax_periods": ["Monthly", "Quarterly"],
    "channel_types": ["Direct", "Partner"],
}
PARAMS = links.link_params(OPTIONS, list(date_presets(OPTIONS["first_date"], OPTIONS["last_date"])))


def shown(markdown: str) -> str:
    """A note as the reader sees it: Markdown's backslash escapes undone."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def check(query: dict, page: str | None = "pages/cover.py"):
    """(clean, the notes as shown)."""
    clean, notes = links.validate_query(query, PARAMS, page)
    return clean, [shown(note) for note in notes]


@pytest.mark.parametrize("value", ["![p](http://host/px.png)", "[Session expired: sign in](https://e.com)",
                                   "$x^2$ :red[RED] **x**"])
def test_a_links_values_are_escaped_in_the_notes(value):
    """The notes are Markdown: what a link carries is escaped, so it shows as typed (no image, link, LaTeX or
    colour)."""
    _, (note,) = links.validate_query({value: ["1"]}, PARAMS, "pages/cover.py")
    assert note == f"'{md_escape(value)}' is not a setting of this story"
    _, (note,) = links.validate_query({"plan_families": [value]}, PARAMS, "pages/cover.py")
    assert note == f"plan family '{md_escape(value)}' is not in this dataset"


@pytest.mark.parametrize("query, clean", [
    ({}, {}),
    ({"period": ["Last 12 months"]}, {"period": ["Last 12 months"]}),
    ({"period": ["Oct–Dec 2018 (Q2 2018–19)"]}, {"period": ["Oct–Dec 2018 (Q2 2018–19)"]}),
    ({"period": ["Custom range"], "dates": ["2017-02-01", "2017-03-31"]},
     {"period": ["Custom range"], "dates": ["2017-02-01", "2017-03-31"]}),
    ({"period": ["Custom range"], "dates": ["2017-02-01"]}, {"period": ["Custom range"], "dates": ["2017-02-01"]}),
    ({"period": ["Custom range"], "dates": ["2017-03-31", "2017-02-01"]},          # backwards: read forwards
     {"period": ["Custom range"], "dates": ["2017-03-31", "2017-02-01"]}),
    ({"period": ["Custom range"], "dates": ["2016-08-25", "2019-02-28"]},          # the data's own bounds
     {"period": ["Custom range"], "dates": ["2016-08-25", "2019-02-28"]}),
    ({"systems": ["Simple BAS"]}, {"systems": ["Simple BAS"]}),
    ({"systems": ["Simple BAS", "Full BAS", "Simple BAS"]}, {"systems": ["Simple BAS", "Full BAS"]}),
    ({"systems": [""]}, {"systems": [""]}),                                         # none chosen
    ({"status": ["Active", "Deleted"]}, {"status": ["Active", "Deleted"]}),
    ({"status": ["Not in org table"]}, {"status": ["Not in org table"]}),
    ({"paying": ["all"]}, {"paying": ["all"]}),
    ({"plan_detail": ["true"], "plans": ["Premium 5 + Payroll"]},
     {"plan_detail": ["true"], "plans": ["Premium 5 + Payroll"]}),
    ({"plan_detail": ["TRUE"]}, {"plan_detail": ["true"]}),
    ({"plan_families": ["Premium"]}, {"plan_families": ["Premium"]}),
    ({"tax_periods": ["Quarterly"], "channels": ["Partner"]}, {"tax_periods": ["Quarterly"], "channels": ["Partner"]}),
    ({"managed": ["not managed"]}, {"managed": ["not managed"]}),
    ({"tz": ["Perth"]}, {"tz": ["Perth"]}),
    ({"tz": ["Sydney (contract zone)"]}, {"tz": ["Sydney (contract zone)"]}),
    ({"tz": ["Perth", "Adelaide"]}, {"tz": ["Adelaide"]}),                         # the last wins, as in Streamlit
    ({"present": ["1"]}, {"present": ["1"]}),
    ({"present": ["yes"]}, {"present": ["1"]}),
    ({"present": ["True"]}, {"present": ["1"]}),
    ({"present": ["0"]}, {}),
    ({"present": ["off"]}, {}),
    ({"embed": ["true"]}, {}),                                                     # Streamlit's own
])
def test_a_valid_link_is_used_without_a_note(query, clean):
    assert check(query) == (clean, [])


@pytest.mark.parametrize("query, clean, note", [
    ({"period": ["Oct–Dec 2015 (Q2 2015–16)"]}, {}, "period 'Oct–Dec 2015 (Q2 2015–16)' is not in this dataset"),
    ({"period": ["whole period"]}, {}, "period 'whole period' is not in this dataset"),   # labels are exact
    ({"period": ["1"]}, {}, "period '1' is not in this dataset"),                          # no index either
    ({"period": [""]}, {}, "period is empty"),
    ({"period": ["Custom range"], "dates": ["2010-01-01", "2010-02-01"]}, {"period": ["Custom range"]},
     "dates 1 Jan 2010 – 1 Feb 2010 fall outside the data (25 Aug 2016 – 28 Feb 2019)"),
    ({"period": ["Custom range"], "dates": ["2017-01-01", "2019-03-01"]}, {"period": ["Custom range"]},
     "dates 1 Jan 2017 – 1 Mar 2019 fall outside the data (25 Aug 2016 – 28 Feb 2019)"),
    ({"period": ["Custom range"], "dates": ["2016-08-24"]}, {"period": ["Custom range"]},
     "dates 24 Aug 2016 fall outside the data (25 Aug 2016 – 28 Feb 2019)"),
    ({"period": ["Custom range"], "dates": ["yesterday"]}, {"period": ["Custom range"]},
     "dates 'yesterday' is not a date (YYYY-MM-DD)"),
    ({"period": ["Custom range"], "dates": ["01/02/2017", "2017-03-01"]}, {"period": ["Custom range"]},
     "dates '01/02/2017' is not a date (YYYY-MM-DD)"),
    ({"period": ["Custom range"], "dates": ["2017-01-01", "2017-02-01", "2017-03-01"]}, {"period": ["Custom range"]},
     "dates need a start and an end (YYYY-MM-DD), not 3 values"),
    ({"dates": ["2017-02-01", "2017-03-01"]}, {},
     "dates '2017-02-01 – 2017-03-01' applies only when the period is 'Custom range'"),
    ({"period": ["Last 12 months"], "dates": ["2017-02-01", "2017-03-01"]}, {"period": ["Last 12 months"]},
     "dates '2017-02-01 – 2017-03-01' applies only when the period is 'Custom range'"),
    ({"systems": ["Simple"]}, {}, "system 'Simple' is not one of Full BAS, Simple BAS"),
    ({"systems": ["Simple BAS", "simple bas"]}, {"systems": ["Simple BAS"]},
     "system 'simple bas' is not one of Full BAS, Simple BAS"),
    ({"status": ["Active", "Gone"]}, {"status": ["Active"]}, "org status 'Gone' is not in this dataset"),
    ({"status": ["Gone", "Lost"]}, {}, "org status 'Gone', 'Lost' are not in this dataset"),
    ({"paying": ["yes"]}, {}, "paying 'yes' is not one of paying, not paying, all"),
    ({"plan_detail": ["1"]}, {}, "add-on plans '1' is not true or false"),
    ({"plan_detail": [""]}, {}, "add-on plans '' is not true or false"),
    ({"plans": ["Premium 5"]}, {}, "plan 'Premium 5' applies only when add-on plans are shown separately"),
    ({"plan_detail": ["true"], "plans": ["Foo"]}, {"plan_detail": ["true"]}, "plan 'Foo' is not in this dataset"),
    ({"plan_detail": ["true"], "plan_families": ["Premium"]}, {"plan_detail": ["true"]},
     "plan family 'Premium' applies only when add-on plans are not shown separately"),
    ({"plan_families": ["Foo"]}, {}, "plan family 'Foo' is not in this dataset"),
    ({"tax_periods": ["Weekly"]}, {}, "tax period 'Weekly' is not in this dataset"),
    ({"channels": ["Carrier pigeon"]}, {}, "channel type 'Carrier pigeon' is not in this dataset"),
    ({"managed": ["maybe"]}, {}, "practice-managed 'maybe' is not one of all, managed by a practice, not managed"),
    ({"tz": ["Australia/Perth"]}, {}, "time zone 'Australia/Perth' is not one of " + ", ".join(PARAMS["tz"].choices)),
    ({"present": ["please"]}, {}, "presentation mode 'please' is not on or off (use 1 or 0)"),
    ({"utm_source": ["mail"]}, {}, "'utm_source' is not a setting of this story"),
    ({"x" * 80: ["1"]}, {}, f"'{'x' * 60}…' is not a setting of this story"),
])
def test_an_invalid_value_falls_back_with_a_note(query, clean, note):
    assert check(query) == (clean, [note])


def test_notes_keep_the_links_order_and_good_values_stay():
    clean, notes = check({"plans": ["Foo"], "systems": ["Simple BAS"], "tz": ["Mars"], "zz": ["1"]})
    assert clean == {"systems": ["Simple BAS"]}
    assert notes == ["plan 'Foo' applies only when add-on plans are shown separately",
                     "time zone 'Mars' is not one of " + ", ".join(PARAMS["tz"].choices),
                     "'zz' is not a setting of this story"]
    assert links.notes_text(notes[:1]) == ("Ignored from the link: plan 'Foo' applies only when add-on plans are "
                                          "shown separately.")


@pytest.mark.parametrize("page, query, clean, notes", [
    ("pages/comparison.py", {"cmp_metric": ["Users with a run"], "cmp_grain": ["Week"]},
     {"cmp_metric": ["Users with a run"], "cmp_grain": ["Week"]}, []),
    ("pages/comparison.py", {"cmp_metric": ["users"]}, {},
     ["measure 'users' is not one of Runs, Users with a run, Orgs with a run"]),
    ("pages/comparison.py", {"cmp_grain": ["Day"]}, {}, ["time grain 'Day' is not one of Week, Month"]),
    ("pages/outage.py", {"outage_system": ["Simple BAS"], "outage_metric": ["Compute-seconds"]},
     {"outage_system": ["Simple BAS"], "outage_metric": ["Compute-seconds"]}, []),
    ("pages/outage.py", {"outage_metric": ["Minutes"]}, {},
     ["measure 'Minutes' is not one of Runs, Users, Organisations, Compute-seconds"]),
    # another page's choice does nothing here: not used, not noted (its own page checks it)
    ("pages/cover.py", {"cmp_metric": ["Bogus"], "outage_system": ["Simple BAS"]}, {}, []),
    (None, {"cmp_metric": ["Users with a run"]}, {"cmp_metric": ["Users with a run"]}, []),
])
def test_page_level_choices_are_checked_on_their_page(page, query, clean, notes):
    assert check(query, page) == (clean, notes)


@pytest.mark.parametrize("value, expected", [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("on", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
    ("", None), ("2", None), ("maybe", None),
])
def test_presentation_switch_words(value, expected):
    assert links.parse_switch(value) is expected


@pytest.mark.parametrize("value, expected", [("true", True), ("True", True), ("false", False), ("1", None),
                                             ("", None)])
def test_bound_toggle_words_are_streamlits(value, expected):
    assert links.parse_flag(value) is expected


@pytest.mark.parametrize("query, expected", [
    ({}, False),
    ({"period": ["Custom range"]}, True),
    ({"period": ["Whole period"]}, False),
    ({"period": ["Whole period", "Custom range"]}, True),     # the last value counts, as in Streamlit
    ({"period": ["Custom range", "Whole period"]}, False),
])
def test_dates_apply_only_with_a_custom_range(query, expected):
    assert links.applies(PARAMS["dates"], {"dates": ["2017-01-01"], **query}) is expected


@pytest.mark.parametrize("app_url, url_path, query, default, expected", [
    ("http://127.0.0.1:8501/comparison", "comparison", {"systems": ["Simple BAS"], "tz": ["Perth"]}, False,
     "http://127.0.0.1:8501/comparison?systems=Simple+BAS&tz=Perth"),
    ("http://127.0.0.1:8501/", "cover", {}, True, "http://127.0.0.1:8501/"),
    ("http://127.0.0.1:8501/cover", "cover", {"present": ["1"]}, True, "http://127.0.0.1:8501/?present=1"),
    ("https://apps.example.com/bas/outage", "recommendation", {"status": ["Active", "Deleted"]}, False,
     "https://apps.example.com/bas/recommendation?status=Active&status=Deleted"),
    ("https://apps.example.com/bas", "outage", {"period": ["Oct–Dec 2018 (Q2 2018–19)"]}, False,
     "https://apps.example.com/bas/outage?period=Oct%E2%80%93Dec+2018+%28Q2+2018%E2%80%9319%29"),
    (None, "interaction", {"dates": ["2017-02-01", "2017-03-01"]}, False,
     "/interaction?dates=2017-02-01&dates=2017-03-01"),
    (None, "cover", {}, True, "/"),
])
def test_view_url(app_url, url_path, query, default, expected):
    pages = ["cover", "interaction", "comparison", "seasonality", "outage", "recommendation", "data"]
    assert links.view_url(app_url, url_path, query, pages, default_page=default) == expected


def test_link_query_keeps_what_applies_here_in_the_apps_order():
    url_now = {"tz": ["Perth"], "cmp_metric": ["Users with a run"], "systems": ["Simple BAS"], "foo": ["1"],
               "outage_system": ["Simple BAS"], "present": ["1"]}
    assert links.link_query(url_now, PARAMS, "pages/comparison.py") == {
        "systems": ["Simple BAS"], "tz": ["Perth"], "present": ["1"], "cmp_metric": ["Users with a run"]}


def test_the_sidebars_choices_are_the_widgets_labels():
    assert PARAMS["systems"].choices == ("Full BAS", "Simple BAS")
    assert PARAMS["tz"].choices[0] == "Sydney (contract zone)" and "Perth" in PARAMS["tz"].choices
    assert PARAMS["period"].choices[-1] == links.CUSTOM_RANGE
    assert PARAMS["status"].choices[-1] == "Not in org table"
    assert (PARAMS["dates"].first, PARAMS["dates"].last) == (OPTIONS["first_date"], OPTIONS["last_date"])
