"""The facts command's numbers of the chapters beyond the brief: every chapter module states them, and the readable
lines say them (worked out by hand on a small dict)."""
from __future__ import annotations

import importlib

from basstory.analyses.chapter_facts import CHAPTER_MODULES
from basstory.story.narrative.chapter_facts import chapter_facts_lines
from basstory.story.registry import CHAPTERS

BEYOND = {
    "segments": {"orgs": 10, "cadence_segments": {"monthly": 3, "quarterly": 6, "annual": 0, "irregular": 1},
                 "who_segments": {"own staff": 4, "adviser": 2, "both": 4},
                 "system_segments": {"full only": 7, "simple only": 2, "both": 1},
                 "cadence_mismatches": 2, "cadence_judged": 9},
    "advisers": {"advisers": 3, "adviser_share_of_runs": 0.456, "orgs_covered_by_advisers": 6,
                 "max_orgs_per_adviser": 4},
    "activity": {"full": {"latest_month": "2017-09", "monthly_active_users": 1200, "monthly_active_orgs": 800,
                          "latest_quarter": "Jul–Sep 2017", "new_orgs": 5, "returning_orgs": 700, "dormant_orgs": 1}},
    "spikes": {"spike_days": 1, "drop_days": 2, "flagged_hours": 0,
               "biggest_spike": {"system": "full", "day": "2017-02-27", "runs": 900, "expected": 400.5,
                                 "cause": "a due date"}},
    "forecast": {"quarter": "2017-10..2017-12", "runs": 60000, "peak_day": "2017-11-23", "peak_day_runs": 2435,
                 "peak_hour": "2017-11-23 10:00", "peak_hour_runs": 238},
    "orgs": {"orgs_ranked": 1343, "top10_run_share": 0.047},
    "at_risk": {"at_risk_orgs": 1, "at_risk_runs": 12, "stopped_orgs": 1, "never_ran_orgs": 2, "deleted_orgs": 3,
                "suspended_orgs": 0,
                "backtest_auc": 0.8125},
}


def test_the_lines_say_each_chapters_numbers():
    assert chapter_facts_lines(BEYOND) == [
        "Organisations by lodging cadence: monthly 3, quarterly 6, irregular 1; 2 of 9 lodge on another cadence than "
        "their declared tax period",
        "  by who runs BAS: own staff 4, adviser 2, both 4; by system: full only 7, simple only 2, both 1",
        "Advisers: 3 users ran BAS for several organisations, covering 6 organisations (46% of runs; at most 4 "
        "organisations each)",
        "Monthly active, Full BAS: 1,200 users and 800 organisations in September 2017; Jul–Sep 2017: 5 new, 700 "
        "returning, 1 dormant organisations",
        "Spikes and drops: 1 spike day, 2 drop days and 0 unusual hours; the biggest spike 27 Feb 2017 (Full BAS, "
        "900 runs against 400.5 expected: a due date)",
        "Forecast, next quarter (2017-10 to 2017-12): 60,000 Full BAS runs; the busiest day 23 Nov 2017 with 2,435 "
        "runs, the busiest hour 23 Nov 2017 10:00 with 238 runs",
        "The 10 most active of 1,343 organisations ran 4.7% of the runs",
        "At risk: 1 active organisation missed an expected lodgement (12 runs before), 1 of them two or more; 2 never "
        "ran BAS; 3 deleted and 0 suspended (not counted as low usage); the risk score's backtest AUC 0.81",
    ]
    assert chapter_facts_lines({}) == []


def test_every_chapter_beyond_the_brief_states_its_key_numbers():
    for name in CHAPTER_MODULES:
        assert callable(importlib.import_module(f"basstory.analyses.{name}").key_numbers)
    registered = {c.url_path for c in CHAPTERS}
    assert set(CHAPTER_MODULES) <= registered


def test_each_tracks_recommendation_draws_on_its_chapters(sample_data_dir):
    from basstory.analyses import at_risk, forecast, segments
    from basstory.analyses.chapter_facts import track_facts
    from basstory.ingest.store import DatasetStore
    from basstory.query.filters import StoryFilters
    from basstory.query.tables import connect_version

    con = connect_version(DatasetStore(sample_data_dir / "store").current())
    f = StoryFilters()
    assert track_facts(con, f, "operations") == {"forecast": forecast.key_numbers(con, f)}
    assert track_facts(con, f, "product") == {"segments": segments.key_numbers(con, f)}
    customers = track_facts(con, f, "customers")
    numbers = at_risk.key_numbers(con, f)
    assert customers["at_risk"] == {"at_risk_orgs": numbers["at_risk_orgs"], "at_risk_runs": numbers["at_risk_runs"]}
    assert set(customers) == {"at_risk", "advisers"} and track_facts(con, f, "nobody") == {}
