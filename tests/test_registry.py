"""The chapter registry (basstory.story.registry) is the one list of chapters: each names a page script that exists,
a builder module with `build`, and page-level choices whose keys are unique; the router's navigation, the cover's
outline and the deep links follow it."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from basstory.app import links
from basstory.story.registry import CHAPTERS, DATA_PAGE, chapter_at, neighbours

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.url_path)
def test_each_chapter_has_its_page_and_builder(chapter):
    assert (ROOT / chapter.path).is_file()
    assert f'"{chapter.path}"' in (ROOT / chapter.path).read_text(encoding="utf-8")   # the page names itself
    build = chapter.module().build
    params = list(inspect.signature(build).parameters)
    assert params[:2] == ["con", "filters"] and len(params) == 2 + len(chapter.choices)
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
