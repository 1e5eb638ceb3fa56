"""AppTest over the customer chapters (segments, advisers, most and least active orgs, at risk) and the org page:
each renders without an exception, shows its charts (each shipping at most 5,000 rows) and states the finding its
builder computes; the org page opens by short code or id from the link and says so when the org is unknown."""
from __future__ import annotations

import pytest

from basstory.core.text import md_escape
from basstory.story.blocks import Tabs, walk
from tests.app_helpers import assert_healthy, built_chapter, drawn_charts, open_page, pick_tab, title_text
from tests.app_helpers import specs as charts

SEGMENTS, ADVISERS, ORGS, AT_RISK, ORG = ("pages/segments.py", "pages/advisers.py", "pages/orgs.py",
                                          "pages/at_risk.py", "pages/org.py")


def _chart_count(blocks) -> int:
    # of a set of tabs only the selected one is drawn; a chart with no rows is drawn as a note
    return len(drawn_charts(blocks))


@pytest.mark.parametrize("page, heading", [
    (SEGMENTS, "Org segments by behaviour"), (ADVISERS, "Advisers"), (ORGS, "Most and least active orgs"),
    (AT_RISK, "Dormant, cancelled and at risk"),
])
def test_default_filters(sample_data_dir, page, heading):
    at = open_page(page)
    blocks = built_chapter(sample_data_dir, page)
    assert_healthy(at, _chart_count(blocks))
    assert at.title[0].value == heading == blocks[0].title
    assert at.markdown[0].value == f"#### {blocks[0].finding}"
    assert any(ch.isdigit() for ch in blocks[0].finding)          # a number from the data


def test_segments_draw_only_the_selected_tab(sample_data_dir):
    # the four ways to split are tabs: the first is drawn, and picking another draws its chart instead
    blocks = built_chapter(sample_data_dir, SEGMENTS)
    tabs = next(b for b in walk(blocks) if isinstance(b, Tabs))
    labels = [label for label, _ in tabs.tabs]
    at = open_page(SEGMENTS, folds_open=False)
    for label, content in tabs.tabs[1:] + tabs.tabs[:1]:
        pick_tab(at, labels, label)
        assert not at.exception, at.exception
        shown = [title_text(spec) for spec in charts(at)]
        wanted = [title_text(c.spec) for c in drawn_charts(content)]
        assert len(wanted) == 1 and wanted[0] in shown, (label, shown)
        others = [title_text(c.spec) for other, part in tabs.tabs if other != label for c in drawn_charts(part)]
        assert not set(others) & set(shown) - set(wanted), (label, shown)


def test_orgs_ranks_by_the_measure_in_the_link(sample_data_dir):
    at = open_page(ORGS, orgs_measure="Compute (Full BAS runtime)")
    assert not at.exception, at.exception
    assert "of Full BAS compute" in at.markdown[0].value
    assert any("minutes" in str(s["encoding"]["x"]["title"]) for s in charts(at))
    # each ranked org links to its page
    assert any("(org?org=" in m.value for m in at.markdown)


def test_at_risk_says_it_reads_cancelled_orgs_and_backtests(sample_data_dir):
    at = open_page(AT_RISK)
    assert any("outside the story's scope" in i.value for i in at.info)
    assert any("AUC" in m.value for m in at.markdown)
    assert [m.label for m in at.metric] == ["At risk", "Stopped", "Never ran BAS", "Deleted", "Suspended"]


def test_a_filtered_view_still_renders(sample_data_dir):
    for page in (SEGMENTS, ADVISERS, ORGS, AT_RISK):
        at = open_page(page, systems=["Simple BAS"])
        assert not at.exception, (page, at.exception)


def _an_org(data_dir):
    from basstory.ingest.store import DatasetStore
    from basstory.query.tables import connect_version

    con = connect_version(DatasetStore(data_dir / "store").current())
    return con.execute("SELECT o.shortcode, o.org_key FROM orgs o JOIN runs r ON r.org_id = o.org_id "
                       "WHERE o.in_scope GROUP BY ALL ORDER BY count(*) DESC LIMIT 1").fetchone()


def test_org_page_opens_by_short_code_and_by_id(sample_data_dir):
    code, key = _an_org(sample_data_dir)
    for value in (code, key.lower()):
        at = open_page(ORG, org=value)
        assert not at.exception, at.exception
        assert at.title[0].value == f"Org {md_escape(code)}"      # a short code from data, shown as typed
        assert at.text_input(key="org").value == value
        assert [m.label for m in at.metric] == ["Status", "Plan", "Tax period", "Created"]
        assert title_text(charts(at)[0]).endswith("runs per week against its own due dates")
        assert len(at.dataframe) == 1                        # its users


def test_org_page_without_an_org_or_with_an_unknown_one(sample_data_dir):
    at = open_page(ORG)
    assert not at.exception and at.markdown[0].value == "#### Which org?"
    at = open_page(ORG, org="no-such-org")
    assert not at.exception
    assert "No org no\\-such\\-org in this dataset." in at.markdown[0].value
    assert any("not in this dataset" in w.value for w in at.warning)       # the link's note
