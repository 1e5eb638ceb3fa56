"""Data: the dataset the story shows and every stored version, read-only. Loading, switching and deleting datasets
happen in the analyst app (analyst_app.py, `make analyst`); see basstory.app.data_workflow."""
from __future__ import annotations

import streamlit as st

from basstory.app import data_workflow, ui

store = ui.dataset_store()
ui.require_router()
pinned = ui.current_version()
st.title("Data")
st.markdown("#### Which extract the story is showing, and every version stored")
if notice := ui.take_update_notice():
    st.info(notice, icon=":material/update:")
data_workflow.viewer_page(store, pinned)
