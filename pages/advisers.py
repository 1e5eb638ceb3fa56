"""Advisers (basstory.story.chapters.advisers)."""
from basstory.app import render, ui

PAGE = "pages/advisers.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
