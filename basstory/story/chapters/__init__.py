"""The story's chapters as content: one builder per chapter, `build(con, filters, *choices) -> list[Block]`.

A builder runs the analyses for the filters, writes the narrative and makes the charts, and returns the chapter as
blocks (basstory.story.blocks) in reading order. The Streamlit page draws them (basstory.app.render) and the export
writes them as HTML (basstory.export.html): both show the same content, built once. Builders never import streamlit.
Which chapters there are, in which order, with which page-level choices, is said once: basstory.story.registry.
"""
from basstory.story.chapters import comparison, cover, interaction, outage, recommendation, seasonality

__all__ = ["comparison", "cover", "interaction", "outage", "recommendation", "seasonality"]
