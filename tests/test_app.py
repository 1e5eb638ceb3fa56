"""AppTest: every page renders without an exception, and the cover's metrics are the package's facts."""

import pytest

from basstory.analyses.facts import key_facts
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story.narrative import fmt_int, fmt_month_short
from basstory.story.registry import CHAPTERS, DATA_PAGE
from tests.app_helpers import open_page

PAGES = [c.path for c in CHAPTERS] + [DATA_PAGE.path]



@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(sample_data_dir, page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert at.title, f"{page} has no title"


def facts_of_current(sample_data_dir, filters: StoryFilters | None = None):
    filters = filters or StoryFilters()
    version = DatasetStore(sample_data_dir / "store").current()
    return key_facts(connect_version(version), filters)


def test_cover_metrics_are_the_facts(sample_data_dir):
    at = open_page()
    facts = facts_of_current(sample_data_dir)
    values = {m.label: m.value for m in at.metric}
    assert values["Busiest month"] == fmt_month_short(facts["busiest_month"]["month"])
    assert values["Orgs using both"] == fmt_int(facts["orgs_both"])
    assert values["Users of either"] == fmt_int(facts["users_either"])
    assert values["Multi-org users"] == fmt_int(facts["users_multi_org"])
    assert values["Top plan"] == facts["plans"][0]["plan"]


def test_cover_follows_the_system_filter(sample_data_dir):
    at = open_page()
    at.pills(key="systems").set_value(["full"]).run()
    assert not at.exception
    facts = facts_of_current(sample_data_dir, StoryFilters(systems=("full",)))
    values = {m.label: m.value for m in at.metric}
    assert values["Users of either"] == fmt_int(facts["users_either"])
    assert values["Orgs using both"] == "0"


def test_a_filter_that_leaves_nothing_says_so(sample_data_dir):
    at = open_page()
    at.multiselect(key="status").set_value([]).run()
    assert not at.exception
    assert any("No report runs match" in w.value for w in at.warning)
    assert not at.metric
