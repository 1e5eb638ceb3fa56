"""Tiny staged datasets (runs.parquet + orgs.parquet, exactly as ingest writes them) for analysis tests.

`org(...)` and `run(...)` fill every column with a sensible default so a test names only what matters to it;
`staged_connection(folder, runs, orgs)` writes the parquet and returns a `tables.connect()` connection.
Run times are given in Sydney wall-clock (`local=`) or UTC (`utc=`), whichever makes the hand-worked answer clearer.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from basstory.core.schema import CONTRACT_TZ, ORGS_COLUMNS, RUNS_COLUMNS
from basstory.query.tables import connect


def org(key: str, shortcode: str | None = None, *, status: str = "Active", paying: bool = True,
        plan: str = "Standard", tax_period: str = "Quarterly", channel_type: str = "Accountant",
        managed: bool = True, staff_users: int = 2,
        created: str = "2015-01-01", deleted: str | None = None) -> dict:
    return {
        "org_key": key.upper(), "shortcode": shortcode or f"!{key[:5]}", "status": status, "paying": paying,
        "plan": plan, "plan_family": plan.split(" + ")[0], "tax_period": tax_period, "channel_type": channel_type,
        "sales_channel": "Partner", "managed_by_practice": managed, "staff_users": staff_users,
        "created_utc": pd.Timestamp(created),
        "deleted_utc": pd.Timestamp(deleted) if deleted else pd.NaT, "in_scope": status == "Active" and paying,
    }


def run(system: str, user: str, org_key: str | None, *, local: str | None = None, utc: str | None = None,
        runtime: float | None = None, statement: tuple[int, int] | None = None, org_ref: str | None = None) -> dict:
    if (local is None) == (utc is None):
        raise ValueError("give exactly one of local= or utc=")
    when = (pd.Timestamp(utc) if utc else
            pd.Timestamp(local).tz_localize(CONTRACT_TZ, ambiguous=True).tz_convert("UTC").tz_localize(None))
    return {
        "system": system, "run_utc": when, "user_key": user.lower(),
        "org_ref": org_ref or (org_key or "unknown").lower(), "org_key": org_key.upper() if org_key else None,
        "runtime_s": (runtime if runtime is not None else 1.0) if system == "full" else None,
        "statement_year": statement[0] if statement else None,
        "statement_month": statement[1] if statement else None,
        "source_row": 0,
    }


def write_staged(folder: Path, runs: list[dict], orgs: list[dict]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    runs_df = pd.DataFrame(runs, columns=list(RUNS_COLUMNS))
    runs_df["run_utc"] = pd.to_datetime(runs_df["run_utc"]).astype("datetime64[us]")
    for column in ("statement_year", "statement_month", "source_row"):
        runs_df[column] = runs_df[column].astype("Int64")
    runs_df["runtime_s"] = runs_df["runtime_s"].astype("Float64")
    for column in ("org_key", "org_ref", "user_key", "system"):
        runs_df[column] = runs_df[column].astype("string")
    runs_df["source_row"] = range(2, len(runs_df) + 2)
    orgs_df = pd.DataFrame(orgs, columns=list(ORGS_COLUMNS))
    runs_path, orgs_path = folder / "runs.parquet", folder / "orgs.parquet"
    runs_df.sort_values("run_utc").to_parquet(runs_path, index=False)
    orgs_df.to_parquet(orgs_path, index=False)
    return runs_path, orgs_path


def staged_connection(folder: Path, runs: list[dict], orgs: list[dict]):
    return connect(*write_staged(folder, runs, orgs))
