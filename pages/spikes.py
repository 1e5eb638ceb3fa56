"""Spikes and drops (basstory.story.chapters.spikes)."""
from basstory.app import render, ui

PAGE = "pages/spikes.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
