"""Chapter 1: how and when users interact (basstory.story.chapters.interaction)."""
from basstory.app import render, ui

PAGE = "pages/interaction.py"
render.story_page(PAGE)
ui.page_footer(PAGE)
