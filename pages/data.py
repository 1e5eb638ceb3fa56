"""Data: which dataset version the story shows."""
import streamlit as st

from basstory import ui

version = ui.current_version()
st.title("Data")
m = version.manifest
st.markdown(f"The story is showing **{m.get('name') or version.id}** (version `{version.id}`), ingested "
            f"{m.get('created_at', '')[:19].replace('T', ' ')} UTC.")
st.json(m, expanded=False)
