"""Chapter 5: the recommendation — the outage window per system with its evidence, the capacity to provision, the
key findings and the caveats of the data. Everything is computed for the filters in the sidebar."""
import streamlit as st

from basstory import facts, ui
from basstory.analyses import capacity, recommendation, seasonality
from basstory.charts import outage as charts
from basstory.narrative import recommendation as narrative
from basstory.narrative.seasonality import capacity_statement
from basstory.schema import SYSTEM_LABELS, SYSTEMS

PAGE = "pages/recommendation.py"
filters = ui.story_filters()

recs = ui.compute(recommendation.recommendations, filters)
ui.headline("Recommendation", narrative.recommendation_finding(recs))
runs = ui.scope_banner(filters)

if not ui.nothing_to_show(runs, filters):
    st.subheader("A two-hour outage window per system")
    shown = [s for s in SYSTEMS if s in filters.systems]
    for column, system in zip(st.columns(len(shown)), shown, strict=True):
        rec = recs[system]
        with column:
            if rec is None:
                st.info(f"{SYSTEM_LABELS[system]}: no whole window occurrence in this period, so no window to "
                        f"recommend.", icon=":material/info:")
                continue
            best = rec["best"]
            st.metric(f"{SYSTEM_LABELS[system]} window", f"Day {best['day']} · {best['start']}–{best['end']}",
                      help="Sydney wall-clock time; the cheapest window by DATA.md's default method.", border=True)
            for line in narrative.system_lines(rec, filters.tz):
                st.markdown("- " + line)
    rows = narrative.comparison_rows(recs)
    if not rows.empty:
        ui.chart(charts.window_comparison_chart(rows, *narrative.comparison_title(recs)), key="rec_compare")
        due = narrative.due_week_rows(recs)
        ui.chart(charts.due_week_chart(due, *narrative.due_week_title(recs)), key="rec_due")

    st.subheader("Capacity")
    outlook = ui.compute(capacity.capacity_outlook, filters)
    st.markdown(capacity_statement(outlook["plan"]))

    st.subheader("Key findings")
    key = ui.compute(facts.key_facts, filters)
    summary = ui.compute(seasonality.seasonality_summary, filters)
    for i, line in enumerate(narrative.key_findings(key, summary, outlook["load"], outlook["plan"], recs), 1):
        st.markdown(f"{i}. {line}")

    st.subheader("Caveats")
    caveats = ui.compute(recommendation.data_caveats, filters)
    excluded = ui.compute(facts.left_out, filters)
    for line in narrative.caveat_lines(caveats, excluded, recs):
        st.markdown("- " + line)
ui.page_footer(PAGE)
