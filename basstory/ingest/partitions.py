"""Partitioned extracts: a `fullbas/` or `simplebas/` folder of many files instead of one file, and the staged rows
kept per file so that a refresh re-reads only the files that changed.

A SOURCE folder may hold, instead of `fullbas.csv`, a folder `fullbas/` (and likewise `simplebas/`) holding any
number of `.csv`, `.csv.gz` or `.parquet` files at any depth, e.g. `fullbas/date=2017-03-01/part-0001.csv.gz`
(hive-style folder names are only names here: every column comes from the files). Files whose name starts with `.`
or `_` (`_SUCCESS`, `.crc` files) are ignored. `orgcard` stays one file: it is one row per organisation, and which
row of a repeated organisation wins depends on the order of its rows.

Each file (a *part*) is read, checked and typed on its own, exactly as a one-file extract is: its findings name it by
its path under SOURCE and its physical line numbers, and repeated runs are found within the file. A part's accepted
rows are kept in the version folder as `parts/<slot>/part=<key>/*.parquet` (`key` = `part_key(relpath, sha256)`), its
stats and findings in `parts.json`. A slot's staged rows are the union of its parts' rows; the marts and derived
tables are then built from them as from a one-file extract.

Identity: a partitioned slot's hash is the sha256 over its parts' paths and content hashes (`slot_hash`), so the
version id changes when a part is added, removed, renamed or changed, and two folders with the same files give the
same version. A refresh (`basstory.ingest.refresh`) takes the rows of every part whose path and content hash are
unchanged from the current version's `parts/` and reads only the new or changed parts.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from basstory.ingest.extracts import extract_suffix

#: The slots that may be given as a folder of parts.
PARTITIONED_SLOTS: tuple[str, ...] = ("fullbas", "simplebas")
PARTS_DIR = "parts"
PARTS_FILE = "parts.json"


@dataclass(frozen=True)
class Part:
    """One file of a partitioned extract: `relpath` is its path under SOURCE with '/' separators
    (`fullbas/date=2017-03-01/part-0001.csv.gz`), the name every finding gives it."""

    slot: str
    relpath: str
    path: Path


def is_partitioned(path: Path) -> bool:
    return Path(path).is_dir()


def list_parts(folder: Path, slot: str) -> list[Part]:
    """The parts of `folder` (SOURCE/<slot>/), sorted by path; hidden and `_`-prefixed files are skipped."""
    folder = Path(folder)
    parts = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(piece.startswith((".", "_")) for piece in relative.parts):
            continue
        if path.is_file() and extract_suffix(path) is not None:
            parts.append(Part(slot=slot, relpath=f"{slot}/{relative.as_posix()}", path=path))
    return parts


def slot_hash(part_hashes: dict[str, str]) -> str:
    """The identity of a partitioned slot: sha256 over its parts' relative paths and content hashes."""
    digest = hashlib.sha256(b"basstory-parts-1")
    for relpath in sorted(part_hashes):
        digest.update(f"\n{relpath}\t{part_hashes[relpath]}".encode())
    return digest.hexdigest()


def part_key(relpath: str, sha256: str) -> str:
    """The folder key of one part's staged rows: its path and its content, so a renamed or changed part is new."""
    return hashlib.sha256(f"{relpath}\0{sha256}".encode()).hexdigest()[:24]


def part_rows_dir(version_dir: Path, slot: str, key: str) -> Path:
    return Path(version_dir) / PARTS_DIR / slot / f"part={key}"


def slot_rows_glob(version_dir: Path, slot: str) -> str:
    """A glob matching every parquet file of a slot's parts in a version folder."""
    return str(Path(version_dir) / PARTS_DIR / slot / "part=*" / "*.parquet")


def read_parts_record(version_dir: Path) -> dict[str, dict[str, Any]]:
    """`part_key` -> the stored record of each part of a version ({} for a version with no partitioned slot)."""
    try:
        data = json.loads((Path(version_dir) / PARTS_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return {record["key"]: record for record in data.get("parts", [])}


def reuse_part_rows(previous_dir: Path, built: Path, slot: str, key: str) -> bool:
    """Link (or copy) a part's staged rows from a previous version into `built`; False when it has none."""
    source = part_rows_dir(previous_dir, slot, key)
    if not source.is_dir() or not any(source.glob("*.parquet")):
        return False
    target = part_rows_dir(built, slot, key)
    target.mkdir(parents=True, exist_ok=True)
    for file in sorted(source.glob("*.parquet")):
        try:
            os.link(file, target / file.name)  # versions are immutable: a hard link is a copy that costs nothing
        except OSError:
            shutil.copy2(file, target / file.name)
    return True


def merged_stats(slot: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    """A partitioned slot's stats for the report: sums over its parts, the widest run period, the columns of the
    first part and every extra column any part has."""
    extra: list[str] = []
    for record in records:
        extra.extend(c for c in record["stats"].get("columns_extra", []) if c not in extra)
    firsts = [r["stats"].get("first_run_utc") for r in records if r["stats"].get("first_run_utc")]
    lasts = [r["stats"].get("last_run_utc") for r in records if r["stats"].get("last_run_utc")]
    return {
        "file": f"{slot}/",
        "columns_found": records[0]["stats"].get("columns_found", []) if records else [],
        "columns_missing": [],
        "columns_extra": extra,
        "rows_read": sum(r["stats"].get("rows_read", 0) for r in records),
        "rows_accepted": sum(r["stats"].get("rows_accepted", 0) for r in records),
        "rows_rejected": sum(r["stats"].get("rows_rejected", 0) for r in records),
        "first_run_utc": min(firsts) if firsts else None,
        "last_run_utc": max(lasts) if lasts else None,
        "parts": len(records),
    }


__all__ = ["PARTITIONED_SLOTS", "PARTS_DIR", "PARTS_FILE", "Part", "is_partitioned", "list_parts", "merged_stats",
           "part_key", "part_rows_dir", "read_parts_record", "reuse_part_rows", "slot_hash", "slot_rows_glob"]
