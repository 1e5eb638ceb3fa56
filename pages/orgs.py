"""Most and least active orgs (basstory.story.chapters.orgs)."""
from basstory.app import render, ui

PAGE = "pages/orgs.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
