"""Chapter 3: seasonality and capacity (basstory.story.chapters.seasonality)."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui

PAGE = "pages/seasonality.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.seasonality.build, filters)
render.chapter(blocks)
ui.page_footer(PAGE)
