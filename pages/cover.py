"""Cover: the five key data points, the period and coverage, and the story's outline (basstory.story.chapters.cover);
the button that exports the whole story as one HTML file."""
from basstory.app import render, ui

PAGE = "pages/cover.py"
filters = render.story_page(PAGE)
render.export_button(filters, key="export_story_cover")
ui.page_footer(PAGE)
