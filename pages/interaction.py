"""Chapter 1: how and when users interact (basstory.story.chapters.interaction)."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui

PAGE = "pages/interaction.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.interaction.build, filters)
render.chapter(blocks)
ui.page_footer(PAGE)
