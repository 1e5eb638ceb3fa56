"""The fast engine (derived per-run table, query.tables) and the reference engine (today's per-run view) build the
same story: every chapter, with every metric, chart frame and sentence, for the default view and a set of filter
combinations (each filter, a date range that cuts re-run chains at both ends, the display zone, one system, an empty
result), on a hand-made dataset full of edge cases and on the test sample."""
from __future__ import annotations

import dataclasses
import importlib
from datetime import date

import altair as alt
import pandas as pd
import pytest

from basstory.ingest.store import DatasetStore
from basstory.query.filters import UNKNOWN_ORG_STATUS, StoryFilters
from basstory.query.tables import connect, connect_version, is_fast
from basstory.story.blocks import with_folds
from basstory.story.registry import CHAPTERS as CHAPTERS_REGISTERED
from tests.staged_fixtures import org, run, write_staged

CHAPTERS = ("cover", "interaction", "comparison", "segments", "advisers", "activity", "seasonality", "spikes",
            "forecast", "outage", "orgs", "at_risk", "recommendation")


def builder(name: str):
    """The chapter's builder, with every fold built (what the export shows)."""
    build = importlib.import_module(f"basstory.story.chapters.{name}").build
    return lambda con, filters, *choices: with_folds(build(con, filters, *choices), lambda s: s.build(con))


def canonical(value):
    """Blocks as plain data: dataclasses field by field (not those derived from the others, such as a chart block's
    spec: its chart is compared), frames as their values and dtypes, charts as their spec."""
    if isinstance(value, alt.TopLevelMixin):
        spec = value.to_dict(validate=False)     # the chart tests validate; here only the two engines' specs matter
        datasets = spec.pop("datasets", {})
        return canonical(_inline_datasets(spec, datasets))
    if isinstance(value, pd.DataFrame):
        return {"columns": list(value.columns), "dtypes": [str(t) for t in value.dtypes],
                "rows": canonical(value.astype(object).where(value.notna(), None).values.tolist())}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__,
                **{f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}}
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, float) and value != value:
        return "NaN"
    return value


def _inline_datasets(spec, datasets: dict):
    """A chart spec with each named dataset (whose name is a hash of its values) replaced by its values."""
    if isinstance(spec, dict):
        if set(spec) == {"name"} and spec["name"] in datasets:
            return {"values": datasets[spec["name"]]}
        return {k: _inline_datasets(v, datasets) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_inline_datasets(v, datasets) for v in spec]
    return spec


def same_number(a: float, b: float) -> bool:
    """Equal, or equal but for the last bits of a float summed in another order: within 1e-12 of the larger
    magnitude (or of 1, for numbers that are rounding noise around zero)."""
    return a == b or abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def differences(a, b, path: str = "") -> list[str]:
    """Where two canonical values differ (at most a few paths), for a readable failure."""
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        return [f"{path}: {type(a).__name__} {a!r:.120} != {type(b).__name__} {b!r:.120}"]
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a.keys() ^ b.keys())}"]
        return [d for k in a for d in differences(a[k], b[k], f"{path}.{k}")][:5]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=False)) for d in differences(x, y, f"{path}[{i}]")][:5]
    if isinstance(a, float) or isinstance(b, float):
        return [] if same_number(a, b) else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r:.120} != {b!r:.120}"]


def choices(name: str) -> list[tuple]:
    """Every page-level choice combination a chapter offers (the registry's choices, in its builder's order)."""
    chapter = next(c for c in CHAPTERS_REGISTERED if c.url_path == name)
    combos = [()]
    for spec in chapter.choices:
        combos = [c + (option,) for c in combos for option in spec.options]
    return combos


def assert_same_story(fast, reference, filters: StoryFilters, every_choice: bool = False) -> None:
    """Every chapter built by both engines is the same; with every_choice, for each page-level choice combination,
    else for the defaults."""
    assert is_fast(fast) and not is_fast(reference)
    for name in CHAPTERS:
        for chosen in (choices(name) if every_choice else choices(name)[:1]):
            got = canonical(builder(name)(fast, filters, *chosen))
            want = canonical(builder(name)(reference, filters, *chosen))
            diff = differences(got, want)
            assert not diff, f"{name}{chosen} with {filters}: " + "; ".join(diff)


