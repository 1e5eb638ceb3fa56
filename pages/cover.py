"""Cover: the five key data points, the period and coverage, and the story's outline (basstory.story.chapters.cover);
the button that exports the whole story as one HTML file."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui

PAGE = "pages/cover.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.cover.build, filters)
render.chapter(blocks)
render.export_button(filters, key="export_story_cover")
ui.page_footer(PAGE)
