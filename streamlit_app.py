"""basstory: the router. Page config, the shared sidebar filters, and the story's navigation."""
import streamlit as st

from basstory import ui
from basstory.story import CHAPTERS, DATA_PAGE

st.set_page_config(page_title="basstory · BAS usage", page_icon=":material/auto_stories:", layout="wide")

story = [st.Page(c.path, title=c.title, icon=c.icon, url_path=c.url_path, default=(i == 0))
         for i, c in enumerate(CHAPTERS)]
data = [st.Page(DATA_PAGE.path, title=DATA_PAGE.title, icon=DATA_PAGE.icon, url_path=DATA_PAGE.url_path)]
page = st.navigation({"The story": story, "Data": data})

ui.pin_version()
st.session_state["filters"] = ui.sidebar_filters()
page.run()
