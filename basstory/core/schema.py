"""The extracts and the staged tables, declared once.

Raw extracts are what the analyst receives (see docs/data-formats.md); staged tables are what ingest writes to the
cache and what
every analysis reads. Other modules refer to these names instead of spelling columns again.
"""
from __future__ import annotations

from dataclasses import dataclass

SYSTEMS: tuple[str, ...] = ("full", "simple")
SYSTEM_LABELS: dict[str, str] = {"full": "Full BAS", "simple": "Simple BAS"}

#: The time zone of the counting contract: months, days of the month and outage windows are Sydney wall-clock.
CONTRACT_TZ = "Australia/Sydney"
#: Time zones offered for display, contract zone first.
DISPLAY_TZS: tuple[str, ...] = (
    "Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Perth", "UTC",
)


@dataclass(frozen=True)
class Extract:
    """One raw extract: its slot name, default file name and the columns it must have, in the usual order."""

    slot: str
    filename: str
    required: tuple[str, ...]


FULLBAS = Extract(
    slot="fullbas",
    filename="fullbas.csv",
    required=("datestring", "timestring", "level", "userid", "orgid", "reportname", "versioncode", "countrycode",
              "runtime"),
)
SIMPLEBAS = Extract(
    slot="simplebas",
    filename="simplebas.csv",
    required=("userid", "shortcode", "statementyear", "statementmonth", "datetime"),
)
ORGCARD = Extract(
    slot="orgcard",
    filename="orgcard.csv",
    required=("organisationid", "shardid", "shortcode", "organisationstatus", "createddateutc", "signupdateutc",
              "productoption", "deleteddateutc", "saleschannel", "channeltype", "salestaxbasis", "salestaxperiod",
              "salestaxtype", "incometaxbasis", "provisionaltaxbasis", "managedbypracticeflag", "payingflag",
              "marketcode", "nonpracticestaffusers", "practicestaffusers", "trialflag"),
)
EXTRACTS: tuple[Extract, ...] = (FULLBAS, SIMPLEBAS, ORGCARD)
EXTRACT_BY_SLOT: dict[str, Extract] = {e.slot: e for e in EXTRACTS}

# --- Staged tables (parquet files in a dataset version folder) -------------------------------------------------------

#: runs.parquet — grain: one row per readable report run, both systems. Columns, in order:
RUNS_COLUMNS: tuple[str, ...] = (
    "system",           # 'full' | 'simple'
    "run_utc",          # timestamp[us], naive, UTC
    "user_key",         # lower(userid)
    "org_ref",          # as in the extract: orgid (full, lower-cased) or shortcode (simple, exact)
    "org_key",          # upper(organisationid) of the matched orgcard row; null when the org is not in orgcard
    "runtime_s",        # float seconds (full); null for simple
    "statement_year",   # int (simple); null for full
    "statement_month",  # int 1-12 (simple); null for full
    "source_row",       # line number in the source file (header is line 1)
)

#: orgs.parquet — grain: one row per orgcard row (organisation). Columns, in order:
ORGS_COLUMNS: tuple[str, ...] = (
    "org_key",                 # upper(organisationid), unique
    "shortcode",               # exact, unique
    "status",                  # Active | Deleted | Suspended | ...
    "paying",                  # bool
    "plan",                    # productoption as given
    "plan_family",             # productoption without add-ons ("Premium 5 + Expenses" -> "Premium 5")
    "tax_period",              # Monthly | Quarterly | Annual | Other
    "channel_type",            # channeltype as given
    "sales_channel",           # saleschannel as given
    "managed_by_practice",     # bool
    "staff_users",             # nonpracticestaffusers + practicestaffusers
    "created_utc",             # timestamp
    "deleted_utc",             # timestamp, NULL unless the org was deleted (deleteddateutc)
    "in_scope",                # status == 'Active' and paying
)

#: Why a run is left out of the contract's figures; 'in_scope' when it is not.
SCOPE_REASONS: tuple[str, ...] = ("in_scope", "org_unknown", "org_deleted", "org_suspended", "org_other_status",
                                  "org_not_paying")
SCOPE_REASON_LABELS: dict[str, str] = {
    "in_scope": "in scope",
    "org_unknown": "org not in the org table",
    "org_deleted": "org deleted",
    "org_suspended": "org suspended",
    "org_other_status": "org not active",
    "org_not_paying": "org not paying",
}