# --- A hand-made dataset with the edge cases ------------------------------------------------------------------------

ORGS = [
    org("a1", "!A1", plan="Standard", tax_period="Quarterly", managed=True),
    org("b2", "!B2", plan="Premium 5 + Expenses", tax_period="Monthly", managed=False, channel_type="Bookkeeper"),
    org("c3", "!c3", plan="Premium 5", tax_period="Quarterly", managed=False),
    org("d4", "!D4", status="Deleted", plan="Standard"),
    org("e5", "!E5", paying=False, plan="Unknown", tax_period="Annual"),
    org("f6", "!F6", plan="Starter", tax_period="Annual", channel_type=""),
    org("g7", "!G7", status="Suspended", plan="Premium 20"),
    org("h8", "!H8", plan="GST Cashbook", tax_period="Quarterly", managed=True),  # never runs a report
]


def edge_runs() -> list[dict]:
    runs = [
        # a chain across midnight on 31 Jan / 1 Feb (Sydney): a date range starting 1 Feb cuts it
        run("full", "u1", "a1", local="2017-01-31 23:50", runtime=2.0),
        run("full", "u1", "a1", local="2017-02-01 00:10", runtime=3.0),
        run("full", "u1", "a1", local="2017-02-01 00:30", runtime=1.5),
        # a chain across midnight on 28 Feb / 1 Mar: a range ending 28 Feb cuts it
        run("full", "u1", "a1", local="2017-02-28 23:45", runtime=4.0),
        run("full", "u1", "a1", local="2017-03-01 00:05", runtime=4.0),
        # exactly 30 minutes apart (a repeat) and 31 (not), and two runs in the same instant
        run("full", "u2", "b2", local="2017-02-10 10:00", runtime=0.5),
        run("full", "u2", "b2", local="2017-02-10 10:30", runtime=0.5),
        run("full", "u2", "b2", local="2017-02-10 11:01", runtime=0.5),
        run("full", "u2", "b2", local="2017-02-10 11:01", runtime=9.0),
        # the same user for another org and the other system: an adviser
        run("simple", "u2", "c3", local="2017-02-10 10:05", statement=(2017, 1)),
        run("simple", "U2", "c3", local="2017-02-10 10:20", statement=(2016, 12)),
        run("simple", "u3", "c3", local="2017-04-02 02:30", statement=(2017, 3)),  # DST ends: repeated hour
        run("simple", "u3", "c3", local="2017-10-01 03:30", statement=(2017, 9)),  # DST starts
        run("simple", "u4", "f6", local="2017-05-20 09:00", statement=(2018, 1)),  # a later period
        run("simple", "u4", "f6", local="2018-06-21 09:00", statement=(2017, 1)),  # a year late
        # out of scope: deleted, non-paying, suspended, unknown (the same reference in both systems)
        run("full", "u5", "d4", local="2017-02-15 12:00"),
        run("full", "u5", "e5", local="2017-02-15 12:10"),
        run("simple", "u6", "g7", local="2017-03-01 08:00"),
        run("full", "u7", None, org_ref="zz", local="2017-03-02 09:00"),
        run("simple", "u7", None, org_ref="zz", local="2017-03-02 09:10"),
        run("simple", "u7", None, org_ref="yy", local="2017-03-03 09:10"),
    ]
    # enough regular traffic over 18 months for monthly, quarterly and forecast sections to have data
    for month in range(18):
        year, m = 2017 + (month + 1) // 12, (month + 1) % 12 + 1
        for day, hour, user, key, system in ((3, 9, "u8", "a1", "full"), (21, 14, "u9", "b2", "full"),
                                             (25, 11, "u8", "c3", "simple"), (12, 20, "u10", "f6", "full")):
            runs.append(run(system, user, key, local=f"{year}-{m:02d}-{day:02d} {hour:02d}:15",
                            runtime=1.0 + day / 10 if system == "full" else None,
                            statement=(year, m) if system == "simple" else None))
    return runs


