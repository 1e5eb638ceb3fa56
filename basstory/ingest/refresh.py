"""Refresh: bring the store up to date with a SOURCE folder that grows (new or changed partitions), safely from cron.

`refresh(source, store)`:
1. takes the refresh lock (`<store>/.refresh.lock`, fcntl, not waited for): when another refresh holds it, this one
   does nothing and says so (`RefreshResult.state == "busy"`), so overlapping cron runs cannot pile up;
2. hashes SOURCE's files (memoised per file, so an unchanged folder costs a `stat` per file) and computes the version
   id a full ingest would give. When that is the current version, nothing is done ("up to date"): a refresh is
   idempotent. When the store already holds it, it is activated;
3. otherwise ingests SOURCE with `reuse_parts_from` = the current version: each part whose path and content hash are
   unchanged is taken from the current version's staged parts, and only new or changed parts are read and checked
   (`partitions`). The marts and derived tables are built again from all the parts, so the new version is exactly
   the one a full ingest of the same files gives (same id, same tables, same report);
4. activates the new version when it checks out: no file was refused (`IngestError` otherwise) and it has runs.
   On any failure the current version and CURRENT are untouched, and the work folder is removed.
"""
from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from basstory.ingest.build import IngestResult, ingest
from basstory.ingest.scan import DEFAULT_LIMITS, ReadLimits
from basstory.ingest.store import DatasetStore, Version

LOCK_FILE = ".refresh.lock"


@dataclass
class RefreshResult:
    """What a refresh did. state: 'busy' (another refresh holds the lock; nothing done), 'up to date' (SOURCE gives
    the current version), 'activated' (a stored version or a newly built one was made current)."""

    state: str
    version: Version | None
    ingest: IngestResult | None = None
    parts_read: int = 0
    parts_reused: int = 0


class RefreshRefused(RuntimeError):
    """The new version was built but does not check out (no runs); it was kept, not activated."""


@contextlib.contextmanager
def refresh_lock(store: DatasetStore) -> Iterator[bool]:
    """Yield True while this process holds the store's refresh lock, False when another process does."""
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def refresh(source: Path, store: DatasetStore | None = None, *, name: str | None = None, engine: str = "duckdb",
            spark_master: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> RefreshResult:
    """Make the store's current version the one SOURCE's files give, reading only what changed (module docstring).

    Raises IngestError (with the report) when a file is unusable, RefreshRefused when the version built has no
    runs; in both cases the current version is left as it was."""
    store = store if store is not None else DatasetStore()
    with refresh_lock(store) as held:
        if not held:
            return RefreshResult(state="busy", version=store.current())
        current = store.current()
        result = ingest(Path(source), store, name=name, activate=False, limits=limits, engine=engine,
                        spark_master=spark_master, reuse_parts_from=current)
        version = result.version
        if current is not None and version.id == current.id:
            return RefreshResult(state="up to date", version=current, ingest=result)
        rows = version.manifest.get("rows", {})
        if not (rows.get("full", 0) + rows.get("simple", 0)):
            raise RefreshRefused(f"version {version.id} built from {source} holds no runs; it was not activated")
        store.activate(version.id)
        read, reused = _parts_counts(version, current)
        return RefreshResult(state="activated", version=store.get(version.id), ingest=result, parts_read=read,
                             parts_reused=reused)


def _parts_counts(version: Version, previous: Version | None) -> tuple[int, int]:
    """(parts read for this version, parts taken from `previous`), from the versions' parts records."""
    from basstory.ingest.partitions import read_parts_record

    now = read_parts_record(version.path)
    before = read_parts_record(previous.path) if previous is not None else {}
    reused = sum(1 for key in now if key in before)
    return len(now) - reused, reused


__all__ = ["LOCK_FILE", "RefreshRefused", "RefreshResult", "refresh", "refresh_lock"]
