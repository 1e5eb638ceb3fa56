"""Slides: the story as a deck for a presenter, one slide at a time (basstory.app.slides); `?slide=N` in the link."""
from basstory.app import slides

slides.page()
