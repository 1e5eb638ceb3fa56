"""Chapter 4: the outage window (basstory.story.chapters.outage), with the system and the measure as page-level choices
kept in the URL (declared in basstory.story.registry)."""
from basstory.app import render, ui

PAGE = "pages/outage.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
