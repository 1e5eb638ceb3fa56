"""Chapter 4: the outage window — the cost of every two-hour window of the month per system, the five best with
the users and organisations they touch, their times in UTC and the chosen zone, and whether the measure matters."""
import streamlit as st

from basstory import ui
from basstory.analyses import outage_impact
from basstory.charts import outage as charts
from basstory.narrative import outage as narrative
from basstory.schema import SYSTEM_LABELS, SYSTEMS

PAGE = "pages/outage.py"
filters = ui.story_filters()

best = {s: ui.compute(outage_impact.best_windows, filters, s) for s in SYSTEMS if s in filters.systems}
ui.headline("The outage window", narrative.outage_finding(best))
runs = ui.scope_banner(filters)

if not ui.nothing_to_show(runs, filters):
    st.markdown(narrative.method_text())
    left, right = st.columns(2)
    system = left.segmented_control("System", SYSTEMS, default=SYSTEMS[0], format_func=SYSTEM_LABELS.get,
                                    key="outage_system") or SYSTEMS[0]
    metric = right.segmented_control("Measure windows by", list(outage_impact.METRICS), default="runs",
                                     format_func=lambda m: outage_impact.METRICS[m].capitalize(),
                                     key="outage_metric") or "runs"
    if metric not in outage_impact.available_metrics(system):
        st.info(f"{SYSTEM_LABELS[system]} records no runtime, so its windows are measured by runs here.",
                icon=":material/info:")
        metric = "runs"
    metrics = ui.compute(outage_impact.window_metrics, filters, system) if system in filters.systems else None
    if metrics is None:
        st.info(f"{SYSTEM_LABELS[system]} is not selected in the sidebar.", icon=":material/info:")
    elif metrics.empty:
        st.info(f"No whole two-hour window of {SYSTEM_LABELS[system]} fits in this period: widen the dates.",
                icon=":material/info:")
    else:
        ui.chart(charts.window_heatmap_chart(metrics, system, metric, outage_impact.METRICS[metric],
                                            *narrative.heatmap_title(system, metrics, metric)), key="out_heatmap")

        st.subheader(f"The five best windows for {SYSTEM_LABELS[system]}")
        top = best[system]
        st.markdown(narrative.best_windows_sentence(top))
        st.dataframe(narrative.best_windows_display(top, filters.tz), hide_index=True)
        st.caption(narrative.times_note(filters.tz))

        st.subheader("Does the measure change the choice?")
        choices = outage_impact.choice_by_metric(metrics)
        st.markdown(narrative.metric_choice_sentence(choices))
        st.dataframe(narrative.metric_choice_display(choices), hide_index=True)
ui.page_footer(PAGE)
