"""Chapter 1: how and when users interact (basstory.chapters.interaction)."""
from basstory import chapters, render, ui

PAGE = "pages/interaction.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.interaction.build, filters)
render.chapter(blocks)
ui.page_footer(PAGE)
