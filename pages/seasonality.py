"""Chapter 3: seasonality and capacity (basstory.story.chapters.seasonality)."""
from basstory.app import render, ui

PAGE = "pages/seasonality.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
