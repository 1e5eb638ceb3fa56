"""Typing recipes: how each extract's raw text columns become typed, normalised values, and the checks on them.

A `SlotRecipe` per extract slot (`RECIPES`) gives SQL expressions over the raw text columns (every column is read as
text, see `basstory.ingest.extracts`): `prepared` helper columns, the `typed` output columns, and the `Check`s that
reject a row, empty a value or only warn. `basstory.ingest.staging` runs a recipe in one pass over a file.

Patterns come before casts: DuckDB's casts alone are lenient (they accept '3.0' as an integer and drop a '+05' offset
from a timestamp), and a value that is silently reinterpreted is worse than a rejected one. The usual well-formed
value takes a fast path (one regex and one cast for a timestamp, no copy for a trim); only a value that is not well
formed goes through the full rules (tests/test_ingest.py::test_fast_paths_agree_with_the_full_rules).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from basstory.ingest.extracts import sql_literal

STAGING_FORMAT = "basstory-staging-4"

_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(\.\d{1,7})?"
_WHOLE = r"\d+"


def _matches(expr: str, pattern: str) -> str:
    return f"coalesce(regexp_full_match({expr}, {sql_literal(pattern)}), false)"


def _timestamp(expr: str) -> str:
    """Text 'YYYY-MM-DD HH:MM:SS[.f]' (optional T, Z or +00) -> TIMESTAMP, NULL when malformed. 7 digits cut to 6."""
    # a zero UTC offset is what a timestamp-with-zone column of a parquet extract looks like as text
    cleaned = f"regexp_replace(replace(trim({expr}), 'T', ' '), '(Z|[+]00(:?00)?)$', '')"
    return (f"CASE WHEN {_matches(cleaned, _DATE + ' ' + _TIME)} "
            f"THEN TRY_CAST(regexp_replace({cleaned}, '(\\.\\d{{6}})\\d$', '\\1') AS TIMESTAMP) END")


def _with_fast_path(fast: str, slow: str) -> str:
    """`fast` where it gives a value, else `slow`: CASE evaluates `slow` only for the rows `fast` leaves NULL.

    The fast paths below accept a subset of what the slow expressions accept and give the same value there, so this
    is the slow expression, evaluated at the cost of one regex and one cast for the usual, well-formed row.
    """
    return f"CASE WHEN ({fast}) IS NOT NULL THEN ({fast}) ELSE ({slow}) END"


def _trim(expr: str) -> str:
    """trim(expr), skipped when it would change nothing: trim copies every string, which made it the costliest step
    of staging. DuckDB's trim removes spaces and Unicode white space, so a value that is ASCII (as many bytes as
    characters) and neither starts nor ends with a space is left as it is."""
    return (f"CASE WHEN NOT (starts_with({expr}, ' ') OR ends_with({expr}, ' ')) "
            f"AND strlen({expr}) = length({expr}) THEN {expr} ELSE trim({expr}) END")


def _whole_number(expr: str) -> str:
    return f"CASE WHEN {_matches(_trim(expr), _WHOLE)} THEN TRY_CAST({_trim(expr)} AS INTEGER) END"


def _flag(expr: str) -> str:
    return f"CASE trim({expr}) WHEN '1' THEN true WHEN '0' THEN false END"


#: Control characters (a NUL byte among them): no id holds one, and a value with one would be a phantom user or org.
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f]"


def _has_control(expr: str) -> str:
    return f"coalesce(regexp_matches({expr}, {sql_literal(_CONTROL)}), false)"


def _control_check(column: str, thing: str) -> Check:
    return Check(f"control_{column}", column, _has_control(column), "reject",
                 f"hold a control character (such as a NUL byte), which no {thing} has")


def _is_empty(expr: str) -> str:
    return f"({expr} IS NULL OR {_trim(expr)} = '')"


#: What one row of each extract is, in the report's words.
WHAT_A_ROW_IS = {"fullbas": "runs", "simplebas": "runs", "orgcard": "organisations"}


@dataclass(frozen=True)
class Check:
    """One rule on one raw column: `bad` is a SQL condition over the raw text columns (named as in schema.py) and
    the recipe's `prepared` columns.

    action 'reject' leaves the row out of the staged tables; 'blank' keeps the row with the value emptied (the
    recipe's typed expression must give NULL for such rows); 'warn' keeps the row and the value.
    `problem` completes "<count> values ...".
    """

    name: str
    column: str
    bad: str
    action: Literal["reject", "blank", "warn"]
    problem: str

    def warning(self, slot: str, count: int) -> str:
        """The report's sentence for `count` values of extract `slot` that break this rule (both engines say it)."""
        thing = WHAT_A_ROW_IS[slot]
        if self.action == "reject":
            consequence = (f"those {thing} were left out. Correct the values in the file and ingest again to "
                           f"count them.")
        elif self.action == "blank":
            consequence = f"the {thing} were kept with this value empty."
        else:
            consequence = f"the {thing} were kept as they are; check the extract if that is wrong."
        return f"{count:,} value(s) {self.problem}; {consequence}"


@dataclass(frozen=True)
class SlotRecipe:
    """How one extract is typed: `prepared` columns computed once from the raw text columns (each may use the ones
    before it), the output columns (SQL over raw and prepared columns) and the checks."""

    typed: dict[str, str]
    checks: tuple[Check, ...]
    prepared: dict[str, str] = field(default_factory=dict)


#: The earliest run time that is not suspicious: BAS reports in the extracts start in 2016.
EARLIEST_PLAUSIBLE_RUN = "2010-01-01"
#: The longest runtime a report run can plausibly have, in seconds (a day; the case study's runs take seconds to
#: minutes). A longer one is a clock error: emptied like a negative one, so that one bad row cannot stretch the Full
#: BAS load over years of empty minutes.
LONGEST_PLAUSIBLE_RUNTIME_S = 86_400
# the session time zone is UTC (see `connect`); the clock is read once per statement
_NOW_UTC = "timezone('UTC', current_timestamp)"

# The usual well-formed Full BAS row, checked by one regex over both columns ('|' cannot occur in either match, so
# the split between date and time is unambiguous). DuckDB's cast reads the Z as UTC (no shift) and cuts a 7th
# fractional digit, as `_timestamp` does; test_fast_paths_agree_with_the_full_rules holds it to that.
_FULL_FAST_RUN_UTC = (f"CASE WHEN regexp_full_match(datestring || '|' || timestring, "
                      f"{sql_literal(_DATE + '[|]' + _TIME + 'Z?')}) "
                      f"THEN TRY_CAST(datestring || ' ' || timestring AS TIMESTAMP) END")
_FULL_DATE_OK = f"({_matches('trim(datestring)', _DATE)} AND TRY_CAST(trim(datestring) AS DATE) IS NOT NULL)"
_FULL_TIME_OK = (f"({_matches('trim(timestring)', _TIME + 'Z?')} "
                 f"AND TRY_CAST(left(rtrim(trim(timestring), 'Z'), 15) AS TIME) IS NOT NULL)")
_FULL_SLOW_RUN_UTC = _timestamp("datestring || ' ' || timestring")
_SIMPLE_FAST_RUN_UTC = (f"CASE WHEN regexp_full_match(datetime, {sql_literal(_DATE + ' ' + _TIME)}) "
                        f"THEN TRY_CAST(left(datetime, 26) AS TIMESTAMP) END")
# A decimal number, written the way both engines' casts read it the same (Spark's also reads '4.39d' and '0x1p3').
_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
_RUNTIME = f"CASE WHEN {_matches(_trim('runtime'), _NUMBER)} THEN TRY_CAST({_trim('runtime')} AS DOUBLE) END"


def _run_time_checks(column: str) -> tuple[Check, ...]:
    """Warnings on plausible-looking but suspicious run times (the runs are kept: the time may be right)."""
    return (
        Check("future_run_utc", column, f"run_utc > {_NOW_UTC}", "warn",
              "are later than the time of this ingest (UTC)"),
        Check("early_run_utc", column, f"run_utc < TIMESTAMP '{EARLIEST_PLAUSIBLE_RUN}'", "warn",
              f"are before {EARLIEST_PLAUSIBLE_RUN[:4]}"),
    )


RECIPES: dict[str, SlotRecipe] = {
    "fullbas": SlotRecipe(
        prepared={
            "fast_run_utc": _FULL_FAST_RUN_UTC,
            # NULL when either column is malformed (then a check below rejects the row)
            "run_utc": _with_fast_path("fast_run_utc", _FULL_SLOW_RUN_UTC),
            "runtime_value": _RUNTIME,
        },
        typed={
            "run_utc": "run_utc",
            "user_key": f"lower({_trim('userid')})",
            "org_ref": f"lower({_trim('orgid')})",
            # a negative runtime, or one longer than a day, is a clock error, not a reason to lose the run
            "runtime_s": f"CASE WHEN runtime_value >= 0 AND runtime_value <= {LONGEST_PLAUSIBLE_RUNTIME_S} "
                         f"THEN runtime_value END",
        },
        checks=(
            Check("bad_datestring", "datestring",
                  f"CASE WHEN fast_run_utc IS NOT NULL THEN false ELSE NOT {_FULL_DATE_OK} END",
                  "reject", "are not a date like 2016-10-11"),
            # also blames the time when each column looks right but together they are no timestamp
            Check("bad_timestring", "timestring",
                  f"CASE WHEN fast_run_utc IS NOT NULL THEN false "
                  f"ELSE NOT {_FULL_TIME_OK} OR ({_FULL_DATE_OK} AND run_utc IS NULL) END",
                  "reject", "are not a UTC time like 23:55:52.2119Z"),
            Check("bad_userid", "userid", _is_empty("userid"), "reject", "are empty (no user)"),
            Check("bad_orgid", "orgid", _is_empty("orgid"), "reject", "are empty (no organisation)"),
            _control_check("userid", "user id"),
            _control_check("orgid", "organisation id"),
            Check("bad_runtime", "runtime",
                  f"NOT {_is_empty('runtime')} AND NOT coalesce(isfinite(runtime_value), false)",
                  "reject", "are not a number of seconds like 4.396793"),
            Check("blank_runtime", "runtime", _is_empty("runtime"), "blank", "are empty"),
            Check("negative_runtime", "runtime", "runtime_value < 0", "blank",
                  "are negative (a run cannot take less than no time)"),
            Check("long_runtime", "runtime", f"runtime_value > {LONGEST_PLAUSIBLE_RUNTIME_S}", "blank",
                  "are longer than a day (a report run cannot take that long: a clock error)"),
            *_run_time_checks("datestring"),
        ),
    ),
    "simplebas": SlotRecipe(
        prepared={
            "fast_run_utc": _SIMPLE_FAST_RUN_UTC,
            "run_utc": _with_fast_path("fast_run_utc", _timestamp("datetime")),
        },
        typed={
            "run_utc": "run_utc",
            "user_key": f"lower({_trim('userid')})",
            # shortcodes are case-sensitive identifiers: kept byte for byte
            "org_ref": "shortcode",
            "statement_year": _whole_number("statementyear"),
            "statement_month": _whole_number("statementmonth"),
        },
        checks=(
            Check("bad_datetime", "datetime", "run_utc IS NULL", "reject",
                  "are not a UTC date and time like 2017-09-15 01:54:13"),
            Check("bad_userid", "userid", _is_empty("userid"), "reject", "are empty (no user)"),
            Check("bad_shortcode", "shortcode", _is_empty("shortcode"), "reject", "are empty (no organisation)"),
            _control_check("userid", "user id"),
            _control_check("shortcode", "shortcode"),
            Check("bad_statementyear", "statementyear",
                  f"NOT {_is_empty('statementyear')} AND "
                  f"NOT coalesce(({_whole_number('statementyear')}) BETWEEN 1900 AND 2999, false)",
                  "reject", "are not a year like 2017"),
            Check("bad_statementmonth", "statementmonth",
                  f"NOT {_is_empty('statementmonth')} AND "
                  f"NOT coalesce(({_whole_number('statementmonth')}) BETWEEN 1 AND 12, false)",
                  "reject", "are not a month number from 1 to 12"),
            Check("blank_statementyear", "statementyear", _is_empty("statementyear"), "blank", "are empty"),
            Check("blank_statementmonth", "statementmonth", _is_empty("statementmonth"), "blank", "are empty"),
            *_run_time_checks("datetime"),
        ),
    ),
    "orgcard": SlotRecipe(
        typed={
            "org_key": "upper(trim(organisationid))",
            "shortcode": f"CASE WHEN NOT {_is_empty('shortcode')} THEN shortcode END",
            "status": "trim(organisationstatus)",
            "paying": _flag("payingflag"),
            "plan": "productoption",
            # add-ons are appended as ' + Expenses', ' + Projects + Expenses', ...
            "plan_family": "trim(regexp_replace(productoption, '\\s*\\+.*$', ''))",
            "tax_period": ("CASE WHEN contains(salestaxperiod, 'Monthly') THEN 'Monthly' "
                           "WHEN contains(salestaxperiod, 'Quarterly') THEN 'Quarterly' "
                           "WHEN contains(salestaxperiod, 'Annual') THEN 'Annual' ELSE 'Other' END"),
            "channel_type": "channeltype",
            "sales_channel": "saleschannel",
            "managed_by_practice": _flag("managedbypracticeflag"),
            "staff_users": f"{_whole_number('nonpracticestaffusers')} + {_whole_number('practicestaffusers')}",
            "created_utc": _timestamp("createddateutc"),
            "deleted_utc": _timestamp("deleteddateutc"),
        },
        # An org row is only dropped when it cannot be an org in scope terms (no id, unknown paying flag): dropping
        # it for a bad creation date would turn all its runs into 'org_unknown'.
        checks=(
            Check("bad_organisationid", "organisationid", _is_empty("organisationid"), "reject",
                  "are empty (no organisation id)"),
            _control_check("organisationid", "organisation id"),
            Check("bad_payingflag", "payingflag", f"({_flag('payingflag')}) IS NULL", "reject", "are not 0 or 1"),
            Check("blank_shortcode", "shortcode", _is_empty("shortcode"), "blank", "are empty"),
            Check("blank_managedbypracticeflag", "managedbypracticeflag",
                  f"({_flag('managedbypracticeflag')}) IS NULL", "blank", "are not 0 or 1"),
            Check("blank_nonpracticestaffusers", "nonpracticestaffusers",
                  f"({_whole_number('nonpracticestaffusers')}) IS NULL", "blank", "are not a whole number"),
            Check("blank_practicestaffusers", "practicestaffusers",
                  f"({_whole_number('practicestaffusers')}) IS NULL", "blank", "are not a whole number"),
            Check("blank_createddateutc", "createddateutc", f"({_timestamp('createddateutc')}) IS NULL", "blank",
                  "are not a UTC timestamp like 2015-10-14 05:32:10.737"),
        ),
    ),
}


__all__ = ["EARLIEST_PLAUSIBLE_RUN", "RECIPES", "STAGING_FORMAT", "Check", "SlotRecipe"]
