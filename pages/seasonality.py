"""Chapter 3: seasonality and capacity — runs per month, the quarterly cycle, the daily series decomposed, Full BAS
load weighted by runtime, and a forecast of the next peak with the capacity it needs."""
import streamlit as st

from basstory import ui
from basstory.analyses import capacity, seasonality
from basstory.charts import seasonality as charts
from basstory.narrative import seasonality as narrative
from basstory.schema import SYSTEM_LABELS, SYSTEMS

PAGE = "pages/seasonality.py"
filters = ui.story_filters()

summary = ui.compute(seasonality.seasonality_summary, filters)
outlook = ui.compute(capacity.capacity_outlook, filters)
load, plan = outlook["load"], outlook["plan"]
ui.headline("Seasonality and capacity", narrative.seasonality_finding(summary, plan))
runs = ui.scope_banner(filters)


def show(build, empty: bool, key: str, note: str = "No runs in this view for this chart.") -> None:
    """The chart, or a short note when its data is empty."""
    if empty:
        st.info(note, icon=":material/info:")
    else:
        ui.chart(build(), key=key)


if not ui.nothing_to_show(runs, filters):
    st.subheader("Runs per month")
    months = ui.compute(seasonality.runs_per_month, filters)
    show(lambda: charts.monthly_runs_chart(months, *narrative.monthly_title(months)), months.empty, "sea_months")

    st.subheader("The quarterly cycle")
    cycle = ui.compute(seasonality.quarterly_cycle, filters)
    show(lambda: charts.quarterly_cycle_chart(cycle, *narrative.cycle_title(cycle)), cycle.empty, "sea_cycle",
         narrative.cycle_title(cycle).text + ".")

    st.subheader("Trend, week, month and quarter")
    st.markdown(narrative.decomposition_method())
    parts = ui.compute(seasonality.daily_decomposition, filters)
    due = ui.compute(seasonality.due_dates_in_view, filters)
    daily = parts["daily"]
    for system in SYSTEMS:
        if system in filters.systems:
            one = daily[daily["system"] == system]
            show(lambda one=one, system=system: charts.daily_trend_chart(one, due, *narrative.daily_title(system, one)),
                 one.empty,
                 f"sea_daily_{system}", f"{SYSTEM_LABELS[system]}: fewer than 28 days of runs, too few for a trend.")
    show(lambda: charts.weekly_cycle_chart(parts["weekly"], *narrative.weekly_title(parts["weekly"])),
         parts["weekly"].empty, "sea_weekly", "Too few days to read a weekly cycle.")
    moq = parts["month_of_quarter"]
    show(lambda: charts.month_of_quarter_chart(moq, *narrative.month_of_quarter_title(moq)), moq.empty,
         "sea_quarter", "No whole month in this view to read a quarterly cycle.")
    dom = parts["day_of_month"]
    show(lambda: charts.day_of_month_cycle_chart(dom, *narrative.day_of_month_title(dom)), dom.empty, "sea_dom",
         "Too few days to read a monthly cycle.")

    st.subheader("Full BAS load and capacity")
    if load is None:
        st.info("No Full BAS runs with a runtime in this view: load and capacity are measured on Full BAS only "
                "(the Simple BAS extract has no runtime).", icon=":material/info:")
    else:
        s = load["summary"]
        cards = st.columns(4)
        cards[0].metric("Peak concurrent runs", f"{s['peak_concurrency']}", border=True,
                        help="The most Full BAS runs under way at the same instant.")
        cards[1].metric("99th percentile, per minute", f"{s['minute_p99']:g} at once", border=True,
                        help="Per-minute peak concurrency, 99th percentile over every minute of the period.")
        cards[2].metric("Busiest hour", f"{s['peak_hour_compute_s']:,.0f} s", border=True,
                        help="Seconds of Full BAS runtime inside the busiest clock hour.")
        ratio = s["peak_to_median_hour"]
        cards[3].metric("Busiest ÷ median hour", narrative.times(ratio) if ratio else "–", border=True,
                        help="Compute-seconds in the busiest hour over those in the median hour of the period.")
        for line in narrative.load_sentences(s):
            st.markdown("- " + line)
        ui.chart(charts.daily_load_chart(load["daily"], due, *narrative.load_title(s)), key="sea_load")
        ui.chart(charts.daily_concurrency_chart(load["daily"], due, *narrative.concurrency_title(s)),
                 key="sea_concurrency")
        st.markdown(narrative.littles_law_sentence(s, load["busiest_hours"]))
        with st.expander("The busiest hours, checked against Little's law"):
            st.dataframe(load["busiest_hours"], hide_index=True, column_config={
                "hour_utc": st.column_config.DatetimeColumn("Hour (UTC)", format="D MMM YYYY HH:mm"),
                "hour_local": st.column_config.DatetimeColumn("Hour (Sydney)", format="D MMM YYYY HH:mm"),
                "runs": st.column_config.NumberColumn("Runs starting"),
                "mean_runtime_s": st.column_config.NumberColumn("W: mean runtime (s)", format="%.2f"),
                "arrivals_per_s": st.column_config.NumberColumn("λ: arrivals per second", format="%.4f"),
                "littles_l": st.column_config.NumberColumn("λ·W", format="%.3f"),
                "measured_l": st.column_config.NumberColumn("Measured mean concurrency", format="%.3f"),
                "relative_error": st.column_config.NumberColumn("Difference", format="percent"),
                "peak_concurrency": st.column_config.NumberColumn("Peak concurrency"),
            })
        deciles = load["runtime_by_load"]
        show(lambda: charts.runtime_by_load_chart(deciles, *narrative.runtime_title(deciles)), deciles.empty,
             "sea_runtime")

        st.subheader("The next peak and the capacity it needs")
        if plan is None:
            st.info(narrative.capacity_statement(None), icon=":material/info:")
        else:
            ui.chart(charts.forecast_chart(plan["history"], plan["forecasts"], plan["provision"],
                                           *narrative.forecast_title(plan)), key="sea_forecast")
            st.markdown(narrative.forecast_method(plan))
            st.success(narrative.capacity_statement(plan), icon=":material/dns:")
ui.page_footer(PAGE)
