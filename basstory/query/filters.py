"""The story's filters: one value object, turned into a SQL predicate over the `runs` view (see tables.py).

The defaults are the counting contract's scope (docs/counting.md): active, paying organisations, both systems, the
whole period.
Every run that a filter leaves out is given the first reason that excludes it, so the story can say what was left
out and why.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from basstory.core.schema import CONTRACT_TZ, SCOPE_REASON_LABELS, SYSTEMS

#: The status value offered for runs whose org is not in the org table at all.
UNKNOWN_ORG_STATUS = "Not in org table"
PAYING_CHOICES: tuple[str, ...] = ("paying", "not paying", "all")
MANAGED_CHOICES: tuple[str, ...] = ("all", "managed by a practice", "not managed")

#: Reasons a filter leaves a run out, in the order they are tested; the scope reasons of schema.py come first.
EXCLUSION_LABELS: dict[str, str] = {
    **{k: v for k, v in SCOPE_REASON_LABELS.items() if k != "in_scope"},
    "status_not_selected": "org status not selected",
    "outside_dates": "outside the date range",
    "system_not_selected": "system not selected",
    "plan_not_selected": "plan not selected",
    "tax_period_not_selected": "tax period not selected",
    "channel_not_selected": "channel type not selected",
    "managed_not_selected": "practice-managed filter",
}


@dataclass(frozen=True)
class StoryFilters:
    """What the PM has chosen in the sidebar. `None` on a multi-choice filter means 'no restriction'.

    Dates are inclusive calendar dates in the contract time zone (Sydney); `tz` only changes how times are shown.
    """

    start: date | None = None
    end: date | None = None
    systems: tuple[str, ...] = SYSTEMS
    statuses: tuple[str, ...] = ("Active",)
    paying: str = "paying"
    plan_families: tuple[str, ...] | None = None
    plans: tuple[str, ...] | None = None
    tax_periods: tuple[str, ...] | None = None
    channel_types: tuple[str, ...] | None = None
    managed: str = "all"
    tz: str = CONTRACT_TZ

    def with_(self, **changes) -> StoryFilters:
        return replace(self, **changes)

    def is_contract_scope(self) -> bool:
        """True when the filters are exactly the contract's scope (the defaults, whatever the display zone)."""
        return replace(self, tz=CONTRACT_TZ) == StoryFilters()



def _org_conditions(f: StoryFilters, prefix: str = "") -> list[tuple[str, str]]:
    """(reason, SQL condition that must hold) for the filters that are properties of the organisation."""
    p = prefix
    known_statuses = [s for s in f.statuses if s != UNKNOWN_ORG_STATUS]
    status_sql = f"list_contains({_list(known_statuses)}, {p}status)"
    if UNKNOWN_ORG_STATUS in f.statuses:
        status_sql = f"({status_sql} OR {p}org_key IS NULL)"
    conditions = [("status", f"coalesce({status_sql}, false)")]
    if f.paying == "paying":
        conditions.append(("org_not_paying", f"coalesce({p}paying, true)"))
    elif f.paying == "not paying":
        conditions.append(("org_not_paying", f"coalesce(NOT {p}paying, true)"))
    if f.plan_families is not None:
        conditions.append(("plan_not_selected",
                           f"coalesce(list_contains({_list(f.plan_families)}, {p}plan_family), false)"))
    if f.plans is not None:
        conditions.append(("plan_not_selected", f"coalesce(list_contains({_list(f.plans)}, {p}plan), false)"))
    if f.tax_periods is not None:
        conditions.append(("tax_period_not_selected",
                           f"coalesce(list_contains({_list(f.tax_periods)}, {p}tax_period), false)"))
    if f.channel_types is not None:
        conditions.append(("channel_not_selected",
                           f"coalesce(list_contains({_list(f.channel_types)}, {p}channel_type), false)"))
    if f.managed == "managed by a practice":
        conditions.append(("managed_not_selected", f"coalesce({p}managed_by_practice, false)"))
    elif f.managed == "not managed":
        conditions.append(("managed_not_selected", f"coalesce(NOT {p}managed_by_practice, false)"))
    return conditions


