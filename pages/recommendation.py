"""Chapter 5: the recommendation (basstory.story.chapters.recommendation); the story's HTML export at the end."""
from basstory.story import chapters
from basstory.app import render
from basstory.app import ui

PAGE = "pages/recommendation.py"
filters = ui.story_filters()
blocks = ui.compute(chapters.recommendation.build, filters)
render.chapter(blocks)
render.export_button(filters, key="export_story_recommendation")
ui.page_footer(PAGE)
