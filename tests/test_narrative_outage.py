"""Chapter 4's sentences: exact text for given numbers, and the edge cases (no window, one system, one measure)."""
import pandas as pd
import pytest

from basstory.story.narrative import outage as n

BEST = pd.DataFrame({
    "rank": [1, 2], "day": [12, 5], "start_minute": [120, 120], "start": ["02:00", "02:00"], "end": ["04:00", "04:00"],
    "occurrences": [12, 12], "runs_mean": [0.0, 0.0833], "runs_max": [0, 1], "runs_worst_month": ["2016-10", "2017-04"],
    "users_mean": [0.0, 0.0833], "users_max": [0, 1], "users_worst_month": ["2016-10", "2017-04"],
    "orgs_mean": [0.0, 0.0833], "orgs_max": [0, 1], "orgs_worst_month": ["2016-10", "2017-04"],
    "compute_s_mean": [0.0, 0.05], "compute_s_max": [0.0, 0.6],
    "utc_times": ["15:00–17:00 (day before) or 16:00–18:00 (day before)"] * 2,
    "zone_times": ["00:00–02:00 or 23:00–01:00 (day before)"] * 2, "clock_change_nights": [0, 1]})


@pytest.mark.parametrize("x, text", [(0, "0"), (0.0833, "0.08"), (1.5, "1.5"), (2.0, "2"), (230.08, "230")])
def test_number(x, text):
    assert n.number(x) == text


@pytest.mark.parametrize("tz, text", [("Australia/Perth", "Perth time"), ("UTC", "UTC"),
                                      ("Australia/Sydney", "Sydney time")])
def test_zone_name(tz, text):
    assert n.zone_name(tz) == text


def test_finding():
    assert n.outage_finding({"full": BEST, "simple": BEST.iloc[0:0]}) == (
        "The quietest two hours of the month: Full BAS on day 12, 02:00–04:00 Sydney time (0 runs and 0 users a "
        "month expected).")
    assert n.outage_finding({}) == (
        "No system has a whole window occurrence in this view, so there is no window to recommend.")


def test_best_windows_sentence_and_table():
    assert n.best_windows_sentence(BEST) == (
        "Across all 12 months measured, none of these 2 windows ever interrupted more than 1 run (window 2, "
        "April 2017) or touched more than 1 user and 1 organisation in one month.")
    assert n.best_windows_sentence(BEST.iloc[0:0]) == "No whole window occurrence in this view."
    perth = n.best_windows_display(BEST, "Australia/Perth")
    assert perth.iloc[1].to_dict() == {
        "Rank": 2, "Window (Sydney)": "day 5, 02:00–04:00",
        "UTC": "15:00–17:00 (day before) or 16:00–18:00 (day before)",
        "In Perth time": "00:00–02:00 or 23:00–01:00 (day before)", "Runs a month (mean)": "0.08",
        "Runs (worst month)": "1 (April 2017)", "Users a month (mean)": "0.08", "Users (worst month)": "1 (April 2017)",
        "Orgs a month (mean)": "0.08", "Orgs (worst month)": "1 (April 2017)", "Months measured": 12,
        "Clock-change nights": 1}
    # in the contract zone or UTC the extra column would repeat one already shown
    assert "In Sydney time" not in n.best_windows_display(BEST, "Australia/Sydney")
    assert "In UTC" not in n.best_windows_display(BEST, "UTC")


def test_times_note():
    assert n.times_note("Australia/Perth").startswith(
        "The window is fixed in Sydney wall-clock time, so in UTC and in Perth time it moves by an hour")
    assert n.times_note("UTC").startswith("The window is fixed in Sydney wall-clock time, so in UTC it moves")


def test_heatmap_title():
    metrics = pd.DataFrame({"day": [12, 21], "start_minute": [120, 600], "start": ["02:00", "10:00"],
                            "end": ["04:00", "12:00"], "occurrences": [12, 12], "runs_mean": [0.0, 230.08],
                            "rank_runs": [1, 2]})
    title = n.heatmap_title("full", metrics, "runs")
    assert title.text == ("Full BAS: the cheapest window, day 12, 02:00–04:00, costs 0 runs a month, and the costliest "
                          "window, day 21, 10:00–12:00, 230 runs a month")
    claimed = {"day": 3, "start": "07:30", "end": "09:30", "runs_mean": 230.08}   # a tie broken the claims' way
    assert n.heatmap_title("full", metrics, "runs", claimed).text.endswith(
        "the costliest window, day 3, 07:30–09:30, 230 runs a month")
    assert "mean over up to 12 months" in title.subtitle


CHOICES = pd.DataFrame({
    "metric": ["runs", "users", "orgs", "compute_s"], "label": ["runs", "users", "organisations", "compute-seconds"],
    "day": [12, 12, 12, 5], "start_minute": [120] * 4, "start": ["02:00"] * 4, "end": ["04:00"] * 4,
    "runs_mean": [0, 0, 0, 0.08], "users_mean": [0, 0, 0, 0.08], "orgs_mean": [0, 0, 0, 0.08],
    "compute_s_mean": [0, 0, 0, 0.05], "rank_runs": [1, 1, 1, 2], "same_as_runs": [True, True, True, False]})


def test_metric_choice():
    assert n.metric_choice_sentence(CHOICES) == (
        "Measured by users or organisations, the choice stays day 12, 02:00–04:00; measured by compute-seconds it "
        "moves to day 5, 02:00–04:00, which is number 2 by runs (0.08 runs a month against 0).")
    assert n.metric_choice_sentence(CHOICES.iloc[:1]) == (
        "Only runs can be measured here: the choice is day 12, 02:00–04:00.")
    assert n.metric_choice_sentence(CHOICES.iloc[0:0]) == "No window to compare."
    simple = CHOICES.iloc[:3].assign(compute_s_mean=float("nan"))
    assert n.metric_choice_display(simple)["Compute-seconds a month (mean)"].tolist() == ["–", "–", "–"]
    assert n.metric_choice_display(CHOICES).iloc[3]["Rank by runs"] == 2


def test_the_method_text_is_written_from_the_methods_constants(monkeypatch):
    text = n.method_text()
    assert "two hours long and starts on the hour or half hour, on one of days 1–28" in text
    assert "(so 28 × 48 = 1,344 candidates; days 29–31 are left out" in text
    assert text.endswith("A window always lasts 120 real minutes.")
    monkeypatch.setattr(n, "WINDOW_DAYS", tuple(range(1, 21)))
    monkeypatch.setattr(n, "STEP_MINUTES", 60)
    monkeypatch.setattr(n, "WINDOW_MINUTES", 180)
    text = n.method_text()
    assert "three hours long and starts every 60 minutes, on one of days 1–20" in text
    assert "(so 20 × 24 = 480 candidates; days 21–31" in text and "lasts 180 real minutes" in text
