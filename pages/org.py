"""One org's page (basstory.story.chapters.org): `?org=<short code or organisation id>`, opened from the orgs and
at-risk chapters; the box at the top opens another org (and rewrites the link)."""
import streamlit as st

from basstory.app import render, ui
from basstory.story.chapters import org as chapter

filters = ui.story_filters()
code = st.text_input("Org (short code or organisation id)", key=ui.ORG, bind="query-params",
                     placeholder="!V5xDN", help="The org's short code exactly, or its organisation id in any case.")
render.chapter(ui.compute(chapter.build, filters, (code or "").strip() or None))
