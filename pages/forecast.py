"""Daily and hourly forecast (basstory.story.chapters.forecast)."""
from basstory.app import render, ui

PAGE = "pages/forecast.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
