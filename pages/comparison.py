"""Chapter 2: Full BAS vs Simple BAS (basstory.story.chapters.comparison), with the measure and time grain of the
activity chart as page-level choices kept in the URL."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui
from basstory.story.chapters import comparison

PAGE = "pages/comparison.py"
filters = ui.story_filters()
metric, grain = render.choices(comparison.METRIC, comparison.GRAIN)
blocks = ui.compute(chapters.comparison.build, filters, metric, grain)
render.chapter(blocks)
ui.page_footer(PAGE)
