"""AppTest: every URL parameter of a deep link, valid, invalid and missing. A valid one sets the filter or the page's
choice; an invalid one falls back to the default with a note above the page ("Ignored from the link: ..."); none
raises. URL values are the widgets' labels (`systems=Simple BAS`, `tz=Perth`). Also: presentation mode from the URL
and its toggle, the link to copy, and that every widget bound to the URL is one the link check knows."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from basstory.analyses.dataset import filter_options
from basstory.app import links
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters, date_presets
from basstory.query.tables import connect_version
from basstory.story.registry import CHAPTERS, DATA_PAGE

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")
DEFAULT = StoryFilters()
NOTE = "Ignored from the link: "


@pytest.fixture(scope="module")
def options(sample_data_dir) -> dict:
    """The sidebar's choices for the test sample, as the app computes them."""
    version = DatasetStore(sample_data_dir / "store").current()
    return filter_options(connect_version(version))


@pytest.fixture(scope="module")
def presets(options) -> dict:
    return date_presets(options["first_date"], options["last_date"])


#: The sidebar's filters are the same on every page; the Data page computes nothing from them, so the tests of the
#: filters themselves run there (fast). Pages that show the filtered numbers are opened where that matters.
FILTERS_PAGE = "pages/data.py"


def open_app(query: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    return at


def link_notes(at: AppTest) -> list[str]:
    """The link's note as the reader sees it (Markdown's backslash escapes undone)."""
    return [re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", w.value) for w in at.warning if w.value.startswith(NOTE)]


def filters_of(at: AppTest) -> StoryFilters:
    assert not at.exception, at.exception
    return at.session_state["filters"]


# --- Valid: the filter follows the link, no note ---------------------------------------------------------------------

VALID = {
    "period preset": (lambda o, p: {"period": "Last 12 months"},
                      lambda o, p: dict(start=p["Last 12 months"][0], end=p["Last 12 months"][1])),
    "period quarter": (lambda o, p: {"period": list(p)[4]},
                       lambda o, p: dict(start=p[list(p)[4]][0], end=p[list(p)[4]][1])),
    "custom range": (lambda o, p: {"period": "Custom range", "dates": ["2017-02-01", "2017-03-31"]},
                     lambda o, p: dict(start=_d("2017-02-01"), end=_d("2017-03-31"))),
    "custom one day": (lambda o, p: {"period": "Custom range", "dates": "2017-02-14"},
                       lambda o, p: dict(start=_d("2017-02-14"), end=_d("2017-02-14"))),
    "custom backwards": (lambda o, p: {"period": "Custom range", "dates": ["2017-03-31", "2017-02-01"]},
                         lambda o, p: dict(start=_d("2017-02-01"), end=_d("2017-03-31"))),
    "one system": (lambda o, p: {"systems": "Simple BAS"}, lambda o, p: dict(systems=("simple",))),
    "no system": (lambda o, p: {"systems": ""}, lambda o, p: dict(systems=())),
    "statuses": (lambda o, p: {"status": [o["statuses"][0], o["statuses"][1]]},
                 lambda o, p: dict(statuses=(o["statuses"][0], o["statuses"][1]))),
    "unknown org": (lambda o, p: {"status": "Not in org table"}, lambda o, p: dict(statuses=("Not in org table",))),
    "paying": (lambda o, p: {"paying": "all"}, lambda o, p: dict(paying="all")),
    "plan family": (lambda o, p: {"plan_families": o["plan_families"][1]},
                    lambda o, p: dict(plan_families=(o["plan_families"][1],))),
    "plans": (lambda o, p: {"plan_detail": "true", "plans": [o["plans"][0], o["plans"][-1]]},
              lambda o, p: dict(plans=(o["plans"][0], o["plans"][-1]))),
    "plan detail alone": (lambda o, p: {"plan_detail": "true"}, lambda o, p: {}),
    "tax period": (lambda o, p: {"tax_periods": o["tax_periods"][-1]},
                   lambda o, p: dict(tax_periods=(o["tax_periods"][-1],))),
    "channel": (lambda o, p: {"channels": o["channel_types"][0]},
                lambda o, p: dict(channel_types=(o["channel_types"][0],))),
    "managed": (lambda o, p: {"managed": "managed by a practice"}, lambda o, p: dict(managed="managed by a practice")),
    "zone": (lambda o, p: {"tz": "Perth"}, lambda o, p: dict(tz="Australia/Perth")),
    "contract zone": (lambda o, p: {"tz": "Sydney (contract zone)"}, lambda o, p: {}),
    "several": (lambda o, p: {"systems": "Full BAS", "paying": "not paying", "tz": "UTC"},
                lambda o, p: dict(systems=("full",), paying="not paying", tz="UTC")),
}


def _d(text: str):
    from datetime import date

    return date.fromisoformat(text)


@pytest.mark.parametrize("case", list(VALID))
def test_a_valid_parameter_sets_the_filter(options, presets, case):
    query, changes = VALID[case]
    at = open_app(query(options, presets), page=FILTERS_PAGE)
    assert filters_of(at) == replace(DEFAULT, **changes(options, presets))
    assert link_notes(at) == []


def test_no_parameters_are_the_contract_scope(sample_data_dir):
    at = open_app({})
    assert filters_of(at) == DEFAULT
    assert link_notes(at) == []
    assert not at.session_state["presenting"]


# --- Invalid: the default, and a note that says why ------------------------------------------------------------------

INVALID = {
    "unknown period": ({"period": "Oct–Dec 2011 (Q2 2011–12)"}, {},
                       "period 'Oct–Dec 2011 (Q2 2011–12)' is not in this dataset"),
    "period in lower case": ({"period": "last 12 months"}, {}, "period 'last 12 months' is not in this dataset"),
    "dates outside the data": ({"period": "Custom range", "dates": ["2010-01-01", "2010-03-31"]}, {},
                               "dates 1 Jan 2010 – 31 Mar 2010 fall outside the data"),
    "dates not dates": ({"period": "Custom range", "dates": ["soon", "later"]}, {},
                        "dates 'soon' is not a date (YYYY-MM-DD)"),
    "three dates": ({"period": "Custom range", "dates": ["2017-01-01", "2017-02-01", "2017-03-01"]}, {},
                    "dates need a start and an end (YYYY-MM-DD), not 3 values"),
    "dates without custom range": ({"dates": ["2017-02-01", "2017-03-31"]}, {},
                                   "dates '2017-02-01 – 2017-03-31' applies only when the period is 'Custom range'"),
    "system by its code": ({"systems": "simple"}, {}, "system 'simple' is not one of Full BAS, Simple BAS"),
    "one good system, one bad": ({"systems": ["Simple BAS", "Medium BAS"]}, dict(systems=("simple",)),
                                 "system 'Medium BAS' is not one of Full BAS, Simple BAS"),
    "unknown status": ({"status": "Dormant"}, {}, "org status 'Dormant' is not in this dataset"),
    "paying garbage": ({"paying": "maybe"}, {}, "paying 'maybe' is not one of paying, not paying, all"),
    "plan detail garbage": ({"plan_detail": "1"}, {}, "add-on plans '1' is not true or false"),
    "plans without detail": ({"plans": "Standard"}, {},
                             "plan 'Standard' applies only when add-on plans are shown separately"),
    "unknown plan": ({"plan_detail": "true", "plans": "Foo"}, {}, "plan 'Foo' is not in this dataset"),
    "unknown plan family": ({"plan_families": "Foo"}, {}, "plan family 'Foo' is not in this dataset"),
    "unknown tax period": ({"tax_periods": "Fortnightly"}, {}, "tax period 'Fortnightly' is not in this dataset"),
    "unknown channel": ({"channels": "Fax"}, {}, "channel type 'Fax' is not in this dataset"),
    "managed garbage": ({"managed": "yes"}, {}, "practice-managed 'yes' is not one of all"),
    "zone by its tz name": ({"tz": "Australia/Perth"}, {}, "time zone 'Australia/Perth' is not one of"),
    "presentation garbage": ({"present": "please"}, {}, "presentation mode 'please' is not on or off"),
    "unknown parameter": ({"utm_source": "newsletter"}, {}, "'utm_source' is not a setting of this story"),
    "garbage everywhere": ({"period": "%00", "systems": "<script>", "tz": "💥"}, {}, "period '%00' is not in"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_an_invalid_parameter_falls_back_with_a_note(sample_data_dir, case):
    query, changes, note = INVALID[case]
    at = open_app(query, page=FILTERS_PAGE)
    assert filters_of(at) == replace(DEFAULT, **changes)
    notes = link_notes(at)
    assert len(notes) == 1 and note in notes[0], notes


def test_every_bad_value_is_named_in_one_note(sample_data_dir):
    at = open_app({"period": "Nope", "systems": ["Simple BAS", "Nope"], "tz": "Mars", "foo": "1"}, page=FILTERS_PAGE)
    assert filters_of(at) == replace(DEFAULT, systems=("simple",))
    (note,) = link_notes(at)
    assert note.startswith(NOTE) and note.endswith(".")
    for part in ("period 'Nope'", "system 'Nope'", "time zone 'Mars'", "'foo' is not a setting"):
        assert part in note


def test_the_note_stays_while_the_view_is_the_links_and_goes_when_it_changes(sample_data_dir):
    at = open_app({"tz": "Mars"})
    assert link_notes(at)
    assert "tz" not in at.query_params, "Streamlit took the bad value out of the URL"
    at.run()
    assert link_notes(at), "a rerun of the same view keeps the note"
    at.pills(key="systems").set_value(["full"]).run()
    assert filters_of(at).systems == ("full",)
    assert link_notes(at) == [], "the note describes the link, not the view the user has since made"


# --- Page-level choices ----------------------------------------------------------------------------------------------

def page_choice_cases():
    params = links.page_params()
    cases = []
    for param in params:
        cases.append(pytest.param(param, param.choices[-1], True, id=f"{param.key}-valid"))
        cases.append(pytest.param(param, "Nonsense", False, id=f"{param.key}-invalid"))
    return cases


def _bound(at: AppTest, key: str) -> bool:
    return any(getattr(w.proto, "query_param_key", "") == key for w in _widgets(at))


def _widgets(at: AppTest):
    found = []

    def walk(node):
        children = getattr(node, "children", None)
        for child in (children.values() if isinstance(children, dict) else children or []):
            walk(child)
        if getattr(getattr(node, "proto", None), "query_param_key", ""):
            found.append(node)

    walk(at._tree)
    return found


def choice_of(key: str):
    """The Choice the registry declares for a page-level parameter."""
    return next(c for chapter in CHAPTERS for c in chapter.choices if c.key == key)


@pytest.mark.parametrize("param, value, valid", page_choice_cases())
def test_a_page_choice_follows_the_link(sample_data_dir, param, value, valid):
    at = open_app({param.key: value}, page=param.page)
    assert not at.exception, at.exception
    assert _bound(at, param.key), f"{param.page} no longer binds {param.key} to the URL"
    choice = choice_of(param.key)
    if valid:
        assert at.session_state[param.key] == choice.options[param.choices.index(value)]
        assert link_notes(at) == []
    else:
        assert at.session_state[param.key] == choice.default
        (note,) = link_notes(at)
        assert f"{param.label} 'Nonsense' is not one of {', '.join(param.choices)}" in note


@pytest.mark.parametrize("page", [None, "pages/outage.py"])
def test_another_pages_choice_is_not_noted(sample_data_dir, page):
    at = open_app({"cmp_metric": "Nonsense", "outage_system": "Simple BAS"} if page is None
                  else {"cmp_metric": "Nonsense"}, page=page)
    assert not at.exception
    assert link_notes(at) == []
    assert "cmp_metric" not in copy_link(at), "and it stays out of the link to this view"


@pytest.mark.parametrize("page", sorted({CHAPTERS[0].path, DATA_PAGE.path} | {p.page for p in links.page_params()}))
def test_every_bound_widget_is_known_to_the_link_check(options, presets, page):
    """A widget bound to the URL that links.link_params does not describe would get its valid values noted as
    'not a setting of this story'; and the labels the check accepts must be the widget's own. (Pages bind their own
    widgets only through the chapter builders' Choices, which links.page_params reads: the pages with Choices, the
    cover and the Data page cover every kind of binding.)"""
    at = open_app({}, page=page)
    assert not at.exception, at.exception
    params = links.link_params(options, list(presets))
    for widget in _widgets(at):
        key = widget.proto.query_param_key
        assert key in params, f"{page}: {key} is bound to the URL but unknown to basstory.app.links"
        offered = [o.content if hasattr(o, "content") else o for o in getattr(widget.proto, "options", [])]
        if offered:
            assert tuple(offered) == params[key].choices, key


# --- Presentation mode -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, on", [("1", True), ("true", True), ("yes", True), ("0", False), ("off", False)])
def test_presentation_mode_from_the_link(sample_data_dir, value, on):
    at = open_app({"present": value}, page=FILTERS_PAGE)
    assert not at.exception
    assert at.session_state["presenting"] is on
    assert at.toggle(key="present").value is on
    assert filters_of(at) == DEFAULT
    assert link_notes(at) == []


def test_presentation_mode_keeps_the_links_filters(sample_data_dir):
    at = open_app({"present": "1", "systems": "Simple BAS", "tz": "Perth"}, page="pages/interaction.py")
    assert at.session_state["presenting"]
    assert filters_of(at) == replace(DEFAULT, systems=("simple",), tz="Australia/Perth")
    assert at.title[0].value == "How and when users interact"


def test_the_toggle_switches_presentation_on_and_off(sample_data_dir):
    at = open_app({})
    at.toggle(key="present").set_value(True).run()
    assert not at.exception and at.session_state["presenting"]
    assert at.toggle(key="present").label.startswith("Presentation mode (turn off")
    at.toggle(key="present").set_value(False).run()
    assert not at.exception and not at.session_state["presenting"]


# --- The link to copy ------------------------------------------------------------------------------------------------

def copy_link(at: AppTest) -> str:
    (code,) = [c.value for c in at.code]
    return code


@pytest.mark.parametrize("page, query, link", [
    (None, {}, "/"),
    (None, {"systems": "Simple BAS", "tz": "Perth"}, "/?systems=Simple+BAS&tz=Perth"),
    ("pages/data.py", {"status": ["Active", "Deleted"]}, "/data?status=Active&status=Deleted"),
    ("pages/data.py", {"period": "Custom range", "dates": ["2017-02-01", "2017-03-31"]},
     "/data?period=Custom+range&dates=2017-02-01&dates=2017-03-31"),
    ("pages/data.py", {"utm_source": "x", "paying": "all"}, "/data?paying=all"),
    ("pages/outage.py", {"present": "yes"}, "/outage?present=1"),
    ("pages/comparison.py", {"cmp_grain": "Week", "outage_system": "Simple BAS", "tz": "UTC"},
     "/comparison?tz=UTC&cmp_grain=Week"),
])
def test_the_link_to_this_view(sample_data_dir, page, query, link):
    at = open_app(query, page=page)
    assert not at.exception
    assert copy_link(at) == link
