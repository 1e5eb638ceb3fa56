"""Tiny hand-made extracts for tests: `write_extracts(folder)` writes fullbas.csv, simplebas.csv and orgcard.csv.

The defaults are small enough to check by hand:

orgcard (4 orgs, upper-case GUIDs):
  line 2  ORG_ACTIVE    !abcDE  Active     paying      Premium 5 + Expenses, Quarterly, created .737 (3 digits)
  line 3  ORG_CASESAKE  !ABCDE  Active     paying      Standard, Monthly, created with 2 fractional digits
  line 4  ORG_DELETED   !Del01  Deleted    paying      Premium 20, Annual, created with 0 fractional digits
  line 5  ORG_FREE      !Free1  Active     not paying  Unknown, 'None' tax period

fullbas (lower/mixed-case GUIDs):
  line 2  2016-10-11 23:55:52.2119Z  USER_A  ORG_ACTIVE (mixed case)   4.396793
  line 3  2016-10-12 01:02:03Z       USER_B  ORG_DELETED               1.5
  line 4  2016-10-10 08:00:00.5Z     USER_A  ORG_UNKNOWN (not in orgcard)  0.25

simplebas:
  line 2  2017-09-15 01:54:13  USER_B (upper case)  !ABCDE   2017 / 8
  line 3  2017-09-14 22:00:00  USER_C               !abcDE   2017 / 6
  line 4  2017-09-16 10:30:00  USER_A               !Free1   2017 / 9

Every table can be replaced by a list of dicts (columns from the first dict, in its order; missing keys are empty)
or by CSV text written as given.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

ORG_ACTIVE = "6220E36D-457E-4221-953C-8D1C8F07A3B1"
ORG_CASESAKE = "0BEDCED6-066B-4DCD-AC9F-6550304947E6"
ORG_DELETED = "CE4F2AD3-5374-4DA3-A52D-8F877EE6BA31"
ORG_FREE = "468D1B6F-AD3D-4801-8BC3-4294AF052E24"
ORG_UNKNOWN = "99999999-0000-4000-8000-000000000000"
USER_A = "e07083a1-8528-4bf7-8c43-f4e33066e889"
USER_B = "39e0876d-42df-495f-9309-3d18049f6eb4"
USER_C = "5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3"

Rows = Sequence[dict[str, object]] | str


def orgcard_row(organisationid: str, shortcode: str, **overrides: object) -> dict[str, object]:
    """One orgcard row with all 21 columns; realistic defaults, any column overridable."""
    row: dict[str, object] = {
        "organisationid": organisationid, "shardid": "87", "shortcode": shortcode, "organisationstatus": "Active",
        "createddateutc": "2015-10-14 05:32:10.737", "signupdateutc": "2015-10-14 00:00:00",
        "productoption": "Standard", "deleteddateutc": "", "saleschannel": "Partner", "channeltype": "Accountant",
        "salestaxbasis": "Australian Cash Basis", "salestaxperiod": "Australian Quarterly (Option 1)",
        "salestaxtype": "Australian GST", "incometaxbasis": "None", "provisionaltaxbasis": "None",
        "managedbypracticeflag": "1", "payingflag": "1", "marketcode": "AU", "nonpracticestaffusers": "2",
        "practicestaffusers": "6", "trialflag": "0",
    }
    row.update(overrides)
    return row


def fullbas_row(datestring: str, timestring: str, userid: str, orgid: str, runtime: str = "1.0",
                **overrides: object) -> dict[str, object]:
    """One fullbas row with all 9 columns."""
    row: dict[str, object] = {
        "datestring": datestring, "timestring": timestring, "level": "INFO", "userid": userid, "orgid": orgid,
        "reportname": "ActivityStatement", "versioncode": "VERSION/AU", "countrycode": "CNTRY/AU", "runtime": runtime,
    }
    row.update(overrides)
    return row


def simplebas_row(datetime: str, userid: str, shortcode: str, statementyear: str = "2017",
                  statementmonth: str = "1", **overrides: object) -> dict[str, object]:
    """One simplebas row with all 5 columns."""
    row: dict[str, object] = {"userid": userid, "shortcode": shortcode, "statementyear": statementyear,
                              "statementmonth": statementmonth, "datetime": datetime}
    row.update(overrides)
    return row


def default_orgcard_rows() -> list[dict[str, object]]:
    return [
        orgcard_row(ORG_ACTIVE, "!abcDE", productoption="Premium 5 + Expenses"),
        orgcard_row(ORG_CASESAKE, "!ABCDE", createddateutc="2018-08-06 00:52:15.52",
                    salestaxperiod="Australian Monthly", channeltype="Bookkeeper", saleschannel="Online",
                    managedbypracticeflag="0", nonpracticestaffusers="3", practicestaffusers="0"),
        orgcard_row(ORG_DELETED, "!Del01", organisationstatus="Deleted", createddateutc="2017-06-05 01:09:52",
                    productoption="Premium 20", salestaxperiod="Australian Annual",
                    deleteddateutc="2018-09-14 15:30:46.98"),
        orgcard_row(ORG_FREE, "!Free1", payingflag="0", productoption="Unknown", salestaxperiod="None"),
    ]


def default_fullbas_rows() -> list[dict[str, object]]:
    return [
        fullbas_row("2016-10-11", "23:55:52.2119Z", USER_A, "6220e36d-457e-4221-953C-8d1c8f07a3b1", "4.396793"),
        fullbas_row("2016-10-12", "01:02:03Z", USER_B, ORG_DELETED.lower(), "1.5"),
        fullbas_row("2016-10-10", "08:00:00.5Z", USER_A, ORG_UNKNOWN.lower(), "0.25"),
    ]


def default_simplebas_rows() -> list[dict[str, object]]:
    return [
        simplebas_row("2017-09-15 01:54:13", USER_B.upper(), "!ABCDE", "2017", "8"),
        simplebas_row("2017-09-14 22:00:00", USER_C, "!abcDE", "2017", "6"),
        simplebas_row("2017-09-16 10:30:00", USER_A, "!Free1", "2017", "9"),
    ]


def csv_text(rows: Sequence[dict[str, object]]) -> str:
    """Rows -> CSV text with a header (columns of the first row, in order), '\\n' line ends, minimal quoting."""
    out = io.StringIO()
    columns = list(rows[0]) if rows else []
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", restval="", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_table(path: Path, rows: Rows) -> Path:
    """Write one extract: CSV text as given, or rows as CSV (UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rows if isinstance(rows, str) else csv_text(rows), encoding="utf-8", newline="")
    return path


def write_extracts(folder: Path, fullbas_rows: Rows | None = None, simplebas_rows: Rows | None = None,
                   orgcard_rows: Rows | None = None) -> dict[str, Path]:
    """Write fullbas.csv, simplebas.csv and orgcard.csv into `folder` (defaults above); return slot -> path."""
    folder = Path(folder)
    return {
        "fullbas": write_table(folder / "fullbas.csv",
                               default_fullbas_rows() if fullbas_rows is None else fullbas_rows),
        "simplebas": write_table(folder / "simplebas.csv",
                                 default_simplebas_rows() if simplebas_rows is None else simplebas_rows),
        "orgcard": write_table(folder / "orgcard.csv",
                               default_orgcard_rows() if orgcard_rows is None else orgcard_rows),
    }


def ingested_store(folder: Path, name: str):
    """The default extracts written under `folder` and ingested as the current version `name` of a store of its own
    (`folder`/store); returns the store."""
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore

    write_extracts(Path(folder) / "extracts")
    store = DatasetStore(Path(folder) / "store")
    ingest(Path(folder) / "extracts", store, name=name, activate=True)
    return store
