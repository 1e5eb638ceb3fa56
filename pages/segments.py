"""Org segments by behaviour (basstory.story.chapters.segments)."""
from basstory.app import render, ui

PAGE = "pages/segments.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
