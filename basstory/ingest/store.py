"""The versioned dataset store: every successful ingest is one immutable folder; CURRENT names the one in use.

Layout under the store root (default `paths.store_dir()`):

    versions/<id>/runs.parquet      staged runs   (grain and columns: schema.RUNS_COLUMNS)
    versions/<id>/orgs.parquet      staged orgs   (grain and columns: schema.ORGS_COLUMNS)
    versions/<id>/manifest.json     what went in: sources (file, sha256, bytes, rows), row counts, period, name
    versions/<id>/report.json       the validation report (ValidationReport.to_dict)
    CURRENT                         text: the id of the version in use
    tmp/<random>/                   work in progress; never read by anyone else
    .lock                           fcntl lock serialising writers (publish, activate, delete)
    file_hashes.json                memo of sha256 per (path, inode, size, mtime, ctime) of settled files: makes
                                    cache hits on big files instant; a write changes ctime, so no stale entry matches

Safety: a version is built in `tmp/` and appears under `versions/` by one `os.rename`, so a half-written version is
never visible; CURRENT is replaced by `os.replace` of a fully written temp file. A version id is a content hash of the
inputs (see `version_id`), so the same inputs always map to the same folder, which is what makes re-ingesting
identical files a cache hit.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from basstory.core import paths
from basstory.core.schema import EXTRACTS
from basstory.ingest.extracts import sha256_of_file

if TYPE_CHECKING:
    from basstory.ingest.validation import ValidationReport

_CURRENT = "CURRENT"
_HASH_MEMO = "file_hashes.json"
_HASH_MEMO_MAX_ENTRIES = 256
#: A file changed this recently is not memoised: file times tick in coarse steps (a few ms), so a second write within
#: the same step would leave (size, mtime, ctime) unchanged. Once both times are older than this, any further write
#: moves ctime visibly (the "racy git" rule).
_HASH_MEMO_SETTLE_SECONDS = 2.0
#: Work folders older than this are left over from a killed process and may be removed.
_STALE_TMP_SECONDS = 24 * 3600


def version_id(source_hashes: Mapping[str, str], staging_format: str) -> str:
    """The id of the version built from these inputs: 16 hex digits of a sha256 over the staging format and, per
    slot in schema order, the sha256 of the slot's file bytes. File names do not count: a renamed copy is a hit."""
    digest = hashlib.sha256(staging_format.encode())
    for extract in EXTRACTS:
        digest.update(f"\n{extract.slot}:{source_hashes[extract.slot]}".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Version:
    """One ingested dataset: a folder with runs.parquet, orgs.parquet, manifest.json and report.json.

    `manifest` = {"id", "name", "staging_format", "created_at" (ISO UTC),
    "sources": {slot: {"file", "sha256", "bytes", "rows_read", "rows_accepted", "rows_rejected", "reused_from"}},
    "rows": {"full", "simple", "orgs"}, "period": {"first_run_utc", "last_run_utc"}, "scope": {reason: runs}}.
    Equality and hashing use `id` and `path` only.
    """

    id: str
    path: Path
    manifest: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def runs_path(self) -> Path:
        return self.path / "runs.parquet"

    @property
    def orgs_path(self) -> Path:
        return self.path / "orgs.parquet"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def report_path(self) -> Path:
        return self.path / "report.json"

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", self.id))

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))

    def report(self) -> ValidationReport:
        """The validation report stored with this version."""
        from basstory.ingest.validation import ValidationReport
        return ValidationReport.from_dict(json.loads(self.report_path.read_text(encoding="utf-8")))


