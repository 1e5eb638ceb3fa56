"""The scope rule, written once (basstory.ingest.scope.SCOPE_SQL), on hand-made org rows and through an ingest."""
from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from basstory.ingest.build import ingest
from basstory.ingest.scope import SCOPE_SQL, scope_reason_sql
from basstory.ingest.store import DatasetStore
from tests.extract_fixtures import ORG_ACTIVE, default_orgcard_rows, write_extracts


@pytest.mark.parametrize(("org_key", "status", "paying", "reason"), [
    (None, None, None, "org_unknown"),
    ("A", "Deleted", True, "org_deleted"),
    ("A", "Suspended", True, "org_suspended"),
    ("A", None, True, "org_other_status"),          # a blank status is not 'Active'
    ("A", "Closed", True, "org_other_status"),
    ("A", "active", True, "org_other_status"),      # statuses are matched exactly
    ("A", "Active", False, "org_not_paying"),
    ("A", "Active", None, "org_not_paying"),
    ("A", "Active", True, "in_scope"),
])
def test_scope_reason(org_key, status, paying, reason):
    got = duckdb.connect().execute(
            f"SELECT {SCOPE_SQL} FROM (SELECT ?::VARCHAR AS org_key, ?::VARCHAR AS status, ?::BOOLEAN AS paying) o",
            [org_key, status, paying]).fetchone()[0]
    assert got == reason


@pytest.mark.parametrize(("known", "status", "reason"), [
    (False, "Active", "org_unknown"), (True, None, "org_other_status"), (True, "Active", "in_scope"),
])
def test_scope_reason_with_another_unknown_condition(known, status, reason):
    """A table that marks unknown organisations with a flag (no alias) uses the same rule."""
    sql = scope_reason_sql("", unknown="NOT known")
    got = duckdb.connect().execute(f"SELECT {sql} FROM (SELECT ?::BOOLEAN AS known, ?::VARCHAR AS status, "
                                   f"true AS paying)", [known, status]).fetchone()[0]
    assert got == reason


def test_an_org_with_a_blank_status_is_out_of_scope_everywhere(tmp_path):
    """The active org's status is blank: its one Full BAS run (line 2) and its Simple BAS run (shortcode !abcDE)
    count as 'org_other_status' in the report and the manifest, and orgs.parquet says it is not in scope."""
    orgs = default_orgcard_rows()
    orgs[0]["organisationstatus"] = ""
    result = ingest(write_extracts(tmp_path / "in", orgcard_rows=orgs), DatasetStore(tmp_path / "store"))
    assert result.report.scope["org_other_status"] == 2
    assert result.report.scope_by_system["full"]["org_other_status"] == 1
    assert result.report.scope_by_system["simple"]["org_other_status"] == 1
    assert result.version.manifest["scope"]["org_other_status"] == 2
    in_scope = {r["org_key"]: r["in_scope"] for r in pq.read_table(result.version.orgs_path).to_pylist()}
    assert in_scope[ORG_ACTIVE] is False
    assert sum(in_scope.values()) == 1      # only the other active, paying org (ORG_CASESAKE)
