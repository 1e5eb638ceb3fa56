"""The chapter registry (basstory.story.registry) is the one list of chapters: each names a page script that exists,
a builder module with `build`, and page-level choices whose keys are unique; the router's navigation, the cover's
outline and the deep links follow it."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from basstory.app import links
from basstory.story.registry import ALL_TRACKS, CHAPTERS, DATA_PAGE, TRACKS, chapter_at, neighbours, track_chapters

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.url_path)
def test_each_chapter_has_its_page_and_builder(chapter):
    assert (ROOT / chapter.path).is_file()
    assert f'"{chapter.path}"' in (ROOT / chapter.path).read_text(encoding="utf-8")   # the page names itself
    build = chapter.module().build
    params = list(inspect.signature(build).parameters)
    assert params[:2] == ["con", "filters"] and len(params) == 2 + len(chapter.choices) + chapter.takes_track
    if chapter.takes_track:
        assert params[-1] == "track" and inspect.signature(build).parameters["track"].default is None
    assert chapter_at(chapter.path) is chapter


def test_urls_and_choice_keys_are_unique():
    paths = [c.url_path for c in (*CHAPTERS, DATA_PAGE)]
    assert len(set(paths)) == len(paths)
    keys = [choice.key for c in CHAPTERS for choice in c.choices]
    assert len(set(keys)) == len(keys)


def test_the_deep_links_know_every_declared_choice():
    declared = {(choice.key, c.path) for c in CHAPTERS for choice in c.choices}
    assert {(p.key, p.page) for p in links.page_params()} == declared


def test_the_order_gives_previous_and_next():
    assert neighbours(CHAPTERS[0].path) == (None, CHAPTERS[1])
    assert neighbours(CHAPTERS[-1].path) == (CHAPTERS[-2], None)
    assert neighbours(DATA_PAGE.path) == (None, None)
    with pytest.raises(KeyError):
        chapter_at(DATA_PAGE.path)


def test_every_track_starts_at_the_cover_and_ends_at_the_recommendation():
    for track in TRACKS:
        chapters = track_chapters(track)
        assert chapters[0] is CHAPTERS[0] and chapters[-1] is CHAPTERS[-1]
        assert [c for c in chapters[1:-1] if track not in c.tracks] == []
        assert chapters == tuple(c for c in CHAPTERS if c in chapters)             # in reading order
    assert track_chapters(None) == CHAPTERS and track_chapters("nobody") == CHAPTERS
    assert {t for c in CHAPTERS for t in c.tracks} == set(ALL_TRACKS)


def test_previous_and_next_follow_a_track():
    operations = track_chapters("operations")
    second = operations[1]
    assert neighbours(second.path, "operations") == (CHAPTERS[0], operations[2])
    assert neighbours(CHAPTERS[0].path, "operations") == (None, second)
    off_track = next(c for c in CHAPTERS[1:-1] if "operations" not in c.tracks)
    assert neighbours(off_track.path, "operations") == (None, None)
    assert neighbours(off_track.path) != (None, None)
