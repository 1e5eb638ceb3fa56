"""The generated sample: deterministic, in the extracts' exact formats, and realistic against the published figures
(docs/sample.md).

The realism checks compute the published figures from the CSV files themselves (duckdb, Sydney time), the way an
analyst would, so they hold the generator to the data contract rather than to its own internals.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import FULLBAS, ORGCARD, SIMPLEBAS
from basstory.ingest.sample import generate_sample

# The published figures of the case study's extracts (docs/sample.md), copied by hand.
FULL_RUNS = 239_862
FULL_RUNS_BY_CALENDAR_MONTH = [19_356, 29_986, 12_412, 18_521, 22_684, 11_786,
                               21_529, 27_251, 12_286, 23_493, 27_764, 12_794]  # January..December
SIMPLE_RUNS = 79_405
SIMPLE_RUNS_BY_MONTH = dict(zip(
    [f"{y}-{m:02d}" for y, m in [(2016, m) for m in range(8, 13)] + [(2017, m) for m in range(1, 13)]
     + [(2018, m) for m in range(1, 13)] + [(2019, 1), (2019, 2)]],
    [75, 1_192, 2_607, 2_190, 1_133,
     1_834, 2_761, 1_628, 3_891, 4_021, 2_365, 4_492, 3_907, 2_430, 4_762, 3_697, 1_599,
     2_808, 3_541, 1_806, 2_744, 2_629, 1_628, 3_259, 3_272, 1_888, 3_259, 2_590, 1_435,
     2_011, 1_951], strict=False,
))
ORGS = 1_471
TOP_PLANS = {"Standard": 366, "Premium 5": 306, "Premium": 189, "Premium 20": 157, "GST Cashbook": 88,
             "Premium 50": 85, "Starter": 46, "Premium 100": 27}
USERS, USER_ORG_PAIRS = 5_200, 6_800

GUID_LOWER = r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
GUID_UPPER = GUID_LOWER.replace("a-f", "A-F").replace("[89ab]", "[89AB]")
TIMESTRING = r"^\d{2}:\d{2}:\d{2}(\.\d{1,4})?Z$"
ORG_TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{2,3})?$"


def within(actual: float, expected: float, tolerance: float) -> bool:
    return abs(actual - expected) <= tolerance * expected


@dataclass
class Sample:
    """The scale-1 sample of the session: its folder, the returned counts, seconds taken, and a duckdb connection
    with the tables `org` (orgcard as text), `full_runs`, `simple_runs` and `runs` (both systems, joined per the
    contract, Sydney times)."""

    folder: Path
    counts: dict[str, int]
    seconds: float
    db: duckdb.DuckDBPyConnection

    def df(self, sql: str) -> pd.DataFrame:
        return self.db.execute(sql).df()

    def value(self, sql: str):
        return self.db.execute(sql).fetchone()[0]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    folder = tmp_path_factory.mktemp("sample_scale_1")
    started = time.perf_counter()
    counts = generate_sample(folder, scale=1.0, seed=42)
    seconds = time.perf_counter() - started
    print(f"\ngenerate_sample(scale=1) took {seconds:.1f} s")
    db = duckdb.connect()
    db.execute(f"""
        create table org as select * from read_csv('{folder}/orgcard.csv', all_varchar = true);
        create table full_raw as select * from read_csv('{folder}/fullbas.csv', all_varchar = true);
        create table simple_raw as select * from read_csv('{folder}/simplebas.csv', all_varchar = true);
        create table full_runs as
            select lower(userid) as user_key, lower(orgid) as org_ref, runtime::double as runtime,
                   (datestring || ' ' || rtrim(timestring, 'Z'))::timestamp as utc
            from full_raw;
        create table simple_runs as
            select lower(userid) as user_key, shortcode as org_ref, statementyear::int as statement_year,
                   statementmonth::int as statement_month, datetime::timestamp as utc
            from simple_raw;
        create table runs as
            select 'full' as system, r.user_key, coalesce(upper(o.organisationid), 'missing:' || r.org_ref) as org,
                   o.organisationstatus as status, o.payingflag as paying,
                   timezone('Australia/Sydney', r.utc at time zone 'UTC') as sydney, r.utc
            from full_runs r left join org o on r.org_ref = lower(o.organisationid)
            union all
            select 'simple', r.user_key, coalesce(upper(o.organisationid), 'missing:' || r.org_ref),
                   o.organisationstatus, o.payingflag,
                   timezone('Australia/Sydney', r.utc at time zone 'UTC'), r.utc
            from simple_runs r left join org o on r.org_ref = o.shortcode;
    """)
    return Sample(folder, counts, seconds, db)


# --- Determinism and the API -----------------------------------------------------------------------------------------

def _file_bytes(folder: Path) -> dict[str, bytes]:
    return {e.filename: (folder / e.filename).read_bytes() for e in (FULLBAS, SIMPLEBAS, ORGCARD)}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    first = generate_sample(tmp_path / "a", scale=0.05, seed=7)
    second = generate_sample(tmp_path / "b", scale=0.05, seed=7)
    other = generate_sample(tmp_path / "c", scale=0.05, seed=8)
    assert first == second
    assert _file_bytes(tmp_path / "a") == _file_bytes(tmp_path / "b")
    different = _file_bytes(tmp_path / "c")
    for name, content in _file_bytes(tmp_path / "a").items():
        assert content != different[name], name
    assert other["orgcard"] == first["orgcard"]  # sizes depend on scale only


def test_scale_multiplies_orgs_and_runs(tmp_path: Path) -> None:
    counts = generate_sample(tmp_path, scale=0.05)
    assert counts["orgcard"] == round(ORGS * 0.05)
    assert within(counts["fullbas"], FULL_RUNS * 0.05, 0.01)
    assert within(counts["simplebas"], SIMPLE_RUNS * 0.05, 0.01)


def test_counts_match_the_files(sample: Sample) -> None:
    assert sorted(p.name for p in sample.folder.iterdir()) == ["fullbas.csv", "orgcard.csv", "simplebas.csv"]
    assert sample.counts == {
        "fullbas": sample.value("select count(*) from full_raw"),
        "simplebas": sample.value("select count(*) from simple_raw"),
        "orgcard": sample.value("select count(*) from org"),
    }


def test_generation_time(sample: Sample) -> None:
    print(f"scale 1 generated in {sample.seconds:.1f} s (aim: under 15 s)")
    assert sample.seconds < 60  # a guard against pathologies, not a benchmark


# --- Formats ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("extract", [FULLBAS, SIMPLEBAS, ORGCARD], ids=lambda e: e.slot)
def test_header_line_endings_and_encoding(sample: Sample, extract) -> None:
    content = (sample.folder / extract.filename).read_bytes()
    content.decode("utf-8")
    assert b"\r" not in content and b'"' not in content
    assert content.split(b"\n", 1)[0].decode() == ",".join(extract.required)
    assert content.endswith(b"\n")


def test_full_bas_formats(sample: Sample) -> None:
    raw = pd.read_csv(sample.folder / FULLBAS.filename, dtype=str, keep_default_na=False)
    assert raw["datestring"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert raw["timestring"].str.match(TIMESTRING).all()
    digits = raw["timestring"].str.extract(r"(?:\.(\d+))?Z$")[0].fillna("").str.len().value_counts()
    assert set(digits.index) >= {0, 1, 2, 3, 4}, "the number of fractional digits varies"
    assert raw["userid"].str.match(GUID_LOWER).all()
    assert raw["orgid"].str.match(GUID_LOWER).all()
    assert set(raw["level"]) == {"INFO"} and set(raw["reportname"]) == {"ActivityStatement"}
    assert set(raw["versioncode"]) == {"VERSION/AU"} and set(raw["countrycode"]) == {"CNTRY/AU"}
    assert raw["runtime"].str.fullmatch(r"\d+\.\d+").all()
    assert raw["datestring"].min() >= "2016-10-01" and raw["datestring"].max() <= "2017-09-30"


def test_simple_bas_formats(sample: Sample) -> None:
    raw = pd.read_csv(sample.folder / SIMPLEBAS.filename, dtype=str, keep_default_na=False)
    assert raw["userid"].str.match(GUID_LOWER).all()
    assert raw["shortcode"].str.fullmatch(r"![A-Za-z0-9]{5}").all()
    assert raw["statementyear"].str.fullmatch(r"20\d\d").all()
    assert raw["statementmonth"].astype(int).between(1, 12).all()
    assert raw["datetime"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()


def test_org_table_formats(sample: Sample) -> None:
    org = pd.read_csv(sample.folder / ORGCARD.filename, dtype=str, keep_default_na=False)
    assert org["organisationid"].str.match(GUID_UPPER).all() and org["organisationid"].is_unique
    assert org["shortcode"].str.fullmatch(r"![A-Za-z0-9]{5}").all() and org["shortcode"].is_unique
    assert org["shortcode"].str.lower().duplicated().sum() >= 1, "some codes differ only in case"
    for column in ("createddateutc", "deleteddateutc"):
        stamps = org.loc[org[column] != "", column]
        assert stamps.str.match(ORG_TIMESTAMP).all(), column
    fractions = org["createddateutc"].str.extract(r"\.(\d+)$")[0].fillna("").str.len()
    assert set(fractions) == {0, 2, 3}
    assert ((org["deleteddateutc"] != "") == (org["organisationstatus"] == "Deleted")).all()
    signup = org.loc[org["signupdateutc"] != "", "signupdateutc"]
    assert signup.str.fullmatch(r"\d{4}-\d{2}-\d{2} 00:00:00").all()
    assert (signup >= org.loc[signup.index, "createddateutc"].str[:10] + " 00:00:00").all()
    assert set(org["provisionaltaxbasis"]) == {"None"}
    for column in ("salestaxbasis", "salestaxperiod", "salestaxtype", "incometaxbasis"):
        assert (org[column] == "None").any(), column
    for flag in ("managedbypracticeflag", "payingflag", "trialflag"):
        assert set(org[flag]) == {"0", "1"}, flag
    assert set(org["marketcode"]) == {"AU"}
    assert org["shardid"].astype(int).between(72, 166).all()
    assert org["nonpracticestaffusers"].astype(int).ge(0).all() and org["practicestaffusers"].astype(int).ge(0).all()


# --- Realism at scale 1 (docs/sample.md) ---------------------------------------------------------------------------

def test_row_counts(sample: Sample) -> None:
    assert within(sample.counts["fullbas"], FULL_RUNS, 0.10)
    assert within(sample.counts["simplebas"], SIMPLE_RUNS, 0.10)
    assert sample.counts["orgcard"] == ORGS


def test_full_bas_calendar_month_shape(sample: Sample) -> None:
    by_month = sample.df("select month(sydney) as month, count(*) as runs from runs where system = 'full' "
                         "group by 1 order by 1")
    assert list(by_month["month"]) == list(range(1, 13))
    for month, runs, expected in zip(by_month["month"], by_month["runs"], FULL_RUNS_BY_CALENDAR_MONTH, strict=False):
        assert within(runs, expected, 0.10), (month, runs, expected)
    assert by_month.loc[by_month["runs"].idxmax(), "month"] == 2  # February: the most runs


def test_simple_bas_monthly_series(sample: Sample) -> None:
    by_month = sample.df("select strftime(sydney, '%Y-%m') as month, count(*) as runs from runs "
                         "where system = 'simple' group by 1 order by 1")
    assert dict(zip(by_month["month"], by_month["runs"], strict=False)).keys() == SIMPLE_RUNS_BY_MONTH.keys()
    for month, runs in zip(by_month["month"], by_month["runs"], strict=False):
        assert within(runs, SIMPLE_RUNS_BY_MONTH[month], 0.10), (month, runs)


def test_org_status_paying_and_plans(sample: Sample) -> None:
    status = dict(sample.db.execute("select organisationstatus, count(*) from org group by 1").fetchall())
    assert status == {"Active": 1_381, "Deleted": 87, "Suspended": 3}
    non_paying_plans = sample.df("select productoption, count(*) as n from org where payingflag = '0' group by 1")
    assert non_paying_plans.to_dict("records") == [{"productoption": "Unknown", "n": 125}]
    plans = dict(sample.db.execute("select productoption, count(*) from org where organisationstatus = 'Active' "
                                   "and payingflag = '1' group by 1").fetchall())
    assert sum(plans.values()) == 1_345
    assert {plan: plans[plan] for plan in TOP_PLANS} == TOP_PLANS
    tail = {plan for plan in plans if " + " in plan}
    assert {"Premium 5 + Expenses", "Standard + Projects"} <= tail and len(tail) >= 10
    assert {"Payroll Cashbook", "Ledger"} <= plans.keys()


def _active_paying_shares(sample: Sample, column: str) -> dict[str, float]:
    rows = sample.db.execute(f"select {column}, count(*) / sum(count(*)) over () from org "
                             "where organisationstatus = 'Active' and payingflag = '1' group by 1").fetchall()
    return dict(rows)


def test_tax_period_channel_and_practice_shares(sample: Sample) -> None:
    period = _active_paying_shares(sample, "salestaxperiod")
    assert abs(period["Australian Quarterly (Option 1)"] - 0.88) <= 0.02
    assert abs(period["Australian Monthly"] - 0.10) <= 0.02
    assert 0 < period["Australian Annual"] <= 0.015
    channel = _active_paying_shares(sample, "channeltype")
    assert abs(channel["Accountant"] - 0.76) <= 0.04
    assert abs(channel["Bookkeeper"] - 0.15) <= 0.03
    assert abs(channel["Unknown"] - 0.09) <= 0.03
    assert {"Financial Advisor"} <= channel.keys()
    managed = _active_paying_shares(sample, "managedbypracticeflag")
    assert abs(managed["1"] - 0.92) <= 0.03
    unknown_channels = set(sample.df("select distinct saleschannel from org where channeltype = 'Unknown'")
                           ["saleschannel"])
    assert "Online" in unknown_channels


def test_users_and_user_org_pairs(sample: Sample) -> None:
    users, pairs = sample.db.execute("select count(distinct user_key), count(distinct (user_key, org)) "
                                     "from runs").fetchone()
    assert within(users, USERS, 0.10), users
    assert within(pairs, USER_ORG_PAIRS, 0.10), pairs
    orgs_per_user = sample.df("select user_key, count(distinct org) as orgs from runs group by 1")["orgs"]
    assert (orgs_per_user == 1).mean() > 0.8, "most users work on one org"
    assert 40 <= orgs_per_user.max() <= 100, "the busiest adviser works on dozens of orgs"
    both_systems = sample.value("select count(*) from (select user_key from runs group by 1 "
                                "having count(distinct system) = 2)")
    assert both_systems >= 100


def test_which_orgs_use_which_system(sample: Sample) -> None:
    systems = sample.df("""
        select systems, count(*) as orgs from (
            select org, string_agg(distinct system, '+' order by system) as systems from runs
            where status = 'Active' and paying = '1' group by 1)
        group by 1""").set_index("systems")["orgs"]
    assert systems["full"] > systems["full+simple"] + systems["simple"]
    assert 150 <= systems["simple"] + systems["full+simple"] <= 500
    assert 100 <= systems["full+simple"] <= 300


def test_runs_out_of_scope_and_orgs_missing_from_the_org_table(sample: Sample) -> None:
    shares = sample.df("""
        select avg(case when status is null then 1 else 0 end) as missing,
               avg(case when status is not null and not (status = 'Active' and paying = '1') then 1 else 0 end)
                   as out_of_scope
        from runs""").iloc[0]
    assert 0.004 <= shares["missing"] <= 0.012
    assert 0.008 <= shares["out_of_scope"] <= 0.03
    # Some missing Simple BAS short codes match an org only when case is ignored: the join must be exact.
    case_only = sample.value("select count(*) from simple_runs r join org o on lower(r.org_ref) = lower(o.shortcode) "
                             "where r.org_ref <> o.shortcode")
    assert case_only > 0


def test_weekdays_busier_than_weekends(sample: Sample) -> None:
    per_day = sample.df("select isodow(sydney) >= 6 as weekend, count(*) / count(distinct sydney::date) as per_day "
                        "from runs group by 1").set_index("weekend")["per_day"]
    assert per_day[False] > 3 * per_day[True]


def test_hour_profile_lunch_dip_and_quiet_nights(sample: Sample) -> None:
    hours = sample.df("select hour(sydney) as hour, count(*) as runs from runs group by 1").set_index("hour")["runs"]
    for busy_hour in (10, 11, 14, 15):
        assert hours[12] < hours[busy_hour], busy_hour
    assert hours.loc[0:5].sum() / hours.sum() < 0.03


def test_full_bas_runtime_is_right_skewed(sample: Sample) -> None:
    median, p99 = sample.db.execute("select median(runtime), quantile_cont(runtime, 0.99) from full_runs").fetchone()
    assert median < 1.5 and p99 > 10, (median, p99)
    busy_vs_quiet = sample.df("""
        with hourly as (select date_trunc('hour', utc) as hour, count(*) as runs, median(runtime) as median_runtime
                        from full_runs group by 1),
             busiest as (select quantile_cont(runs, 0.9) as threshold from hourly)
        select runs >= threshold as busy, avg(median_runtime) as runtime
        from hourly, busiest group by 1""").set_index("busy")["runtime"]
    assert busy_vs_quiet[True] > busy_vs_quiet[False], "the system is slower when busy"


def test_runs_pile_up_before_agent_due_dates(sample: Sample) -> None:
    daily = sample.df("select sydney::date as day, count(*) as runs from runs where system = 'full' group by 1")
    daily = daily.set_index(pd.to_datetime(daily["day"]))["runs"]
    daily = daily.reindex(pd.date_range("2016-10-01", "2017-09-30"), fill_value=0)
    due = bas_due_dates(pd.Timestamp("2016-10-01").date(), pd.Timestamp("2017-09-30").date())
    agent_due = [pd.Timestamp(d) for d in due.loc[due["cadence"] == "quarterly_agent", "due_date"]]
    assert len(agent_due) == 4
    for day in agent_due:
        before = daily[day - pd.Timedelta(days=7):day - pd.Timedelta(days=1)].mean()
        after = daily[day + pd.Timedelta(days=1):day + pd.Timedelta(days=7)].mean()
        assert before > 2 * after, (day.date(), before, after)


def test_reruns_within_half_an_hour(sample: Sample) -> None:
    shares = sample.df("""
        select system, avg(case when utc - previous <= interval 30 minute then 1 else 0 end) as share
        from (select system, utc, lag(utc) over (partition by system, user_key, org order by utc) as previous
              from runs)
        group by 1""").set_index("system")["share"]
    for system, share in shares.items():
        assert 0.30 <= share <= 0.70, (system, share)


def test_simple_bas_statement_lag(sample: Sample) -> None:
    lags = sample.df("""
        select (year(sydney) * 12 + month(sydney)) - (statement_year * 12 + statement_month) as lag_months
        from (select statement_year, statement_month,
                     timezone('Australia/Sydney', utc at time zone 'UTC') as sydney from simple_runs)""")["lag_months"]
    assert lags.between(0, 3).mean() > 0.85
    assert (lags > 3).any(), "some runs catch up on older periods"
    assert lags.ge(0).all(), "nobody reports on a future period"


def test_org_users_are_stable_across_periods(sample: Sample) -> None:
    # The people who run an org's Full BAS in the last quarter are mostly those who ran it in the first.
    overlap = sample.value("""
        with first_q as (select distinct org, user_key from runs
                         where system = 'full' and sydney < '2017-01-01'),
             last_q as (select distinct org, user_key from runs
                        where system = 'full' and sydney >= '2017-07-01')
        select avg(case when f.user_key is not null then 1 else 0 end)
        from last_q l left join first_q f using (org, user_key)
        where l.org in (select org from first_q)""")
    assert overlap > 0.6
