"""Dormant, cancelled and at risk (basstory.story.chapters.at_risk)."""
from basstory.app import render, ui

PAGE = "pages/at_risk.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