FILTER_SETS = {
    "default": StoryFilters(),
    "dates cut chains": StoryFilters(start=date(2017, 2, 1), end=date(2017, 2, 28)),
    "one day": StoryFilters(start=date(2017, 2, 10), end=date(2017, 2, 10)),
    "from a month's first day, cut": StoryFilters(start=date(2017, 2, 1), end=date(2017, 2, 15)),
    "full only": StoryFilters(systems=("full",)),
    "simple only": StoryFilters(systems=("simple",)),
    "no system": StoryFilters(systems=()),
    "plan family": StoryFilters(plan_families=("Premium 5",)),
    "plan": StoryFilters(plans=("Premium 5 + Expenses", "Starter")),
    "tax period": StoryFilters(tax_periods=("Quarterly",)),
    "channel": StoryFilters(channel_types=("Accountant",)),
    "not managed": StoryFilters(managed="not managed"),
    "every status and unknown orgs": StoryFilters(statuses=("Active", "Deleted", "Suspended", UNKNOWN_ORG_STATUS),
                                                  paying="all"),
    "not paying": StoryFilters(paying="not paying"),
    "Perth time": StoryFilters(tz="Australia/Perth"),
    "UTC and a range": StoryFilters(tz="UTC", start=date(2017, 3, 1), end=date(2017, 9, 30)),
    "cut at both ends": StoryFilters(start=date(2017, 1, 20), end=date(2017, 3, 10)),
    "empty": StoryFilters(plan_families=("No such plan",)),
}


@pytest.fixture(scope="module")
def edge_engines(tmp_path_factory):
    runs_path, orgs_path = write_staged(tmp_path_factory.mktemp("edges"), edge_runs(), ORGS)
    return connect(runs_path, orgs_path), connect(runs_path, orgs_path, engine="reference")


@pytest.mark.parametrize("filters", FILTER_SETS.values(), ids=FILTER_SETS.keys())
def test_hand_made_story_is_identical(edge_engines, filters):
    assert_same_story(*edge_engines, filters, every_choice=filters in (StoryFilters(), FILTER_SETS["dates cut chains"]))


@pytest.mark.parametrize("name", ["cut at both ends", "UTC and a range", "one day"])
def test_without_month_sets_the_story_is_the_same(tmp_path, monkeypatch, name):
    """An extract spanning more months than a month set has bits counts its users and orgs from the summed cube:
    the same story."""
    from basstory.query import view

    runs_path, orgs_path = write_staged(tmp_path, edge_runs(), ORGS)
    monkeypatch.setattr(view, "MONTH_BITS", 1)
    fast = connect(runs_path, orgs_path)
    sets = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'user_org_month_set'"
    assert fast.execute(sets).fetchone()[0] == 0
    assert_same_story(fast, connect(runs_path, orgs_path, engine="reference"), FILTER_SETS[name])


SAMPLE_FILTERS = {
    "default": StoryFilters(),
    "a date range": StoryFilters(start=date(2017, 2, 3), end=date(2017, 8, 27)),
    "one system": StoryFilters(systems=("simple",)),
    "a plan family and Perth": StoryFilters(plan_families=("Premium 5", "Standard"), tz="Australia/Perth"),
    "wider scope": StoryFilters(statuses=("Active", "Deleted", UNKNOWN_ORG_STATUS), paying="all",
                                tax_periods=("Quarterly", "Monthly")),
}


@pytest.fixture(scope="module")
def sample_engines(sample_data_dir):
    version = DatasetStore(sample_data_dir / "store").current()
    return connect_version(version), connect_version(version, engine="reference")


@pytest.mark.parametrize("filters", SAMPLE_FILTERS.values(), ids=SAMPLE_FILTERS.keys())
def test_sample_story_is_identical(sample_engines, filters):
    assert_same_story(*sample_engines, filters, every_choice=filters == StoryFilters())


def test_a_changed_extract_is_derived_again(tmp_path):
    """The derived table follows its staged files: rewriting them (a test, or a version re-staged) derives anew."""
    folder = tmp_path / "v"
    first = connect(*write_staged(folder, edge_runs()[:3], ORGS))
    assert first.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
    second = connect(*write_staged(folder, edge_runs()[:5], ORGS))
    assert second.execute("SELECT count(*) FROM runs").fetchone()[0] == 5
