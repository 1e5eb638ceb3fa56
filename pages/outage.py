"""Chapter 4: the outage window (basstory.story.chapters.outage), with the system and the measure as page-level choices
kept in the URL."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui
from basstory.story.chapters import outage

PAGE = "pages/outage.py"
filters = ui.story_filters()
system, metric = render.choices(outage.SYSTEM, outage.METRIC)
blocks = ui.compute(chapters.outage.build, filters, system, metric)
render.chapter(blocks)
ui.page_footer(PAGE)