def _run_conditions(f: StoryFilters) -> list[tuple[str, str]]:
    conditions = []
    if f.start is not None:
        conditions.append(("outside_dates", f"run_local_date >= DATE '{f.start.isoformat()}'"))
    if f.end is not None:
        conditions.append(("outside_dates", f"run_local_date <= DATE '{f.end.isoformat()}'"))
    if tuple(f.systems) != SYSTEMS:
        conditions.append(("system_not_selected", f"list_contains({_list(f.systems)}, system)"))
    return conditions


def run_predicate(f: StoryFilters) -> str:
    """SQL boolean over the `runs` view: true for the runs the filters keep."""
    parts = [sql for _, sql in _org_conditions(f) + _run_conditions(f)]
    return " AND ".join(f"({p})" for p in parts) or "true"


def org_predicate(f: StoryFilters, prefix: str = "") -> str:
    """SQL boolean over the `orgs` table: true for the organisations the org-level filters keep."""
    conditions = [sql for _, sql in _org_conditions(f, prefix)]
    return " AND ".join(f"({p})" for p in conditions) or "true"


def exclusion_reason(f: StoryFilters) -> str:
    """SQL expression over the `runs` view: NULL for a kept run, else the first reason it is left out.

    A run excluded by the status filter is reported by its scope reason (unknown, deleted, suspended, ...), so the
    default filters reproduce the contract's 'left out' counts.
    """
    whens = []
    for reason, sql in _org_conditions(f) + _run_conditions(f):
        label = STATUS_REASON_SQL if reason == "status" else f"'{reason}'"
        whens.append(f"WHEN NOT ({sql}) THEN {label}")
    if not whens:
        return "NULL"
    return "CASE " + " ".join(whens) + " ELSE NULL END"


#: A run left out by the status filter: its scope reason when that is about status, else 'status_not_selected'.
STATUS_REASON_SQL = ("CASE WHEN scope IN ('org_unknown', 'org_deleted', 'org_suspended', 'org_other_status') "
                     "THEN scope ELSE 'status_not_selected' END")


def _list(values) -> str:
    """A SQL list literal of strings; quotes are doubled so any plan name is safe."""
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]::VARCHAR[]"


def bas_quarters(first: date, last: date) -> list[tuple[str, date, date]]:
    """The BAS quarters (Jul-Sep, Oct-Dec, Jan-Mar, Apr-Jun) that overlap [first, last], oldest first:
    (label, start, end), e.g. ('Oct–Dec 2016 (Q2 2016–17)', 2016-10-01, 2016-12-31)."""
    quarters = []
    year, q_month = first.year, 3 * ((first.month - 1) // 3) + 1
    while date(year, q_month, 1) <= last:
        start = date(year, q_month, 1)
        end = (date(year + (q_month == 10), (q_month + 3) % 12 or 12, 1) - timedelta(days=1))
        fy_start = year if q_month >= 7 else year - 1
        fy_quarter = ((q_month - 7) % 12) // 3 + 1
        label = f"{start:%b}–{end:%b} {year} (Q{fy_quarter} {fy_start}–{str(fy_start + 1)[-2:]})"
        quarters.append((label, start, end))
        year, q_month = (year + 1, 1) if q_month == 10 else (year, q_month + 3)
    return quarters


def date_presets(first: date, last: date) -> dict[str, tuple[date, date]]:
    """Named date ranges for the sidebar, all inside the data's period [first, last].

    'Whole period'; 'Last 12 months' (the year ending on the last day of data); 'Latest quarter' (the last BAS
    quarter with data, possibly partial); then each BAS quarter, newest first.
    """
    presets = {"Whole period": (first, last)}
    year_ago = date(last.year - 1, last.month, min(last.day, 28)) + timedelta(days=1)
    presets["Last 12 months"] = (max(first, year_ago), last)
    quarters = bas_quarters(first, last)
    label, start, end = quarters[-1]
    presets["Latest quarter"] = (max(first, start), min(last, end))
    for label, start, end in reversed(quarters):
        presets[label] = (max(first, start), min(last, end))
    return presets
