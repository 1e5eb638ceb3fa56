"""Chapter 2: Full BAS vs Simple BAS (basstory.story.chapters.comparison), with the measure and time grain of the
activity chart as page-level choices kept in the URL (declared in basstory.story.registry)."""
from basstory.app import render, ui

PAGE = "pages/comparison.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
