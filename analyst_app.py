"""basstory's analyst app: load, check, activate, switch and delete datasets. Served apart from the story
(`make analyst`: port 8502, on 127.0.0.1, uploads up to 1 GB), so the story's app can refuse every upload; every
change here needs the analyst password typed into its form. See basstory.app.data_workflow and the README."""
import streamlit as st

from basstory.app import data_workflow, ui

st.set_page_config(page_title="basstory · analyst", page_icon=":material/upload_file:", layout="wide")


def analyst_page() -> None:
    store = ui.dataset_store()
    pinned = ui.pin_version()
    st.title("Data: load and manage datasets")
    st.caption("The analyst app. The story itself is served by the viewer app (`make run`); what you activate here "
               "is what every viewer sees on their next interaction.")
    if notice := ui.take_update_notice():
        st.info(notice, icon=":material/update:")
    data_workflow.analyst_page(store, pinned)


# one page, no menu: a navigation also keeps Streamlit from serving the story's pages/ folder here
st.navigation([st.Page(analyst_page, title="Data (analyst)", icon=":material/upload_file:", default=True)],
              position="hidden").run()
