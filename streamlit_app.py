"""basstory: the router. Page config, navigation, the link's parameters checked, what data the story shows (the
synthetic-sample notice), the shared sidebar filters, the page, then the link to copy and the presentation toggle."""
import streamlit as st

from basstory.app import render, ui
from basstory.story.registry import CHAPTERS, DATA_PAGE, ORG_PAGE, SLIDES_PAGE, TRACKS, track_chapters

st.set_page_config(page_title="basstory · BAS usage", page_icon=":material/auto_stories:", layout="wide")

story = {c.path: st.Page(c.path, title=c.title, icon=c.icon, url_path=c.url_path, default=(i == 0))
         for i, c in enumerate(CHAPTERS)}
data = [st.Page(DATA_PAGE.path, title=DATA_PAGE.title, icon=DATA_PAGE.icon, url_path=DATA_PAGE.url_path),
        # one org's page: opened from the orgs and at-risk chapters (?org=), not listed in the navigation
        st.Page(ORG_PAGE.path, title=ORG_PAGE.title, icon=ORG_PAGE.icon, url_path=ORG_PAGE.url_path,
                visibility="hidden")]
slides = [st.Page(SLIDES_PAGE.path, title=SLIDES_PAGE.title, icon=SLIDES_PAGE.icon, url_path=SLIDES_PAGE.url_path)]
track = ui.reader_track()                    # a reader track lists its chapters first, the rest after them
on_track = [c.path for c in track_chapters(track)]
sections = ({"The story": list(story.values())} if track is None else
            {f"{TRACKS[track].label} track": [story[path] for path in on_track],
             "More of the story": [p for path, p in story.items() if path not in on_track]})
page = st.navigation({**sections, "Present": slides, "Data": data}, expanded=True)   # every page listed

with ui.reader_run(page.url_path):          # the background warm-up pauses while a reader's page runs
    ui.pin_version()
    present = ui.open_view(page)             # before any widget: the raw link, its notes, presentation mode
    render.dataset_banner(ui.current_version())  # every page: synthetic sample, or the extract's name
    st.session_state["filters"] = ui.sidebar_filters()
    share = ui.share_slot()
    link_notes = st.container()
    page.run()
    ui.close_view(page, present, share, link_notes)
    # the rest of the reader's view, computed in the background while the reader reads this page
    ui.look_ahead(next((path for path, p in story.items() if p is page), ""))
ui.warm_up(ui.current_version().id)          # once per dataset version: every chapter, in a background process
