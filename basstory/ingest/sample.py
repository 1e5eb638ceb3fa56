"""A realistic, seeded sample of the three BAS extracts: fullbas.csv, simplebas.csv and orgcard.csv.

The sample imitates the real extracts that docs/data-formats.md describes: the same columns, formats and quirks
(GUID case,
fractional-second digits, the literal `None`, short codes that differ only in case), and, at scale 1, figures close to
the published ones (runs per month, the org mix, about 5,200 users). It is built from a small world:

- organisations with the org table's attributes (status, plan, channel, GST cadence, staff counts), plus a few orgs
  that run reports but are missing from the org table, as happens in real extracts;
- practices (accounting and bookkeeping firms) whose advisers serve many practice-managed orgs, and each org's own
  staff; an org keeps the same users from one BAS period to the next;
- sessions: a user opens an org's BAS report and re-runs it a few times within minutes.

Volumes are set top-down so the published month shapes come out exactly: each Sydney calendar month gets its published
number of runs (times `scale`). Inside a month, sessions are spread over days by the BAS calendar (runs pile up before
each due date of the org's cadence; weekdays are busier than weekends and holidays) and over the day by an office-hours
profile, in Sydney wall-clock time, then converted to UTC for the files. Everything is vectorised with numpy and written
month by month, so `scale=100` runs in bounded memory.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from basstory.core.calendar_au import bas_due_dates, national_public_holidays
from basstory.core.schema import FULLBAS, ORGCARD, SIMPLEBAS

# --- Published figures the sample reproduces (docs/sample.md) ---------------------------------------------------------

#: Full BAS runs per Sydney calendar month (the extract covers twelve months from October 2016).
FULL_BAS_RUNS_BY_MONTH: dict[str, int] = {
    "2016-10": 23_493, "2016-11": 27_764, "2016-12": 12_794, "2017-01": 19_356, "2017-02": 29_986,
    "2017-03": 12_412, "2017-04": 18_521, "2017-05": 22_684, "2017-06": 11_786, "2017-07": 21_529,
    "2017-08": 27_251, "2017-09": 12_286,
}
#: Simple BAS runs per Sydney calendar month, August 2016 to February 2019.
SIMPLE_BAS_RUNS_BY_MONTH: dict[str, int] = {
    "2016-08": 75, "2016-09": 1_192, "2016-10": 2_607, "2016-11": 2_190, "2016-12": 1_133,
    "2017-01": 1_834, "2017-02": 2_761, "2017-03": 1_628, "2017-04": 3_891, "2017-05": 4_021, "2017-06": 2_365,
    "2017-07": 4_492, "2017-08": 3_907, "2017-09": 2_430, "2017-10": 4_762, "2017-11": 3_697, "2017-12": 1_599,
    "2018-01": 2_808, "2018-02": 3_541, "2018-03": 1_806, "2018-04": 2_744, "2018-05": 2_629, "2018-06": 1_628,
    "2018-07": 3_259, "2018-08": 3_272, "2018-09": 1_888, "2018-10": 3_259, "2018-11": 2_590, "2018-12": 1_435,
    "2019-01": 2_011, "2019-02": 1_951,
}
#: Only 75 Simple BAS runs in August 2016: the report went live in the last days of the month.
SIMPLE_BAS_LAUNCH = date(2016, 8, 24)
#: The Full BAS extract holds UTC dates from this day on.
FULL_BAS_FIRST_UTC_DAY = date(2016, 10, 1)

#: Orgs in the org table at scale 1, by status (reference/orgcard.csv).
ORG_STATUS_COUNTS: dict[str, int] = {"Active": 1_381, "Deleted": 87, "Suspended": 3}
#: Non-paying orgs among each status (all Deleted orgs are non-paying); 125 in all, all on plan `Unknown`.
NON_PAYING_BY_STATUS: dict[str, float] = {"Active": 36 / 1_381, "Deleted": 1.0, "Suspended": 2 / 3}
#: Plans of the 1,345 active paying orgs at scale 1.
PLAN_COUNTS: dict[str, int] = {
    "Standard": 366, "Premium 5": 306, "Premium": 189, "Premium 20": 157, "GST Cashbook": 88, "Premium 50": 85,
    "Starter": 46, "Premium 100": 27, "Payroll Cashbook": 11, "Premium 5 + Expenses": 10, "Ledger": 8,
    "Premium 5 + Projects": 8, "Premium 20 + Expenses": 7, "Standard + Expenses": 6, "Standard + Projects": 5,
    "Non-GST Cashbook": 4, "Premium 50 + Expenses": 4, "Premium 100 + Expenses": 3, "Premium 20 + Projects": 3,
    "Premium + Projects": 2, "Premium + Expenses": 2, "Premium 50 + Projects + Expenses": 2, "Payroll only": 1,
    "Premium + Projects + Expenses": 1, "Starter + Projects": 1, "Premium 5 + Projects + Expenses": 1,
    "Starter + Expenses": 1, "Premium 100 + Projects": 1,
}
#: Plan family -> (mean non-practice staff users, relative report size). Bigger plans have more staff and more
#: transactions, so their reports take longer.
PLAN_FAMILY_PROFILE: dict[str, tuple[float, float]] = {
    "Standard": (2.5, 1.0), "Premium 5": (2.8, 1.1), "Premium": (3.8, 1.15), "Premium 20": (6.5, 1.3),
    "Premium 50": (11.5, 1.5), "Premium 100": (37.0, 1.8), "Starter": (2.9, 0.8), "GST Cashbook": (1.2, 0.7),
    "Non-GST Cashbook": (2.2, 0.7), "Payroll Cashbook": (1.0, 0.7), "Payroll only": (1.0, 0.7),
    "Ledger": (2.4, 0.7), "Unknown": (2.1, 1.0),
}
#: Plans sold only through practices: their orgs are always practice-managed.
PRACTICE_ONLY_FAMILIES = frozenset({"GST Cashbook", "Non-GST Cashbook", "Payroll Cashbook", "Payroll only", "Ledger"})
#: (saleschannel, channeltype, managedbypracticeflag) -> orgs in the reference org table.
CHANNEL_COUNTS: dict[tuple[str, str, int], int] = {
    ("Partner", "Accountant", 1): 1_074, ("Partner", "Accountant", 0): 17, ("Partner", "Bookkeeper", 1): 222,
    ("Partner", "Bookkeeper", 0): 8, ("Online", "Bookkeeper", 0): 1, ("Online", "Unknown", 0): 130,
    ("Online", "Unknown", 1): 2, ("Partner", "Unknown", 1): 1, ("Partner", "Financial Advisor", 1): 11,
    ("Partner", "Franchise", 1): 2, ("Partner", "INTERNALDIRECT", 1): 1, ("Partner", "Not for Profit", 1): 1,
    ("Partner", "Other", 1): 1,
}
#: Share of non-paying orgs not managed by a practice (42 of 125 in the reference; 8% of paying orgs).
NON_PAYING_UNMANAGED_SHARE = 42 / 125
#: salestaxperiod -> orgs in the reference org table.
TAX_PERIOD_COUNTS: dict[str, int] = {
    "Australian Quarterly (Option 1)": 1_301, "Australian Monthly": 149, "Australian Annual": 8,
    "Australian Quarterly (Option 2)": 6, "None": 5, "Australian Quarterly (Option 3)": 2,
}
INCOME_TAX_BASIS_SHARES: dict[str, float] = {
    "None": 959, "Australian Quarterly Installment (Option 1)": 383, "Australian Income Times (Option 2)": 129,
}
#: Years orgs were created in (reference org table); orgs that use Full BAS exist before its extract ends.
CREATED_YEAR_WEIGHTS_FULL: dict[int, float] = {2010: 5, 2011: 27, 2012: 63, 2013: 122, 2014: 200, 2015: 266,
                                               2016: 277, 2017: 150}
CREATED_YEAR_WEIGHTS_SIMPLE_ONLY: dict[int, float] = {2011: 5, 2012: 15, 2013: 30, 2014: 50, 2015: 70, 2016: 80,
                                                      2017: 60, 2018: 30}
DELETED_YEAR_WEIGHTS: dict[int, float] = {2017: 11, 2018: 39, 2019: 55, 2020: 11}

# --- Behaviour knobs -------------------------------------------------------------------------------------------------

#: Share of orgs that use Simple BAS (some of them use Full BAS too), and of those, the share that use both.
SIMPLE_ORG_SHARE = 0.22
BOTH_SHARE_OF_SIMPLE = 0.55
#: Orgs that run reports but are missing from the org table, as a share of the org table.
GHOST_ORG_SHARE = 0.012
#: Activity of out-of-scope (deleted, suspended, non-paying) and missing orgs relative to in-scope orgs; they exist in
#: the extracts but run few reports (docs/counting.md: the story reports how many runs it left out).
OUT_OF_SCOPE_ACTIVITY = 0.15
GHOST_ACTIVITY = 0.5
#: Quarterly lodgers that are practice-managed mostly lodge through their agent (later due dates).
AGENT_SHARE_MANAGED, AGENT_SHARE_UNMANAGED = 0.9, 0.15

#: Share of a system's runs by reason: preparing the monthly BAS, the self-lodged quarterly BAS, the quarterly BAS
#: lodged through an agent, or ad hoc (checking GST mid-period, amendments). The monthly and ad-hoc runs make the
#: floor of about 12,000 Full BAS runs in the quiet months; the quarterly ones make the peaks.
COMPONENTS: tuple[str, ...] = ("monthly", "quarterly", "quarterly_agent", "adhoc")
COMPONENT_SHARES: dict[str, dict[str, float]] = {
    "full": {"monthly": 0.20, "quarterly": 0.10, "quarterly_agent": 0.33, "adhoc": 0.37},
    "simple": {"monthly": 0.12, "quarterly": 0.20, "quarterly_agent": 0.15, "adhoc": 0.53},
}
#: Runs for a BAS period build up from the period's end to the due date: weight exp(RAMP * (u - 1)) at fraction u of
#: the way; a few runs preview the period before it ends and a few come late.
LEAD_RAMP = 2.5
PREVIEW_DAYS, PREVIEW_WEIGHT = 10, 0.15
LATE_DAYS, LATE_WEIGHT = 10, 0.25
#: Day-of-week activity: (Mon-Fri, Saturday, Sunday/public holiday), and the summer break when offices close.
BUSINESS_DAY_WEIGHT, SATURDAY_WEIGHT, SUNDAY_HOLIDAY_WEIGHT = 1.0, 0.2, 0.15
SUMMER_BREAK_WEIGHT = 0.45
#: Runs by hour of day (Sydney wall-clock): office hours with a lunch dip, a little evening work, few runs at night.
HOUR_WEIGHTS_WORKDAY = np.array([0.3, 0.15, 0.08, 0.06, 0.08, 0.25, 0.9, 2.6, 5.8, 8.6, 9.4, 9.2,
                                 6.2, 7.4, 9.0, 8.8, 7.6, 5.6, 3.2, 2.6, 2.9, 2.5, 1.5, 0.7])
HOUR_WEIGHTS_DAY_OFF = np.array([0.5, 0.2, 0.1, 0.08, 0.08, 0.2, 0.6, 1.5, 3.5, 5.5, 7.0, 7.2,
                                 6.0, 6.4, 6.8, 6.5, 5.8, 4.8, 4.0, 4.2, 4.5, 3.8, 2.2, 1.0])
#: Runs per session (a user re-running one org's report), and the gap between re-runs (seconds, lognormal).
SESSION_SIZE_WEIGHTS = np.array([0.45, 0.25, 0.13, 0.08, 0.05, 0.04])
RERUN_GAP_MEDIAN_S, RERUN_GAP_SIGMA, RERUN_GAP_RANGE_S = 150.0, 0.6, (40.0, 600.0)

TZ = "Australia/Sydney"
TICKS_PER_SECOND = 10_000          # times are int64 ticks of 0.1 ms: the extracts show up to 4 fractional digits
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
_EPOCH_DAY = np.datetime64("1970-01-01", "D")
_WRITE_SLICE_ROWS = 500_000        # rows formatted at once, to bound memory at large scales


# --- The org world ---------------------------------------------------------------------------------------------------

@dataclass
class _Orgs:
    """Grain: one row per organisation, including the ghost orgs (the last `n_ghost` rows) missing from the org table.

    Arrays are aligned by org index. `cadence` is how the org lodges its BAS ('monthly', 'quarterly',
    'quarterly_agent', or 'adhoc' for annual/unset); `practice` is -1 for orgs not managed by a practice;
    `uses_full`/`uses_simple` say which systems the org runs; `activity_full`/`activity_simple` weight how often.
    """

    guid: np.ndarray                # S36, lower case
    shortcode: np.ndarray           # object (str)
    status: np.ndarray              # object (str)
    paying: np.ndarray              # bool
    plan: np.ndarray                # object (str)
    plan_family: np.ndarray         # object (str)
    sales_channel: np.ndarray       # object (str)
    channel_type: np.ndarray        # object (str)
    managed: np.ndarray             # bool
    tax_period: np.ndarray          # object (str)
    cadence: np.ndarray             # object (str)
    nonpractice_staff: np.ndarray   # int
    practice_staff: np.ndarray      # int
    created: np.ndarray             # datetime64[s], UTC
    deleted: np.ndarray             # datetime64[s], UTC, NaT unless Deleted
    practice: np.ndarray            # int
    uses_full: np.ndarray           # bool
    uses_simple: np.ndarray         # bool
    simple_first_month: np.ndarray  # int index into SIMPLE_BAS_RUNS_BY_MONTH
    simple_last_month: np.ndarray   # int, inclusive
    activity_full: np.ndarray       # float
    activity_simple: np.ndarray     # float
    report_size: np.ndarray         # float, runtime multiplier
    n_ghost: int

    def __len__(self) -> int:
        return len(self.guid)


@dataclass
class _UserLinks:
    """Grain: one row per (org, user) link, sorted by org. `cum_weight` is org + the cumulative share of that org's
    runs up to and including this link, so a user is drawn for org o by searching o + U(0, 1)."""

    org: np.ndarray         # int
    user: np.ndarray        # int
    cum_weight: np.ndarray  # float
    user_guid: np.ndarray   # S36 per user index (not per link)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights` (largest remainder), so counts are exact."""
    weights = np.asarray(weights, dtype=float)
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    short = total - counts.sum()
    if short > 0:
        counts[np.argsort(-(quotas - counts), kind="stable")[:short]] += 1
    return counts


