"""The scope rule, written once: which runs the story counts, and why the others are left out.

Only runs of **active, paying** organisations count. A run is in exactly one of `schema.SCOPE_REASONS`, decided in
this order: its organisation is not in orgcard (`org_unknown`); the organisation's status is Deleted, Suspended, or
anything else that is not exactly 'Active', a blank status included (`org_other_status`); it is active but not paying
(`org_not_paying`); otherwise `in_scope`.

`SCOPE_SQL` is that rule as one SQL expression over an organisation row aliased `o` (columns `org_key`, `status`,
`paying` of orgs.parquet; `o.org_key` is NULL when a run has no organisation, as after a LEFT JOIN). Staging counts
scope with it (`marts.scope_counts`), writes orgs.parquet's `in_scope` with it (`marts.write_orgs`), and the query
layer's `runs` view uses it, so the three cannot disagree.
"""
from __future__ import annotations


def scope_reason_sql(org: str = "o", unknown: str | None = None) -> str:
    """The scope rule over the organisation columns `status` and `paying` of alias `org` ('' for unqualified
    columns). `unknown` is the SQL condition for "this run has no organisation"; by default `<org>.org_key IS NULL`
    (a LEFT JOIN that found none). A table that marks unknown organisations another way passes its own condition,
    e.g. `scope_reason_sql("", unknown="NOT known")`."""
    p = f"{org}." if org else ""
    unknown = unknown or f"{p}org_key IS NULL"
    return (f"CASE WHEN {unknown} THEN 'org_unknown' "
            f"WHEN {p}status = 'Deleted' THEN 'org_deleted' "
            f"WHEN {p}status = 'Suspended' THEN 'org_suspended' "
            f"WHEN {p}status IS DISTINCT FROM 'Active' THEN 'org_other_status' "
            f"WHEN NOT coalesce({p}paying, false) THEN 'org_not_paying' "
            f"ELSE 'in_scope' END")


#: The scope reason of a run joined to its organisation as `o` (see the module docstring).
SCOPE_SQL = scope_reason_sql("o")

__all__ = ["SCOPE_SQL", "scope_reason_sql"]
