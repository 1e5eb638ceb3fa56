"""Placeholder chapter: the story's analysis for this page lands with the story work."""
import streamlit as st

from basstory import ui
from basstory.story import CHAPTERS

chapter = next(c for c in CHAPTERS if c.path == "pages/interaction.py")
filters = st.session_state["filters"]
st.title(chapter.title)
runs = ui.scope_banner(filters)
if not ui.nothing_to_show(runs, filters):
    st.info(chapter.question)
ui.page_footer(chapter.path)