def _exact_labels(rng: np.random.Generator, total: int, labels: list, weights: list[float]) -> np.ndarray:
    """`total` labels in random order with counts exactly proportional to `weights` (largest remainder)."""
    counts = _allocate(total, np.array(weights, dtype=float))
    out = np.empty(total, dtype=object)
    out[:] = np.repeat(np.array(labels, dtype=object), counts)
    return out[rng.permutation(total)]


def _random_guids(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` lower-case uuid4-shaped GUIDs as an S36 array, drawn from the seeded generator."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40   # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80   # RFC 4122 variant
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = raw >> 4
    nibbles[:, 1::2] = raw & 0x0F
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    hex_positions = [i for i in range(36) if i not in (8, 13, 18, 23)]
    text[:, hex_positions] = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    return text.view("S36").ravel()


_SHORTCODE_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", dtype=np.uint8)


def _case_variant(code: str) -> str:
    """The short code with the case of its first letter swapped ("!V5xDN" -> "!v5xDN")."""
    for i, ch in enumerate(code):
        if ch.isalpha():
            return code[:i] + ch.swapcase() + code[i + 1:]
    raise ValueError(f"{code!r} has no letter")


def _shortcodes(rng: np.random.Generator, n_real: int, n_ghost: int) -> np.ndarray:
    """Unique short codes ("!" + 5 of [A-Za-z0-9]). A few real orgs get a code that differs from another real org's
    only in case (two different orgs: the join must be exact), and some ghost orgs get a case variant of a real org's
    code, so a case-insensitive join would wrongly find them."""
    n = n_real + n_ghost
    codes: list[str] = []
    seen: set[str] = set()
    while len(codes) < n:
        draws = _SHORTCODE_ALPHABET[rng.integers(0, len(_SHORTCODE_ALPHABET), size=(n - len(codes) + 16, 5))]
        for row in draws:
            code = "!" + row.tobytes().decode("ascii")
            if code not in seen and any(c.isalpha() for c in code):
                seen.add(code)
                codes.append(code)
                if len(codes) == n:
                    break
    n_case_pairs = max(1, round(n_real * 0.004))
    n_ghost_variants = min(n_ghost, max(1, round(n_ghost * 0.3))) if n_ghost else 0
    picks = rng.choice(n_real, size=2 * n_case_pairs + n_ghost_variants, replace=False)
    sources, targets = picks[:n_case_pairs], picks[n_case_pairs:2 * n_case_pairs]
    for source, target in zip(sources, targets, strict=False):
        if _case_variant(codes[source]) in seen:
            continue
        seen.discard(codes[target])
        codes[target] = _case_variant(codes[source])
        seen.add(codes[target])
    for k, source in enumerate(picks[2 * n_case_pairs:]):
        variant = _case_variant(codes[source])
        if variant not in seen:
            codes[n_real + k] = variant
            seen.add(variant)
    return np.array(codes, dtype=object)


def _random_times_in_years(rng: np.random.Generator, years: np.ndarray, latest: np.datetime64) -> np.ndarray:
    """A random UTC second within each given year, no later than `latest` (datetime64[s])."""
    starts = np.array([f"{y}-01-01" for y in years], dtype="datetime64[s]")
    ends = np.minimum(np.array([f"{y + 1}-01-01" for y in years], dtype="datetime64[s]"), latest)
    spans = (ends - starts).astype(np.int64)
    return starts + (rng.random(len(years)) * spans).astype(np.int64).astype("timedelta64[s]")


def _negative_binomial(rng: np.random.Generator, mean: np.ndarray, dispersion: float) -> np.ndarray:
    """Counts with the given means and a long right tail (gamma-Poisson), like staff counts."""
    return rng.poisson(rng.gamma(dispersion, np.asarray(mean, dtype=float) / dispersion))


def _build_orgs(rng: np.random.Generator, scale: float) -> _Orgs:
    """Draw the organisations: the org table's attributes in the reference proportions, exact counts where
    docs/sample.md
    gives them, plus the ghost orgs missing from the org table."""
    n_real = max(40, round(sum(ORG_STATUS_COUNTS.values()) * scale))
    n_ghost = max(1, round(n_real * GHOST_ORG_SHARE))
    n = n_real + n_ghost

    status = np.empty(n, dtype=object)
    status[:n_real] = _exact_labels(rng, n_real, list(ORG_STATUS_COUNTS), list(ORG_STATUS_COUNTS.values()))
    status[n_real:] = "Active"
    paying = np.ones(n, dtype=bool)
    for name, share in NON_PAYING_BY_STATUS.items():
        idx = np.flatnonzero(status[:n_real] == name)
        n_non_paying = round(len(idx) * share)
        paying[rng.choice(idx, size=n_non_paying, replace=False)] = False

    plan = np.full(n, "Unknown", dtype=object)
    active_paying = np.flatnonzero((status[:n_real] == "Active") & paying[:n_real])
    plan[active_paying] = _exact_labels(rng, len(active_paying), list(PLAN_COUNTS), list(PLAN_COUNTS.values()))
    other_paying = np.flatnonzero(paying & ((status != "Active") | (np.arange(n) >= n_real)))
    plan_weights = np.array(list(PLAN_COUNTS.values()), dtype=float)
    plan[other_paying] = rng.choice(np.array(list(PLAN_COUNTS), dtype=object), size=len(other_paying),
                                    p=plan_weights / plan_weights.sum())
    plan_family = np.array([p.split(" + ")[0] for p in plan], dtype=object)
    add_ons = np.array([p.count(" + ") for p in plan])

    # Channel: drawn jointly (the reference's combinations); practice-only plans always come through a practice.
    combos = list(CHANNEL_COUNTS)
    combo_weights = np.array(list(CHANNEL_COUNTS.values()), dtype=float)
    managed_combo = np.array([c[2] == 1 for c in combos])
    practice_only = np.isin(plan_family, list(PRACTICE_ONLY_FAMILIES))
    combo = _exact_labels(rng, n, list(range(len(combos))), list(combo_weights)).astype(np.int64)
    misfits = np.flatnonzero(practice_only & ~managed_combo[combo])
    partners = np.flatnonzero(~practice_only & managed_combo[combo])
    partners = rng.choice(partners, size=min(len(misfits), len(partners)), replace=False)
    misfits = misfits[:len(partners)]
    combo[misfits], combo[partners] = combo[partners], combo[misfits]  # swap, so the counts stay exact
    # Non-paying orgs come more often straight from the website, without a practice (a third of them).
    non_paying_managed = np.flatnonzero(~paying & managed_combo[combo])
    short = round((~paying).sum() * NON_PAYING_UNMANAGED_SHARE) - int((~paying & ~managed_combo[combo]).sum())
    paying_unmanaged = np.flatnonzero(paying & ~practice_only & ~managed_combo[combo])
    swaps = max(0, min(short, len(non_paying_managed), len(paying_unmanaged)))
    if swaps:
        to_unmanaged = rng.choice(non_paying_managed, size=swaps, replace=False)
        to_managed = rng.choice(paying_unmanaged, size=swaps, replace=False)
        combo[to_unmanaged], combo[to_managed] = combo[to_managed], combo[to_unmanaged]
    sales_channel = np.array([combos[i][0] for i in combo], dtype=object)
    channel_type = np.array([combos[i][1] for i in combo], dtype=object)
    managed = managed_combo[combo]

    tax_period = _exact_labels(rng, n, list(TAX_PERIOD_COUNTS), list(TAX_PERIOD_COUNTS.values()))
    quarterly = np.char.startswith(tax_period.astype(str), "Australian Quarterly")
    agent = rng.random(n) < np.where(managed, AGENT_SHARE_MANAGED, AGENT_SHARE_UNMANAGED)
    cadence = np.full(n, "adhoc", dtype=object)
    cadence[tax_period == "Australian Monthly"] = "monthly"
    cadence[quarterly & agent] = "quarterly_agent"
    cadence[quarterly & ~agent] = "quarterly"

    staff_mean = np.array([PLAN_FAMILY_PROFILE[f][0] for f in plan_family])
    nonpractice_staff = _negative_binomial(rng, staff_mean, 1.2)
    practice_staff = np.where(managed, 1 + _negative_binomial(rng, np.full(n, 5.2), 1.5),
                              np.where(rng.random(n) < 0.16, 1 + rng.poisson(2.0, n), 0))
    practice_staff = np.minimum(practice_staff, 70)
    report_size = np.array([PLAN_FAMILY_PROFILE[f][1] for f in plan_family]) * (1 + 0.05 * add_ons)
    report_size *= 1 + 0.01 * np.minimum(nonpractice_staff + practice_staff, 100)

    # Which systems: Simple BAS leans to smaller orgs that look after their own BAS.
    simple_affinity = np.where(managed, 1.0, 2.2) * np.where(
        np.isin(plan_family, ["Starter", "Standard", "GST Cashbook", "Non-GST Cashbook"]), 1.3,
        np.where(np.isin(plan_family, ["Premium 50", "Premium 100"]), 0.5, 1.0))
    n_simple = max(2, round(n * SIMPLE_ORG_SHARE))
    simple = rng.choice(n, size=n_simple, replace=False, p=simple_affinity / simple_affinity.sum())
    uses_simple = np.zeros(n, dtype=bool)
    uses_simple[simple] = True
    uses_full = np.ones(n, dtype=bool)
    simple_only = simple[rng.random(n_simple) >= BOTH_SHARE_OF_SIMPLE]
    uses_full[simple_only] = False

    # Creation: orgs on Full BAS existed before its extract ended; Simple-only orgs may be newer.
    full_years = rng.choice(list(CREATED_YEAR_WEIGHTS_FULL), size=n,
                            p=_normalised(CREATED_YEAR_WEIGHTS_FULL.values()))
    simple_years = rng.choice(list(CREATED_YEAR_WEIGHTS_SIMPLE_ONLY), size=n,
                              p=_normalised(CREATED_YEAR_WEIGHTS_SIMPLE_ONLY.values()))
    created = np.where(uses_full,
                       _random_times_in_years(rng, full_years, np.datetime64("2017-09-01T00:00:00")),
                       _random_times_in_years(rng, simple_years, np.datetime64("2018-12-15T00:00:00")))
    # Sign-ups happen in Sydney office hours: shift the UTC time of day there (22:00-07:00 UTC mostly).
    day_start = created.astype("datetime64[D]").astype("datetime64[s]")
    office_seconds = ((rng.normal(12.5, 2.2, n) - 10.0) % 24 * 3600).astype(np.int64)
    created = day_start + office_seconds.astype("timedelta64[s]")

    deleted = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    is_deleted = status == "Deleted"
    del_years = rng.choice(list(DELETED_YEAR_WEIGHTS), size=int(is_deleted.sum()),
                           p=_normalised(DELETED_YEAR_WEIGHTS.values()))
    del_times = _random_times_in_years(rng, del_years, np.datetime64("2020-02-28T00:00:00"))
    earliest = created[is_deleted] + np.timedelta64(60, "D")
    del_times = np.where(del_times < earliest, earliest + (rng.random(len(del_times)) * 400 * 86400).astype(
        np.int64).astype("timedelta64[s]"), del_times)
    # Most deletions come from a nightly clean-up job around 01:30 Sydney (14:30-15:50 UTC).
    nightly = rng.random(len(del_times)) < 0.8
    job_seconds = (14.5 * 3600 + rng.random(len(del_times)) * 80 * 60).astype(np.int64)
    del_days = del_times.astype("datetime64[D]").astype("datetime64[s]")
    deleted[is_deleted] = np.where(nightly, del_days + job_seconds.astype("timedelta64[s]"), del_times)

    first_month, last_month = _simple_windows(rng, created, deleted)

    out_of_scope = (status != "Active") | ~paying
    activity_scale = np.where(out_of_scope, OUT_OF_SCOPE_ACTIVITY, 1.0)
    activity_scale[n_real:] = GHOST_ACTIVITY
    size_activity = (1 + nonpractice_staff + practice_staff) ** 0.25
    activity_full = rng.lognormal(0.0, 0.6, n) * size_activity * activity_scale * uses_full
    activity_simple = rng.lognormal(0.0, 0.6, n) * size_activity * activity_scale * uses_simple

    orgs = _Orgs(
        guid=_random_guids(rng, n), shortcode=_shortcodes(rng, n_real, n_ghost), status=status, paying=paying,
        plan=plan, plan_family=plan_family, sales_channel=sales_channel, channel_type=channel_type, managed=managed,
        tax_period=tax_period, cadence=cadence, nonpractice_staff=nonpractice_staff, practice_staff=practice_staff,
        created=created, deleted=deleted, practice=np.full(n, -1), uses_full=uses_full, uses_simple=uses_simple,
        simple_first_month=first_month, simple_last_month=last_month, activity_full=activity_full,
        activity_simple=activity_simple, report_size=report_size, n_ghost=n_ghost,
    )
    orgs.practice = _assign_practices(rng, managed)
    return orgs


def _simple_windows(rng: np.random.Generator, created: np.ndarray,
                    deleted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last month (indices into SIMPLE_BAS_RUNS_BY_MONTH, inclusive) each org may use Simple BAS.

    Orgs take it up as its volume grows after launch and some drop it as volume falls, so the number of orgs in use
    follows the volume's trend and runs per org stay steady. Trends are read through a 3-month mean for take-up (one
    whole quarterly cycle, so the seasonal peaks cancel) and a 7-month mean for drop-outs (so a quiet December does
    not make anybody leave). Orgs created later start after they were created; deleted orgs stop.
    """
    n = len(created)
    volume = pd.Series(list(SIMPLE_BAS_RUNS_BY_MONTH.values()), dtype=float)
    quarter_mean = volume.rolling(3, center=True, min_periods=1).mean().to_numpy()
    adopted = np.maximum.accumulate(quarter_mean) / quarter_mean.max()       # share of orgs started by month m
    long_mean = volume.rolling(7, center=True, min_periods=1).mean().to_numpy()
    retained = long_mean / np.maximum.accumulate(long_mean)                  # share of starters still using it
    n_months = len(volume)
    months = np.arange(n_months)

    first_month = np.searchsorted(adopted, rng.random(n))
    created_month = _month_index(created, "2016-08")
    first_month = np.maximum(first_month, created_month + rng.geometric(0.4, n) - 1)
    first_month = np.clip(first_month, 0, n_months - 1)
    leaves = (retained[None, :] < rng.random(n)[:, None]) & (months[None, :] > first_month[:, None])
    last_month = np.where(leaves.any(axis=1), leaves.argmax(axis=1) - 1, n_months - 1)
    deleted_month = np.where(np.isnat(deleted), n_months - 1, _month_index(deleted, "2016-08") - 1)
    last_month = np.clip(np.minimum(last_month, deleted_month), first_month, n_months - 1)
    return first_month, last_month


def _normalised(weights) -> np.ndarray:
    array = np.array(list(weights), dtype=float)
    return array / array.sum()


def _month_index(times: np.ndarray, first_month: str) -> np.ndarray:
    """Months since `first_month` ('YYYY-MM') of datetime64 values (NaT gives a large negative number)."""
    return (times.astype("datetime64[M]") - np.datetime64(first_month, "M")).astype(np.int64)


# --- Practices and users ---------------------------------------------------------------------------------------------

#: Practice sizes (orgs in this sample per practice) follow a capped Pareto: many firms with one or two clients here,
#: a few with dozens, whose lead adviser then runs reports for 40-70 orgs.
PRACTICE_SIZE_TAIL, PRACTICE_SIZE_CAP = 1.3, 100
#: Advisers per practice grow slower than its client count; the lead adviser does most of the work.
ADVISER_WEIGHT_DECAY = 1.3
ADVISERS_PER_ORG_WEIGHTS = np.array([0.2, 0.4, 0.4])       # 1, 2 or 3 advisers look after an org
#: An org's own staff who run BAS: 1 + Poisson(base + per_staff * non-practice staff), and their share of the runs
#: of a practice-managed org (the practice does most).
OWN_USERS_BASE, OWN_USERS_PER_STAFF, OWN_USERS_STAFF_CAP = 1.6, 0.3, 10
OWN_SHARE_WHEN_MANAGED = 0.28
#: Owners who also run a related org of the same practice (family company, trust).
OWN_USER_SECOND_ORG_SHARE = 0.1


def _practice_sizes(n_managed: int) -> np.ndarray:
    """Practice sizes summing to `n_managed`, at evenly spaced quantiles of the capped Pareto (so the largest practices
    are there at every scale and seed)."""
    if n_managed == 0:
        return np.zeros(0, dtype=np.int64)

    def sizes_for(n_practices: int) -> np.ndarray:
        quantiles = (np.arange(n_practices) + 0.5) / n_practices
        return np.minimum(PRACTICE_SIZE_CAP, np.floor((1 - quantiles) ** (-1 / PRACTICE_SIZE_TAIL))).astype(np.int64)

    low, high = 1, n_managed
    while low < high:  # the fewest practices whose sizes reach n_managed
        mid = (low + high) // 2
        if sizes_for(mid).sum() >= n_managed:
            high = mid
        else:
            low = mid + 1
    sizes = sizes_for(low)
    excess = sizes.sum() - n_managed
    shrinkable = np.flatnonzero(sizes > 1)[::-1]  # take the excess off the mid-sized practices
    sizes[shrinkable[:excess]] -= 1
    return sizes


def _assign_practices(rng: np.random.Generator, managed: np.ndarray) -> np.ndarray:
    """Practice index per org (-1 when not practice-managed)."""
    managed_idx = np.flatnonzero(managed)
    sizes = _practice_sizes(len(managed_idx))
    practice = np.full(len(managed), -1, dtype=np.int64)
    practice[rng.permutation(managed_idx)] = np.repeat(np.arange(len(sizes)), sizes)
    return practice


def _segment_cum_weights(group: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """For rows sorted by `group`: group + cumulative share of the group's weight up to and including each row; the
    last row of each group gets exactly group + 1, so `searchsorted(cum, g + U[0,1), 'right')` draws within g."""
    totals = np.bincount(group, weights=weights)
    cum = np.cumsum(weights)
    first_in_group = np.r_[True, group[1:] != group[:-1]]
    group_start_cum = np.maximum.accumulate(np.where(first_in_group, cum - weights, 0.0))
    share = (cum - group_start_cum) / totals[group]
    last_in_group = np.r_[group[1:] != group[:-1], True]
    return group + np.where(last_in_group, 1.0, np.minimum(share, 1.0))


def _link_users(rng: np.random.Generator, orgs: _Orgs) -> _UserLinks:
    """Create the users and who works on which org, with how much of each org's runs they do."""
    n = len(orgs)
    # Advisers: each practice has a few, weighted so that the first (the lead) takes the biggest share of clients.
    n_practices = int(orgs.practice.max()) + 1 if (orgs.practice >= 0).any() else 0
    practice_sizes = np.bincount(orgs.practice[orgs.practice >= 0], minlength=n_practices)
    advisers_per_practice = 1 + np.round(0.8 * practice_sizes ** 0.6).astype(np.int64)  # 2 for 1 org, 14 for 100
    adviser_practice = np.repeat(np.arange(n_practices), advisers_per_practice)
    adviser_rank = np.arange(len(adviser_practice)) - np.repeat(np.cumsum(advisers_per_practice)
                                                                - advisers_per_practice, advisers_per_practice)
    adviser_cum = _segment_cum_weights(adviser_practice, 1.0 / (1 + adviser_rank) ** ADVISER_WEIGHT_DECAY)

    managed_orgs = np.flatnonzero(orgs.practice >= 0)
    picks_per_org = rng.choice(np.arange(1, 4), size=len(managed_orgs), p=ADVISERS_PER_ORG_WEIGHTS)
    pick_org = np.repeat(managed_orgs, picks_per_org)
    pick_adviser = np.searchsorted(adviser_cum, orgs.practice[pick_org] + rng.random(len(pick_org)), side="right")
    adviser_pairs = np.unique(np.stack([pick_org, pick_adviser], axis=1), axis=0)

    # Each org's own staff who run BAS; user ids come after the advisers'.
    own_counts = 1 + rng.poisson(OWN_USERS_BASE + OWN_USERS_PER_STAFF
                                 * np.minimum(orgs.nonpractice_staff, OWN_USERS_STAFF_CAP))
    n_advisers = len(adviser_practice)
    own_org = np.repeat(np.arange(n), own_counts)
    own_user = n_advisers + np.arange(len(own_org))
    # A few owners also run a related org of the same practice.
    managed_own = np.flatnonzero(orgs.practice[own_org] >= 0)
    second = rng.choice(managed_own, size=round(len(managed_own) * OWN_USER_SECOND_ORG_SHARE), replace=False) \
        if len(managed_own) else np.zeros(0, dtype=np.int64)
    practice_members = np.argsort(orgs.practice, kind="stable")[np.sum(orgs.practice < 0):]  # orgs sorted by practice
    member_start = np.r_[0, np.cumsum(practice_sizes)[:-1]]
    second_practice = orgs.practice[own_org[second]]
    second_org = practice_members[member_start[second_practice]
                                  + (rng.random(len(second)) * practice_sizes[second_practice]).astype(np.int64)]

    link_org = np.concatenate([adviser_pairs[:, 0], own_org, second_org])
    link_user = np.concatenate([adviser_pairs[:, 1], own_user, own_user[second]])
    is_adviser = np.concatenate([np.ones(len(adviser_pairs), bool), np.zeros(len(own_org) + len(second), bool)])
    raw = rng.exponential(1.0, len(link_org))  # Dirichlet shares within each org and role
    raw[len(adviser_pairs) + len(own_org):] *= 0.1  # the related org is mostly someone else's job
    pairs, first = np.unique(np.stack([link_org, link_user], axis=1), axis=0, return_index=True)
    link_org, link_user, is_adviser, raw = pairs[:, 0], pairs[:, 1], is_adviser[first], raw[first]

    adviser_total = np.bincount(link_org, weights=raw * is_adviser, minlength=n)
    own_total = np.bincount(link_org, weights=raw * ~is_adviser, minlength=n)
    has_adviser = adviser_total > 0
    own_share = np.where(has_adviser, OWN_SHARE_WHEN_MANAGED, 1.0)
    weight = np.where(is_adviser, (1 - own_share[link_org]) * raw / np.maximum(adviser_total[link_org], 1e-12),
                      own_share[link_org] * raw / np.maximum(own_total[link_org], 1e-12))
    # Practice staff on record cover at least the advisers who run reports for the org.
    orgs.practice_staff = np.maximum(orgs.practice_staff, np.bincount(link_org, weights=is_adviser,
                                                                      minlength=n).astype(np.int64))

    order = np.lexsort((link_user, link_org))
    link_org, link_user, weight = link_org[order], link_user[order], weight[order]
    n_users = n_advisers + len(own_org)
    return _UserLinks(org=link_org, user=link_user, cum_weight=_segment_cum_weights(link_org, weight),
                      user_guid=_random_guids(rng, n_users))


# --- The org table ---------------------------------------------------------------------------------------------------

def _sql_timestamps(rng: np.random.Generator, times: np.ndarray, fractional_share: float) -> np.ndarray:
    """Format UTC datetime64[s] as the org table does: SQL Server datetime, so milliseconds end in 0, 3 or 7 and a
    trailing zero is dropped ('05:32:10.737', '00:52:15.52'); most values have no fraction at all."""
    text = np.datetime_as_string(times, unit="s").astype(object)
    text = np.array([t.replace("T", " ") for t in text], dtype=object)
    fractional = rng.random(len(times)) < fractional_share
    millis = rng.integers(0, 100, len(times)) * 10 + rng.choice([0, 3, 7], size=len(times), p=[0.25, 0.35, 0.4])
    suffix = np.array(["" if m == 0 else f".{m:03d}"[:3] if m % 10 == 0 else f".{m:03d}" for m in millis],
                      dtype=object)
    return np.where(fractional, text + suffix, text)


def _orgcard_frame(rng: np.random.Generator, orgs: _Orgs) -> pd.DataFrame:
    """The org table. Grain: one row per organisation of the table (ghost orgs are left out); columns
    `ORGCARD.required`, all as the text the extract shows (upper-case GUIDs, `None` where unset, 0/1 flags)."""
    n = len(orgs) - orgs.n_ghost
    real = slice(0, n)
    shard_values = np.sort(rng.choice(np.arange(72, 167), size=34, replace=False))
    shard_weights = rng.dirichlet(np.full(34, 3.0))
    shard = rng.choice(shard_values, size=n, p=shard_weights)

    created = orgs.created[real]
    signup_lag_days = np.where(rng.random(n) < 0.4, 0, rng.exponential(500, n)).astype(np.int64)
    signup = np.minimum(created.astype("datetime64[D]") + signup_lag_days.astype("timedelta64[D]"),
                        np.datetime64("2020-02-28", "D"))
    signup_text = np.array([f"{d} 00:00:00" for d in signup], dtype=object)
    no_signup = ~orgs.paying[real] & (rng.random(n) < 0.2)
    signup_text[no_signup] = ""

    deleted_text = np.full(n, "", dtype=object)
    is_deleted = ~np.isnat(orgs.deleted[real])
    deleted_text[is_deleted] = _sql_timestamps(rng, orgs.deleted[real][is_deleted], fractional_share=0.85)

    tax_period = orgs.tax_period[real]
    tax_type = np.where((tax_period == "None") | (orgs.plan_family[real] == "Non-GST Cashbook"), "None",
                        "Australian GST")
    accrual = rng.random(n) < np.where(tax_period == "Australian Monthly", 0.6, 0.25)
    tax_basis = np.where(tax_type == "None", "None",
                         np.where(accrual, "Australian Accrual Basis", "Australian Cash Basis"))
    income_basis = rng.choice(list(INCOME_TAX_BASIS_SHARES), size=n, p=_normalised(INCOME_TAX_BASIS_SHARES.values()))
    trial = (~orgs.paying[real]) & (orgs.status[real] == "Active") & (rng.random(n) < 0.11)

    columns = {
        "organisationid": [g.decode("ascii").upper() for g in orgs.guid[real]],
        "shardid": shard,
        "shortcode": orgs.shortcode[real],
        "organisationstatus": orgs.status[real],
        "createddateutc": _sql_timestamps(rng, created, fractional_share=0.09),
        "signupdateutc": signup_text,
        "productoption": orgs.plan[real],
        "deleteddateutc": deleted_text,
        "saleschannel": orgs.sales_channel[real],
        "channeltype": orgs.channel_type[real],
        "salestaxbasis": tax_basis,
        "salestaxperiod": tax_period,
        "salestaxtype": tax_type,
        "incometaxbasis": income_basis,
        "provisionaltaxbasis": np.full(n, "None", dtype=object),
        "managedbypracticeflag": orgs.managed[real].astype(int),
        "payingflag": orgs.paying[real].astype(int),
        "marketcode": np.full(n, "AU", dtype=object),
        "nonpracticestaffusers": orgs.nonpractice_staff[real],
        "practicestaffusers": orgs.practice_staff[real],
        "trialflag": trial.astype(int),
    }
    return pd.DataFrame({name: columns[name] for name in ORGCARD.required})


# --- The calendar of runs --------------------------------------------------------------------------------------------

@dataclass
class _DayPlan:
    """Grain: one row per Sydney calendar day of a system's extract; columns: one per BAS event (a due date of some
    cadence) plus a last one for ad-hoc runs. `weight[d, e]` is the relative number of sessions on day d for event e;
    `event_component`/`event_period_end` describe the columns; `day_off` marks weekends and holidays."""

    days: np.ndarray               # datetime64[D]
    weight: np.ndarray             # float (n_days, n_events + 1)
    event_component: np.ndarray    # object: COMPONENTS per column
    event_period_end: np.ndarray   # datetime64[D] per column (NaT for ad hoc)
    day_off: np.ndarray            # bool per day


def _day_factors(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(activity factor, is day off) per day: weekdays full, Saturdays and Sundays/holidays low, summer break lower."""
    years = range(int(str(days.min())[:4]), int(str(days.max())[:4]) + 1)
    holidays = np.array([np.datetime64(d) for y in years for d in national_public_holidays(y)], dtype="datetime64[D]")
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    holiday = np.isin(days, holidays)
    factor = np.where(holiday | (weekday == 6), SUNDAY_HOLIDAY_WEIGHT,
                      np.where(weekday == 5, SATURDAY_WEIGHT, BUSINESS_DAY_WEIGHT))
    month_day = (days - days.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    summer_break = ((month == 12) & (month_day >= 24)) | ((month == 1) & (month_day <= 7))
    factor = factor * np.where(summer_break, SUMMER_BREAK_WEIGHT, 1.0)
    return factor, holiday | (weekday >= 5)


def _day_plan(system: str, first_day: date, last_day: date, launch: date | None) -> _DayPlan:
    """The daily weights of one system's sessions by reason, from the BAS calendar (see COMPONENT_SHARES)."""
    pad = timedelta(days=130)
    all_days = np.arange(np.datetime64(first_day - pad), np.datetime64(last_day + pad) + 1)
    factor, day_off = _day_factors(all_days)
    events = bas_due_dates(first_day - pad, last_day + pad)
    due = np.array(events["due_date"].tolist(), dtype="datetime64[D]")
    period_end = np.array(events["period_end"].tolist(), dtype="datetime64[D]")
    span = (due - period_end).astype(np.int64)
    since_end = (all_days[:, None] - period_end[None, :]).astype(np.int64)          # days x events
    ramp = np.where((since_end > 0) & (since_end <= span), np.exp(LEAD_RAMP * (since_end / span - 1)), 0.0)
    preview = np.where((since_end <= 0) & (since_end > -PREVIEW_DAYS), PREVIEW_WEIGHT * np.exp(since_end / 4), 0.0)
    after_due = since_end - span
    late = np.where((after_due > 0) & (after_due <= LATE_DAYS), LATE_WEIGHT * np.exp(-after_due / 2), 0.0)
    kernel = (ramp + preview + late) * factor[:, None]
    kernel /= kernel.sum(axis=0, keepdims=True)  # each event brings the same amount of work wherever it falls
    shares = COMPONENT_SHARES[system]
    events_per_year = {"monthly": 12, "quarterly": 4, "quarterly_agent": 4}
    cadence = events["cadence"].to_numpy()
    kernel *= np.array([shares[c] / events_per_year[c] for c in cadence])[None, :]
    adhoc = factor / factor.mean() / 365.25 * shares["adhoc"]
    weight = np.concatenate([kernel, adhoc[:, None]], axis=1)

    keep = (all_days >= np.datetime64(first_day)) & (all_days <= np.datetime64(last_day))
    if launch is not None:
        weight[all_days < np.datetime64(launch)] = 0.0
    return _DayPlan(days=all_days[keep], weight=weight[keep], day_off=day_off[keep],
                    event_component=np.append(cadence, "adhoc").astype(object),
                    event_period_end=np.append(period_end, np.datetime64("NaT", "D")))


# --- Sessions and runs -----------------------------------------------------------------------------------------------

def _month_runs(rng: np.random.Generator, system: str, month: str, n_runs: int, plan: _DayPlan, orgs: _Orgs,
                links: _UserLinks, eligible: np.ndarray) -> dict[str, np.ndarray]:
    """The runs of one Sydney calendar month for one system. Grain: one row per run. Columns: local_ticks (Sydney
    wall-clock, 0.1 ms since 1970), org, user (indices), period_month (datetime64[M], the statement period; Simple
    BAS only)."""
    sizes = _session_sizes(rng, n_runs)
    n_sessions = len(sizes)
    in_month = plan.days.astype("datetime64[M]") == np.datetime64(month, "M")
    month_days = plan.days[in_month]
    cell_weights = plan.weight[in_month]
    counts = rng.multinomial(n_sessions, (cell_weights / cell_weights.sum()).ravel())
    cells = np.repeat(np.arange(counts.size), counts)
    cells = cells[rng.permutation(n_sessions)]  # sizes were drawn in order; pair them randomly with cells
    day_idx, event_idx = np.divmod(cells, cell_weights.shape[1])
    component = plan.event_component[event_idx]

    org = np.empty(n_sessions, dtype=np.int64)
    activity = orgs.activity_full if system == "full" else orgs.activity_simple
    for name in COMPONENTS:
        chosen = np.flatnonzero(component == name)
        if len(chosen) == 0:
            continue
        pool_weight = activity * eligible * (orgs.cadence == name if name != "adhoc" else 1.0)
        if pool_weight.sum() <= 0:  # nobody of that cadence around this month: anyone eligible does the runs
            pool_weight = activity * eligible
        if pool_weight.sum() <= 0:
            pool_weight = activity.copy()
        pool = np.flatnonzero(pool_weight)
        org[chosen] = rng.choice(pool, size=len(chosen), p=pool_weight[pool] / pool_weight[pool].sum())
    user = links.user[np.searchsorted(links.cum_weight, org + rng.random(n_sessions), side="right")]

    # Start of each session: the day, an hour from the office-hours profile, a random moment in that hour.
    day_off = plan.day_off[in_month][day_idx]
    hour = np.where(day_off,
                    rng.choice(24, size=n_sessions, p=HOUR_WEIGHTS_DAY_OFF / HOUR_WEIGHTS_DAY_OFF.sum()),
                    rng.choice(24, size=n_sessions, p=HOUR_WEIGHTS_WORKDAY / HOUR_WEIGHTS_WORKDAY.sum()))
    start = ((month_days[day_idx] - _EPOCH_DAY).astype(np.int64) * TICKS_PER_DAY + hour * 3600 * TICKS_PER_SECOND
             + rng.integers(0, 3600 * TICKS_PER_SECOND, n_sessions))

    period_month = _statement_periods(rng, plan, event_idx, org, orgs, start)

    # Re-runs within the session, minutes apart.
    session = np.repeat(np.arange(n_sessions), sizes)
    gaps = np.clip(rng.lognormal(np.log(RERUN_GAP_MEDIAN_S), RERUN_GAP_SIGMA, len(session)), *RERUN_GAP_RANGE_S)
    gaps = (gaps * TICKS_PER_SECOND).astype(np.int64)
    first_run = np.r_[0, np.cumsum(sizes)[:-1]]
    gaps[first_run] = 0
    offsets = np.cumsum(gaps)
    offsets -= np.repeat(offsets[first_run], sizes)
    return {"local_ticks": start[session] + offsets, "org": org[session], "user": user[session],
            "period_month": period_month[session]}


def _session_sizes(rng: np.random.Generator, n_runs: int) -> np.ndarray:
    """Runs per session, adding up to exactly `n_runs` (the last session is cut short)."""
    if n_runs <= 0:
        return np.zeros(0, dtype=np.int64)
    mean = np.dot(np.arange(1, 7), SESSION_SIZE_WEIGHTS / SESSION_SIZE_WEIGHTS.sum())
    sizes = rng.choice(np.arange(1, 7), size=int(n_runs / mean * 1.2) + 20,
                       p=SESSION_SIZE_WEIGHTS / SESSION_SIZE_WEIGHTS.sum())
    total = np.cumsum(sizes)
    while total[-1] < n_runs:  # rare: top up
        sizes = np.concatenate([sizes, rng.choice(np.arange(1, 7), size=len(sizes))])
        total = np.cumsum(sizes)
    n_sessions = int(np.searchsorted(total, n_runs) + 1)
    sizes = sizes[:n_sessions]
    sizes[-1] -= total[n_sessions - 1] - n_runs
    return sizes


def _statement_periods(rng: np.random.Generator, plan: _DayPlan, event_idx: np.ndarray, org: np.ndarray,
                       orgs: _Orgs, start_ticks: np.ndarray) -> np.ndarray:
    """The BAS period each session reports on (datetime64[M]): the event's period for due-date work; for ad-hoc runs
    the latest ended month (monthly lodgers) or quarter; sometimes the period in progress or an older, catch-up one."""
    run_month = (start_ticks // TICKS_PER_DAY).astype("datetime64[D]").astype("datetime64[M]")
    period = plan.event_period_end[event_idx].astype("datetime64[M]")
    adhoc = np.isnat(period)
    monthly_org = orgs.cadence[org] == "monthly"
    month_number = run_month.astype(np.int64) % 12  # 0 = January
    last_quarter_end = run_month - (month_number % 3 + 1).astype("timedelta64[M]")
    step = np.where(monthly_org, 1, 3).astype("timedelta64[M]")
    adhoc_period = np.where(monthly_org, run_month - np.timedelta64(1, "M"), last_quarter_end)
    # Some look at the period still in progress: this month, or the quarter that ends this month.
    in_progress = (rng.random(len(org)) < 0.12) & (monthly_org | (month_number % 3 == 2))
    adhoc_period = np.where(in_progress, run_month, adhoc_period)
    period = np.where(adhoc, adhoc_period, period)
    catch_up = rng.random(len(org)) < 0.07
    periods_back = rng.integers(1, 4, len(org))
    return np.where(catch_up, period - step * periods_back, period)


def _eligible_orgs(orgs: _Orgs, system: str, month: str, month_position: int) -> np.ndarray:
    """Orgs that may run the system in a month: created before late in the month, not deleted before mid-month,
    and (Simple BAS) inside the org's window of use."""
    month_start = np.datetime64(month, "M").astype("datetime64[s]")
    created_in_time = orgs.created < month_start + np.timedelta64(20, "D")
    not_deleted = np.isnat(orgs.deleted) | (orgs.deleted > month_start + np.timedelta64(10, "D"))
    if system == "full":
        return orgs.uses_full & created_in_time & not_deleted
    in_window = (orgs.simple_first_month <= month_position) & (orgs.simple_last_month >= month_position)
    return orgs.uses_simple & in_window & created_in_time & not_deleted


def _to_utc_ticks(local_ticks: np.ndarray) -> np.ndarray:
    """Sydney wall-clock ticks to UTC ticks, DST-aware (skipped times move forward; repeated times read as standard)."""
    local = pd.DatetimeIndex((local_ticks * (1_000_000_000 // TICKS_PER_SECOND)).astype("datetime64[ns]"))
    utc = local.tz_localize(TZ, ambiguous=np.zeros(len(local), dtype=bool), nonexistent="shift_forward")
    return utc.tz_convert("UTC").tz_localize(None).asi8 // (1_000_000_000 // TICKS_PER_SECOND)


def _runtimes(rng: np.random.Generator, utc_ticks: np.ndarray, org: np.ndarray, orgs: _Orgs,
              scale: float) -> np.ndarray:
    """Full BAS run times in seconds: mostly under a second or two, a tail of tens of seconds; slower in busy hours
    (load relative to the sample's scale) and for bigger orgs."""
    n = len(utc_ticks)
    base = rng.lognormal(np.log(0.42), 0.65, n)
    slow = rng.random(n) < 0.025  # cold caches, big ledgers, timeouts retried inside the report
    base[slow] = rng.lognormal(np.log(7.0), 0.8, int(slow.sum()))
    hour = utc_ticks // (3600 * TICKS_PER_SECOND)
    _, hour_slot, per_hour = np.unique(hour, return_inverse=True, return_counts=True)
    load = 1.0 + 0.9 * (per_hour[hour_slot] / (scale * 120.0)) ** 1.5
    runtime = np.round(np.clip(base * load * orgs.report_size[org], 0.02, 900.0), 6)
    return np.where(runtime == np.floor(runtime), runtime + 1e-6, runtime)  # always written with decimals


# --- Formatting and writing ------------------------------------------------------------------------------------------

# Text is built as byte matrices (one row per value, NUL-padded on the right, which numpy's S dtype drops): far faster
# than formatting timestamps value by value.

def _digit_bytes(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative ints as a uint8 matrix (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :] % 10 + ord("0")).astype(np.uint8)


def _date_time_bytes(utc_ticks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """('YYYY-MM-DD', 'HH:MM:SS') of UTC ticks, as uint8 matrices (n, 10) and (n, 8)."""
    days = (utc_ticks // TICKS_PER_DAY).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    date_text = np.full((len(utc_ticks), 10), ord("-"), dtype=np.uint8)
    date_text[:, 0:4], date_text[:, 5:7], date_text[:, 8:10] = (_digit_bytes(year, 4), _digit_bytes(month, 2),
                                                                _digit_bytes(day, 2))
    second_of_day = utc_ticks % TICKS_PER_DAY // TICKS_PER_SECOND
    time_text = np.full((len(utc_ticks), 8), ord(":"), dtype=np.uint8)
    time_text[:, 0:2] = _digit_bytes(second_of_day // 3600, 2)
    time_text[:, 3:5] = _digit_bytes(second_of_day // 60 % 60, 2)
    time_text[:, 6:8] = _digit_bytes(second_of_day % 60, 2)
    return date_text, time_text


def _fraction_suffix_bytes(ticks: np.ndarray) -> np.ndarray:
    """'.dddd' with trailing zeros dropped (none at all for whole seconds), then 'Z': '.2119Z', '.5Z', 'Z';
    a uint8 matrix (n, 6), NUL-padded."""
    digits = _digit_bytes(ticks % TICKS_PER_SECOND, 4) - ord("0")
    trailing_zeros = np.zeros(len(ticks), dtype=np.int64)
    for position in (3, 2, 1, 0):  # count zeros from the right, stopping at the first non-zero digit
        trailing_zeros += (digits[:, position:] == 0).all(axis=1)
    n_digits = 4 - trailing_zeros
    text = np.zeros((len(ticks), 6), dtype=np.uint8)
    text[:, 0] = np.where(n_digits > 0, ord("."), ord("Z"))
    for position in range(1, 5):
        text[:, position] = np.where(position <= n_digits, digits[:, position - 1] + ord("0"),
                                     np.where((position == n_digits + 1) & (n_digits > 0), ord("Z"), 0))
    text[:, 5] = np.where(n_digits == 4, ord("Z"), 0)
    return text


def _text_column(byte_matrix_or_strings: np.ndarray) -> pa.Array:
    """A pyarrow string column from a uint8 byte matrix (one row per value) or an S-dtype array."""
    values = byte_matrix_or_strings
    if values.ndim == 2:
        values = np.ascontiguousarray(values).view(f"S{values.shape[1]}").ravel()
    return pa.array(values).cast(pa.string())


def _full_table(utc_ticks: np.ndarray, org: np.ndarray, user: np.ndarray, runtime: np.ndarray, orgs: _Orgs,
                links: _UserLinks) -> pa.Table:
    """Full BAS rows. Grain: one row per run; columns `FULLBAS.required` in the extract's text formats."""
    n = len(utc_ticks)
    date_text, time_text = _date_time_bytes(utc_ticks)
    columns = {
        "datestring": _text_column(date_text),
        "timestring": _text_column(np.concatenate([time_text, _fraction_suffix_bytes(utc_ticks)], axis=1)),
        "level": pa.repeat(pa.scalar("INFO"), n),
        "userid": _text_column(links.user_guid[user]),
        "orgid": _text_column(orgs.guid[org]),
        "reportname": pa.repeat(pa.scalar("ActivityStatement"), n),
        "versioncode": pa.repeat(pa.scalar("VERSION/AU"), n),
        "countrycode": pa.repeat(pa.scalar("CNTRY/AU"), n),
        "runtime": pa.array(runtime),
    }
    return pa.table({name: columns[name] for name in FULLBAS.required})


def _simple_table(utc_ticks: np.ndarray, org: np.ndarray, user: np.ndarray, period_month: np.ndarray,
                  shortcode_bytes: np.ndarray, links: _UserLinks) -> pa.Table:
    """Simple BAS rows. Grain: one row per run; columns `SIMPLEBAS.required` in the extract's text formats."""
    month_number = period_month.astype(np.int64)
    date_text, time_text = _date_time_bytes(utc_ticks)
    space = np.full((len(utc_ticks), 1), ord(" "), dtype=np.uint8)
    columns = {
        "userid": _text_column(links.user_guid[user]),
        "shortcode": _text_column(shortcode_bytes[org]),
        "statementyear": pa.array(1970 + month_number // 12),
        "statementmonth": pa.array(month_number % 12 + 1),
        "datetime": _text_column(np.concatenate([date_text, space, time_text], axis=1)),
    }
    return pa.table({name: columns[name] for name in SIMPLEBAS.required})


_CSV_OPTIONS = pa_csv.WriteOptions(quoting_style="none", quoting_header="none", eol="\n")


# --- The generator ---------------------------------------------------------------------------------------------------

def _write_system(rng: np.random.Generator, system: str, path: Path, orgs: _Orgs, links: _UserLinks,
                  scale: float) -> int:
    """Generate and append one system's runs month by month; return the number of rows written."""
    targets = FULL_BAS_RUNS_BY_MONTH if system == "full" else SIMPLE_BAS_RUNS_BY_MONTH
    months = list(targets)
    first_day = date.fromisoformat(months[0] + "-01")
    last_month_start = np.datetime64(months[-1], "M")
    last_day = date.fromisoformat(str((last_month_start + 1).astype("datetime64[D]") - 1))
    plan = _day_plan(system, first_day, last_day, launch=SIMPLE_BAS_LAUNCH if system == "simple" else None)
    first_utc_ticks = (np.datetime64(FULL_BAS_FIRST_UTC_DAY) - _EPOCH_DAY).astype(np.int64) * TICKS_PER_DAY

    shortcode_bytes = orgs.shortcode.astype("S6")
    carry: dict[str, np.ndarray] | None = None
    written = 0
    with pa_csv.CSVWriter(str(path), _empty_table(system).schema, write_options=_CSV_OPTIONS) as writer:
        for position, month in enumerate(months):
            eligible = _eligible_orgs(orgs, system, month, position if system == "simple" else position + 2)
            runs = _month_runs(rng, system, month, round(targets[month] * scale), plan, orgs, links, eligible)
            if carry is not None:
                runs = {k: np.concatenate([carry[k], runs[k]]) for k in runs}
            # Sessions that run past midnight at the month's end belong to the next month's file slice.
            next_month_ticks = ((np.datetime64(month, "M") + 1).astype("datetime64[D]") - _EPOCH_DAY).astype(
                np.int64) * TICKS_PER_DAY
            spill = runs["local_ticks"] >= next_month_ticks
            if position < len(months) - 1:
                carry = {k: v[spill] for k, v in runs.items()}
                runs = {k: v[~spill] for k, v in runs.items()}
            utc = _to_utc_ticks(runs["local_ticks"])
            if system == "full":
                # The extract starts at a UTC date: early Saturday 1 Oct 2016 in Sydney moves to the next day.
                early = utc < first_utc_ticks
                if early.any():
                    runs["local_ticks"][early] += TICKS_PER_DAY
                    utc[early] = _to_utc_ticks(runs["local_ticks"][early])
            order = np.argsort(utc, kind="stable")
            utc = utc[order]
            runs = {k: v[order] for k, v in runs.items()}
            runtime = _runtimes(rng, utc, runs["org"], orgs, scale) if system == "full" else None
            for lo in range(0, len(utc), _WRITE_SLICE_ROWS):
                part = slice(lo, lo + _WRITE_SLICE_ROWS)
                if system == "full":
                    table = _full_table(utc[part], runs["org"][part], runs["user"][part], runtime[part], orgs, links)
                else:
                    table = _simple_table(utc[part], runs["org"][part], runs["user"][part],
                                          runs["period_month"][part], shortcode_bytes, links)
                writer.write_table(table)
            written += len(utc)
    return written


def _empty_table(system: str) -> pa.Table:
    """A zero-row table with the file's schema (for the CSV header)."""
    if system == "full":
        types = {name: pa.string() for name in FULLBAS.required} | {"runtime": pa.float64()}
        return pa.table({name: pa.array([], type=types[name]) for name in FULLBAS.required})
    types = {name: pa.string() for name in SIMPLEBAS.required} | {"statementyear": pa.int64(),
                                                                   "statementmonth": pa.int64()}
    return pa.table({name: pa.array([], type=types[name]) for name in SIMPLEBAS.required})


def generate_sample(out_dir: Path, scale: float = 1.0, seed: int = 42) -> dict[str, int]:
    """Write fullbas.csv, simplebas.csv, orgcard.csv to out_dir; return row counts per file slot
    {"fullbas": n, "simplebas": n, "orgcard": n}. Deterministic for (scale, seed).

    `scale` multiplies orgs, users and runs; the period covered stays the same (Full BAS Oct 2016 - Sep 2017, Simple
    BAS Aug 2016 - Feb 2019). At scale 1 the figures resemble the published ones (docs/sample.md). Files are written
    with a
    header, comma-separated, UTF-8, '\\n' line ends, in the column order of `basstory.core.schema`.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    org_seed, user_seed, card_seed, full_seed, simple_seed = np.random.SeedSequence([seed, 20161001]).spawn(5)
    orgs = _build_orgs(np.random.default_rng(org_seed), scale)
    links = _link_users(np.random.default_rng(user_seed), orgs)
    card = _orgcard_frame(np.random.default_rng(card_seed), orgs)

    # Write under temporary names and rename at the end, so an interrupted run never leaves files that look complete.
    partial = {e.slot: out_dir / f".{e.filename}.partial" for e in (FULLBAS, SIMPLEBAS, ORGCARD)}
    try:
        card.to_csv(partial[ORGCARD.slot], index=False, lineterminator="\n", encoding="utf-8")
        counts = {
            FULLBAS.slot: _write_system(np.random.default_rng(full_seed), "full", partial[FULLBAS.slot], orgs,
                                        links, scale),
            SIMPLEBAS.slot: _write_system(np.random.default_rng(simple_seed), "simple", partial[SIMPLEBAS.slot],
                                          orgs, links, scale),
            ORGCARD.slot: len(card),
        }
        for extract in (FULLBAS, SIMPLEBAS, ORGCARD):
            os.replace(partial[extract.slot], out_dir / extract.filename)
    finally:
        for path in partial.values():
            path.unlink(missing_ok=True)
    return counts
