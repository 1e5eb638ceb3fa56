"""Active users and organisations (basstory.story.chapters.activity)."""
from basstory.app import render, ui

PAGE = "pages/activity.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
