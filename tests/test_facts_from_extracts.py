"""The key facts end to end: tiny hand-made extracts → ingest → facts, answers worked out by hand.

Covers the join quirks of docs/counting.md: org GUIDs in a different case on each side, shortcodes that differ only
in case
(two orgs), a user id in upper case in one system and lower in the other, runs of deleted / non-paying / unknown
orgs, and a run whose UTC month differs from its Sydney month.
"""
import json

import pytest

from basstory.analyses.facts import key_facts
from basstory.cli import main
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from basstory.query.tables import connect_version
from tests.extract_fixtures import (
    ORG_ACTIVE,
    ORG_CASESAKE,
    ORG_DELETED,
    ORG_UNKNOWN,
    USER_A,
    USER_B,
    USER_C,
    fullbas_row,
    simplebas_row,
    write_extracts,
)

MIXED_CASE_ACTIVE = ORG_ACTIVE.lower()[:8] + ORG_ACTIVE[8:]
FULLBAS = [
    fullbas_row("2016-10-11", "23:55:52.2119Z", USER_A, MIXED_CASE_ACTIVE),         # in; Sydney 12 Oct 2016
    fullbas_row("2016-10-12", "01:02:03Z", USER_B, ORG_DELETED.lower()),             # left out: deleted
    fullbas_row("2016-10-10", "08:00:00.5Z", USER_A, ORG_UNKNOWN.lower()),           # left out: unknown org
    fullbas_row("2017-08-31", "14:30:00Z", USER_B.upper(), ORG_CASESAKE.lower()),    # in; Sydney 1 Sep 00:30
]
SIMPLEBAS = [
    simplebas_row("2017-09-15 01:54:13", USER_B.upper(), "!ABCDE", "2017", "8"),    # in (ORG_CASESAKE)
    simplebas_row("2017-09-14 22:00:00", USER_C, "!abcDE", "2017", "6"),            # in (ORG_ACTIVE)
    simplebas_row("2017-09-16 10:30:00", USER_A, "!Free1", "2017", "9"),            # left out: not paying
    simplebas_row("2017-10-02 03:00:00", USER_C, "!ABCDE", "2017", "9"),            # in; Sydney 2 Oct 14:00 AEDT
    simplebas_row("2017-09-20 00:00:00", USER_C, "!abcde", "2017", "9"),            # left out: no such shortcode
]
EXPECTED = {
    "orgs_in_scope": 2,
    "fullbas_runs": 2,
    "simplebas_runs": 3,
    "left_out": {"org_unknown": 2, "org_deleted": 1, "org_not_paying": 1},
    "busiest_month": {"month": "2017-09", "runs": 3},
    "busiest_month_by_system": {"full": {"month": "2016-10", "runs": 1},       # tie with 2017-09: earliest
                                "simple": {"month": "2017-09", "runs": 2}},
    "orgs_both": 2,                    # ORG_ACTIVE and ORG_CASESAKE
    "users_either": 3,                 # USER_A, USER_B (both cases), USER_C
    "users_multi_org": 1,              # USER_C: !abcDE and !ABCDE are two organisations
    "plans": [{"plan": "Premium 5 + Expenses", "orgs": 1}, {"plan": "Standard", "orgs": 1}],
    "outage_window": {
        # no run inside most windows: the earliest empty window wins; 1 Nov 2016 .. 1 Aug 2017 are inside the period
        "full": {"day": 1, "start": "00:00", "end": "02:00", "runs_per_occurrence": 0.0, "occurrences": 10},
        # Simple BAS runs span 15 Sep 08:00 .. 2 Oct 14:00 Sydney: day 1 occurs once (1 Oct)
        "simple": {"day": 1, "start": "00:00", "end": "02:00", "runs_per_occurrence": 0.0, "occurrences": 1},
    },
}


@pytest.fixture
def extracts(tmp_path):
    write_extracts(tmp_path / "extracts", fullbas_rows=FULLBAS, simplebas_rows=SIMPLEBAS)
    return tmp_path / "extracts"


def test_facts_by_hand(extracts, tmp_path):
    result = ingest(extracts, DatasetStore(tmp_path / "store"))
    assert key_facts(connect_version(result.version)) == EXPECTED


def test_facts_command_prints_the_same_json(extracts, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path / "data"))
    assert main(["facts", str(extracts), "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    beyond = facts.pop("beyond")                          # the chapters beyond the brief: tests/test_chapter_facts.py
    assert facts == EXPECTED
    assert set(beyond) == {"segments", "advisers", "activity", "spikes", "forecast", "orgs", "at_risk"}


def test_facts_command_readable_summary(extracts, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path / "data"))
    assert main(["facts", str(extracts)]) == 0
    out = capsys.readouterr().out
    assert "Busiest month: September 2017 with 3 runs" in out
    assert "Users who ran reports for more than one organisation: 1" in out
    assert "4 runs left out (2 org not in the org table, 1 org deleted, 1 org not paying)." in out


def test_facts_command_names_a_missing_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "empty").mkdir()
    assert main(["facts", str(tmp_path / "empty")]) == 2
    assert "fullbas" in capsys.readouterr().err
