"""AppTest: the reader tracks. A link's `?track=` picks a track; the cover's picker changes it and writes it to the
link; previous/next follow the track and carry it; the navigation lists the track's chapters first; the
recommendation leads with the track's actions; a track the story does not know is ignored with a note."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from basstory.story.registry import CHAPTERS, TRACKS, track_chapters

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def open_app(query: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def page_links(at: AppTest) -> list[tuple[str, str, str]]:
    """(page script, label, query string) of every page link drawn in the page's body."""
    return [(link.proto.page, link.proto.label, link.proto.query_string) for link in at.get("page_link")]


@pytest.mark.parametrize("track", list(TRACKS))
def test_previous_and_next_follow_the_track(sample_data_dir, track):
    chapters = track_chapters(track)
    here = chapters[1]
    at = open_app({"track": track}, page=here.path)
    links = page_links(at)
    assert at.session_state["track"] == track
    expected = [("", f"← {CHAPTERS[0].title}", f"track={track}")]         # the cover is served at '/'
    if len(chapters) > 2:
        expected.append((chapters[2].url_path, f"{chapters[2].title} →", f"track={track}"))
    assert links == expected


def test_the_cover_lists_the_tracks_chapters_and_the_picker_shows_it(sample_data_dir):
    at = open_app({"track": "operations"})
    assert at.button_group(key="track_picker").value == "operations"
    outline = [path for path, label, _ in page_links(at) if "—" in label]
    assert outline == [c.url_path for c in track_chapters("operations")[1:]]
    assert any("For operations:" in c.value for c in at.caption)


def test_picking_a_track_on_the_cover_writes_it_to_the_link(sample_data_dir):
    at = open_app({})
    outline = [path for path, label, _ in page_links(at) if "—" in label]
    assert outline == [c.url_path for c in CHAPTERS[1:]]                  # the whole story by default
    at.button_group(key="track_picker").set_value("customers").run()
    assert not at.exception
    assert at.query_params["track"] in ("customers", ["customers"]) and at.session_state["track"] == "customers"
    outline = [path for path, label, _ in page_links(at) if "—" in label]
    assert outline == [c.url_path for c in track_chapters("customers")[1:]]
    at.button_group(key="track_picker").set_value("all").run()           # back to the whole story
    assert "track" not in at.query_params and at.session_state["track"] is None


def test_the_recommendation_leads_with_the_tracks_actions(sample_data_dir):
    at = open_app({"track": "product"}, page=CHAPTERS[-1].path)
    headings = [h.value for h in at.subheader]
    assert headings[0] == "For product: what to do"
    whole = open_app({}, page=CHAPTERS[-1].path)
    assert "For product: what to do" not in [h.value for h in whole.subheader]


def test_an_unknown_track_is_ignored_with_a_note(sample_data_dir):
    at = open_app({"track": "finance"}, page="pages/data.py")
    notes = [w.value for w in at.warning if w.value.startswith("Ignored from the link: ")]
    assert notes and "reader track 'finance' is not one of product, operations, customers" in notes[0]
    assert at.session_state["track"] is None if "track" in at.session_state else True
    assert "track" not in at.query_params
