"""Cover: the five key data points, the period and coverage, and the story's outline."""
import streamlit as st

from basstory import ui
from basstory.analyses.dataset import coverage
from basstory.facts import key_facts
from basstory.narrative import cover_finding, cover_metrics, coverage_sentence
from basstory.story import CHAPTERS

filters = ui.story_filters()
facts = ui.compute(key_facts, filters)
ui.headline("How Australian organisations use Full BAS and Simple BAS", cover_finding(facts))
runs = ui.scope_banner(filters)
if not ui.nothing_to_show(runs, filters):
    cov = ui.compute(coverage, filters)
    st.markdown(coverage_sentence(cov, runs))
    for column, metric in zip(st.columns(5), cover_metrics(facts, cov)):
        column.metric(metric["label"], metric["value"], help=metric["help"], border=True)
        column.caption(metric["caption"])
    st.subheader("The story")
    for chapter in CHAPTERS[1:]:
        st.page_link(chapter.path, label=f"**{chapter.title}** — {chapter.question}", icon=chapter.icon,
                     query_params=ui.current_query())
ui.page_footer("pages/cover.py")
