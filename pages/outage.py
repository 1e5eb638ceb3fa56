"""Chapter 4: the outage window (basstory.chapters.outage), with the system and the measure as page-level choices
kept in the URL."""
from basstory import chapters, render, ui
from basstory.chapters import outage

PAGE = "pages/outage.py"
filters = ui.story_filters()
system, metric = render.choices(outage.SYSTEM, outage.METRIC)
blocks = ui.compute(chapters.outage.build, filters, system, metric)
render.chapter(blocks)
ui.page_footer(PAGE)