class DatasetStore:
    """Versions of the staged dataset under one root folder (see the module docstring for the layout)."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root is not None else paths.store_dir()

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def __repr__(self) -> str:
        return f"DatasetStore({str(self.root)!r})"

    # --- reading -------------------------------------------------------------------------------------------------

    def current(self) -> Version | None:
        """The version in use, or None when nothing was activated (or CURRENT names a deleted version)."""
        try:
            version_id_ = (self.root / _CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        if not version_id_ or not (self.versions_dir / version_id_ / "manifest.json").is_file():
            return None
        return self.get(version_id_)

    def get(self, version_id: str) -> Version:
        """The version with this id; KeyError when there is none."""
        folder = self.versions_dir / version_id
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(f"no version {version_id!r} in the dataset store {self.root}") from None
        return Version(id=version_id, path=folder, manifest=manifest)

    def has(self, version_id: str) -> bool:
        return (self.versions_dir / version_id / "manifest.json").is_file()

    def versions(self) -> list[Version]:
        """Every version, newest first (by created_at)."""
        if not self.versions_dir.is_dir():
            return []
        found = []
        for folder in self.versions_dir.iterdir():
            with contextlib.suppress(KeyError, json.JSONDecodeError):
                found.append(self.get(folder.name))
        return sorted(found, key=lambda v: (v.created_at, v.id), reverse=True)

    # --- writing -------------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Exclusive writer lock (fcntl.flock on <root>/.lock); works across processes and threads."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def activate(self, version_id: str) -> None:
        """Make `version_id` the current version (atomic: CURRENT.tmp is written, then os.replace'd)."""
        with self.lock():
            self._activate_locked(version_id)

    def _activate_locked(self, version_id: str) -> None:
        if not self.has(version_id):
            raise KeyError(f"no version {version_id!r} in the dataset store {self.root}")
        temp = self.root / f"{_CURRENT}.tmp"
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(version_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.root / _CURRENT)

    def delete(self, version_id: str) -> None:
        """Remove a version. Refuses the current one (ValueError): activate another version first."""
        with self.lock():
            current = self.current()
            if current is not None and current.id == version_id:
                raise ValueError(f"version {version_id} is the current version and cannot be deleted; activate "
                                 f"another version first")
            if not self.has(version_id):
                raise KeyError(f"no version {version_id!r} in the dataset store {self.root}")
            # move it out of versions/ in one step, so readers never see a half-deleted version
            doomed = self.new_work_dir(prefix=f"deleting-{version_id}-")
            os.rename(self.versions_dir / version_id, doomed / version_id)
        shutil.rmtree(doomed, ignore_errors=True)

    def new_work_dir(self, prefix: str = "ingest-") -> Path:
        """A fresh private folder under tmp/ (same file system as versions/, so os.rename is atomic)."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=prefix, dir=self.tmp_dir))

    def publish(self, built: Path, version_id: str, *, activate: bool) -> tuple[Version, bool, bool]:
        """Move a fully written version folder into versions/<id> and activate it when asked or when there is no
        current version. Returns (version, already_there, activated); when another writer published the same id
        first, `built` is left in place for the caller to remove and the existing version is returned."""
        with self.lock():
            target = self.versions_dir / version_id
            already_there = self.has(version_id)
            if not already_there:
                self.versions_dir.mkdir(parents=True, exist_ok=True)
                os.rename(built, target)
            activated = False
            if activate or self.current() is None:
                self._activate_locked(version_id)
                activated = True
        return self.get(version_id), already_there, activated

    def remove_stale_work_dirs(self, older_than_s: float = _STALE_TMP_SECONDS) -> None:
        """Delete tmp/ folders left by killed processes (only old ones: a running ingest may own a new one)."""
        if not self.tmp_dir.is_dir():
            return
        now = time.time()
        for folder in self.tmp_dir.iterdir():
            with contextlib.suppress(OSError):
                if now - folder.stat().st_mtime > older_than_s:
                    shutil.rmtree(folder, ignore_errors=True)

    # --- hashing -------------------------------------------------------------------------------------------------

    def file_sha256(self, path: Path) -> str:
        """sha256 of a file's bytes, remembered per (path, inode, size, mtime, ctime) in file_hashes.json."""
        path = Path(path).resolve()
        stat = path.stat()
        key = f"{path}|{stat.st_ino}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}"
        memo = self._read_hash_memo()
        if key in memo:
            return memo[key]
        digest = sha256_of_file(path)
        if time.time() - max(stat.st_mtime, stat.st_ctime) < _HASH_MEMO_SETTLE_SECONDS:
            return digest
        memo = self._read_hash_memo()
        memo[key] = digest
        self._write_hash_memo(dict(list(memo.items())[-_HASH_MEMO_MAX_ENTRIES:]))
        return digest

    def _read_hash_memo(self) -> dict[str, str]:
        try:
            data = json.loads((self.root / _HASH_MEMO).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (FileNotFoundError, json.JSONDecodeError):
            return {}

    def _write_hash_memo(self, memo: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temp = self.root / f"{_HASH_MEMO}.{uuid.uuid4().hex}.tmp"
        temp.write_text(json.dumps(memo), encoding="utf-8")
        os.replace(temp, self.root / _HASH_MEMO)  # last writer wins; every entry is correct on its own


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON (UTF-8, indented) and fsync it: it is part of a version that must be complete once published."""
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
