"""Chapter 5: the recommendation (basstory.story.chapters.recommendation); the story's HTML export at the end."""
from basstory.app import render, ui

PAGE = "pages/recommendation.py"
filters = render.story_page(PAGE)
render.export_button(filters, key="export_story_recommendation")
ui.page_footer(PAGE)
