"""Chapter 3: seasonality and capacity (basstory.chapters.seasonality)."""
from basstory import chapters, render, ui

PAGE = "pages/seasonality.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.seasonality.build, filters)
render.chapter(blocks)
ui.page_footer(PAGE)
