"""The story's chapters as content: one builder per chapter, `build(con, filters, *choices) -> list[Block]`.

A builder runs the analyses for the filters, writes the narrative and makes the charts, and returns the chapter as
blocks (basstory.story.blocks) in reading order. The Streamlit page draws them (basstory.app.render) and the export writes them
as HTML (basstory.export.html): both show the same content, built once. Builders never import streamlit.
"""
from __future__ import annotations

from types import ModuleType

from basstory.story.chapters import comparison, cover, interaction, outage, recommendation, seasonality

#: Each chapter's builder module by its story.Chapter.url_path, in reading order.
BUILDERS: dict[str, ModuleType] = {
    "cover": cover, "interaction": interaction, "comparison": comparison, "seasonality": seasonality,
    "outage": outage, "recommendation": recommendation,
}

__all__ = ["BUILDERS", "comparison", "cover", "interaction", "outage", "recommendation", "seasonality"]
