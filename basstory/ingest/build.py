"""Ingest: raw extracts -> a validated, typed dataset version in the store (see `ingest`).

Steps: resolve the three slots to files -> refuse any over `max_bytes` -> hash them (cache hit? done) -> read each
once under `scan.ReadLimits` (decompressed size, lines, columns, row length; line ends made uniform) and check the
disk can hold the decompressed text -> check each file can be read (present, not empty, UTF-8, comma-separated,
required columns) -> type each extract in one pass,
rejecting and counting bad rows -> write orgs.parquet and runs.parquet (org_key resolved) -> count runs by scope
reason -> write manifest.json and report.json -> publish the folder atomically and, when asked (or when the store has
no current version), activate it.

SOURCE's fullbas and simplebas may be folders of many files (`partitions`): each file is then checked and typed on
its own and its rows kept per file, which is what lets `refresh` re-read only new or changed files. Two engines build
a version: DuckDB here (`staging`), or Spark (`spark`, with the same rules translated by `dialect`); each then builds
the marts and derived tables from the same SQL (`marts`, `derive`: run by DuckDB as written, by Spark as translated),
and both give the same version.

Failure contract: when any file is unusable, nothing is written and `IngestError` is raised; its `report` has every
finding (all files are checked before giving up, so one run shows every problem). Row-level problems are warnings:
the rows are left out or kept as stated below, counted in the report and the manifest, and the version is written.

What is done with bad input (tests/test_bad_input.py holds each rule; lines are the file's physical lines):
- refused, the file named: a file in the wrong slot (the message says which extract it looks like), a missing or
  renamed column (a close name is pointed out), a header with no rows, zero bytes, Latin-1 (line and column of the
  first bad byte), UTF-16/32, a corrupt or cut .csv.gz, a fake or cut .parquet (parquet advice), a file over
  `max_bytes` (judged by its size alone), a file over a reading limit (`scan`: more decompressed text than allowed or
  a .csv.gz expanding more than 100 times, too many lines or header columns, a row over 1 MB, named with the line it
  starts on, which is also how a quote never closed shows), not enough disk for the decompressed text, and a
  semicolon-, tab- or pipe-delimited file: not sniffed, because such files usually carry decimal commas too;
- accepted: a UTF-8 byte-order mark, LF, CRLF and lone-CR line ends (mixed too), quoted fields holding commas or line
  breaks, BOOLEAN flag columns in parquet (read as 1 / 0), a file named like a glob pattern (read as itself);
- rows left out and reported: rows that cannot be split into the header's columns (a last line cut short among
  them), and rows whose date, time, user or organisation is unusable (empty, or holding a control character such as
  a NUL byte) or whose runtime is not a number;
- rows kept and reported: a negative runtime (emptied: a clock error should not lose the run) or a missing one
  (empty), run times after the ingest or before 2010 (kept as they are), and runs that repeat every staged value
  of an earlier row (kept: a report run twice within the same instant is real and cannot be told from a doubled
  row). Repeated organisations keep their first row (see `marts.write_orgs`).
No message names a server path (DuckDB's own error text is cut to the file's name).
Two writers may ingest at once: versions are published and activated under the store's lock, so CURRENT always
names one complete version.
"""
from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from basstory.core.schema import EXTRACT_BY_SLOT, EXTRACTS
from basstory.core.text import fmt_bytes
from basstory.ingest.derive import derive_tables
from basstory.ingest.extracts import (
    FileTooLarge,
    check_size,
    expected_file_names,
    extract_candidates,
    extract_suffix,
    find_extracts,
)
from basstory.ingest.partitions import (
    PARTITIONED_SLOTS,
    PARTS_FILE,
    Part,
    is_partitioned,
    list_parts,
    merged_stats,
    part_key,
    part_rows_dir,
    read_parts_record,
    reuse_part_rows,
    slot_hash,
    slot_rows_glob,
)
from basstory.ingest.scan import (
    DEFAULT_LIMITS,
    READ_ERRORS,
    CsvScan,
    FileRefused,
    ReadLimits,
    free_bytes,
    normalised_copy,
    scan_extract,
)
from basstory.ingest.staging import (
    STAGING_FORMAT,
    StagedExtract,
    connect,
    inspect_extract,
    reuse_staged,
    run_period,
    scope_counts,
    stage_extract,
    write_orgs,
    write_runs,
)
from basstory.ingest.store import DatasetStore, Version, version_id, write_json
from basstory.ingest.validation import Finding, IngestError, ValidationReport, empty_file_stats

#: The engines that can build a version: DuckDB on this machine (the default), or Apache Spark (`ingest.spark`).
ENGINES: tuple[str, ...] = ("duckdb", "spark")

__all__ = ["FileTooLarge", "IngestError", "IngestResult", "check_size", "find_extracts", "ingest"]


@dataclass
class IngestResult:
    """What `ingest` did. `version` is always set when ingest returns (failures raise IngestError)."""

    version: Version | None
    report: ValidationReport
    cache_hit: bool
    activated: bool


def ingest(sources: Path | Mapping[str, Path], store: DatasetStore | None = None, *, name: str | None = None,
           activate: bool = False, max_bytes: int | None = None,
           limits: ReadLimits = DEFAULT_LIMITS, engine: str = "duckdb", spark_master: str | None = None,
           reuse_parts_from: Version | None = None) -> IngestResult:
    """Validate and stage the extracts into a new dataset version (or find the identical one already stored).

    sources: a folder holding fullbas / simplebas / orgcard (.csv, .csv.gz or .parquet; all three required), or a
      mapping {slot: file}. With a mapping, a slot left out is taken from the current version: its staged rows are
      re-used (runs.parquet rows of that system, or orgs.parquet) and its identity is the sha256 of the file it was
      originally staged from, so the new version's id is the one the full set of raw files would give. Org keys and
      scope are recomputed against the new companions.
    name: a label for the version (default: the folder's name, or the file names).
    activate: make it current. A store with no current version always activates its first version.
    max_bytes: refuse any file larger than this (see `extracts.check_size`) before reading a byte of it.
    limits: the limits each file is read under (decompressed size, lines, columns, row length; see `scan`).
    engine: 'duckdb' (this machine) or 'spark' (`ingest.spark`, with `spark_master`, e.g. 'local[2]' or
      'spark://host:7077'); both give the same version (same id, tables, report).
    reuse_parts_from: a version whose staged parts are taken instead of reading a part again when its path and
      content hash are unchanged (`partitions`; what `refresh` does).

    Raises IngestError (with the report) when a file is missing or unusable; the store is then left untouched.
    """
    store = store if store is not None else DatasetStore()
    report = ValidationReport()
    files, reused = _resolve_sources(sources, store, report)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; the engines are {', '.join(ENGINES)}")
    parts = {slot: list_parts(path, slot) for slot, path in files.items() if is_partitioned(path)}
    for slot, slot_parts in parts.items():
        if not slot_parts:
            report.add("error", f"{slot}/", f"the folder {slot}/ holds no .csv, .csv.gz or .parquet file. Add the "
                                            f"{slot} extract's files and ingest again.")
    if max_bytes is not None:
        for path in [p for p in files.values() if not is_partitioned(p)] + [p.path for ps in parts.values()
                                                                              for p in ps]:
            try:
                if path.is_file():
                    check_size(path, max_bytes)
            except FileTooLarge as refused:
                report.add("error", path.name, str(refused))
    if not report.ok:
        raise IngestError(report)

    # identity first: a cache hit must not cost more than hashing the inputs
    part_hashes = {slot: {p.relpath: store.file_sha256(p.path) for p in slot_parts}
                   for slot, slot_parts in parts.items()}
    hashes = {slot: slot_hash(part_hashes[slot]) if slot in parts else store.file_sha256(path)
              for slot, path in files.items()}
    for slot, previous in reused.items():
        hashes[slot] = previous.manifest["sources"][slot]["sha256"]
    new_id = version_id(hashes, STAGING_FORMAT)
    if store.has(new_id):
        return _cache_hit(store, new_id, activate, report)

    store.remove_stale_work_dirs()
    work = store.new_work_dir()
    try:
        built = work / "version"
        built.mkdir()
        staged_parts = {slot: [(p, part_hashes[slot][p.relpath]) for p in slot_parts]
                        for slot, slot_parts in parts.items()}
        report = _build_version(files, reused, hashes, new_id, name or _default_name(sources, files), work, built,
                                report, limits, parts=staged_parts, reuse_parts_from=reuse_parts_from,
                                engine=engine, spark_master=spark_master)
        version, already_there, activated = store.publish(built, new_id, activate=activate)
        return IngestResult(version=version, report=report if not already_there else version.report(),
                            cache_hit=already_there, activated=activated)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _resolve_sources(sources: Path | Mapping[str, Path], store: DatasetStore,
                     report: ValidationReport) -> tuple[dict[str, Path], dict[str, Version]]:
    """(slot -> file to read, slot -> version whose staged rows are re-used); problems go to `report`."""
    files: dict[str, Path] = {}
    reused: dict[str, Version] = {}
    if isinstance(sources, Mapping):
        unknown = sorted(set(sources) - set(EXTRACT_BY_SLOT))
        if unknown:
            raise ValueError(f"unknown extract slot(s) {unknown}; the slots are {sorted(EXTRACT_BY_SLOT)}")
        current = store.current()
        for extract in EXTRACTS:
            if extract.slot in sources:
                path = Path(sources[extract.slot])
                files[extract.slot] = path
                if not path.is_file():
                    report.files[extract.slot] = empty_file_stats(path.name)
                    report.add("error", path.name, f"the file {path} given for {extract.slot} does not exist. "
                                                   f"Check the path and ingest again.")
            elif current is not None:
                reused[extract.slot] = current
            else:
                report.add("error", extract.filename, f"no file was given for {extract.slot} and there is no "
                                                      f"current version to take it from. Give all three extracts "
                                                      f"for the first ingest.")
        if not files and not report.errors:
            raise ValueError("no extract files were given")
        return files, reused

    folder = Path(sources)
    if not folder.is_dir():
        report.add("error", folder.name, f"the folder {folder} does not exist. Give the folder that holds "
                                         f"fullbas.csv, simplebas.csv and orgcard.csv.")
        return files, reused
    for slot, candidates in extract_candidates(folder).items():
        extract = EXTRACT_BY_SLOT[slot]
        partitioned = folder / slot
        if slot in PARTITIONED_SLOTS and partitioned.is_dir():
            files[slot] = partitioned
            if candidates:
                report.add("warning", f"{slot}/", f"{folder} holds both a folder {slot}/ and "
                                                  f"{', '.join(p.name for p in candidates)}; the folder was used. "
                                                  f"Remove the other to avoid doubt.")
            continue
        if not candidates:
            report.add("error", extract.filename, f"no {slot} extract in {folder}: expected a file named "
                                                  f"{' or '.join(expected_file_names(extract))}. Add it (all three "
                                                  f"extracts are needed) and ingest again.")
            continue
        files[slot] = candidates[0]
        if len(candidates) > 1:
            report.add("warning", candidates[0].name, f"{folder} holds several {slot} files "
                                                      f"({', '.join(p.name for p in candidates)}); "
                                                      f"{candidates[0].name} was used. Remove the others to avoid "
                                                      f"doubt.")
    return files, reused


def _cache_hit(store: DatasetStore, existing_id: str, activate: bool, fresh: ValidationReport) -> IngestResult:
    """The stored version's report, plus what resolving this ingest's sources found (e.g. a doubled file)."""
    activated = False
    if activate or store.current() is None:
        store.activate(existing_id)
        activated = True
    version = store.get(existing_id)
    report = version.report()
    report.findings[:0] = [f for f in fresh.findings if f not in report.findings]
    return IngestResult(version=version, report=report, cache_hit=True, activated=activated)


def _build_version(files: dict[str, Path], reused: dict[str, Version], hashes: dict[str, str], new_id: str,
                   name: str, work: Path, built: Path, report: ValidationReport,
                   limits: ReadLimits = DEFAULT_LIMITS, *, parts: dict[str, list[tuple[Part, str]]] | None = None,
                   reuse_parts_from: Version | None = None, engine: str = "duckdb",
                   spark_master: str | None = None) -> ValidationReport:
    """Write runs.parquet, orgs.parquet, the derived tables, report.json and manifest.json into `built`; raise
    IngestError on errors. `parts`: slot -> (part, sha256) of each partitioned slot (see `partitions`)."""
    parts = parts or {}
    single = {slot: path for slot, path in files.items() if slot not in parts}
    if engine == "spark":
        # the derived tables are built in Spark with the marts (`_stage_with_spark`)
        run_rows, org_rows, period, part_records = _stage_with_spark(single, parts, reused, work, built, report,
                                                                     limits, reuse_parts_from, spark_master)
    else:
        run_rows, org_rows, period, part_records = _stage_with_duckdb(single, parts, reused, work, built, report,
                                                                      limits, reuse_parts_from)
        # what depends only on a run, derived once so that no page has to (ingest.derive)
        derive_tables(built / "runs.parquet", built / "orgs.parquet", built)
    return _write_descriptions(files, reused, hashes, new_id, name, built, report, run_rows, org_rows, period,
                               part_records)


def _stage_with_duckdb(single: dict[str, Path], parts: dict[str, list[tuple[Part, str]]],
                       reused: dict[str, Version], work: Path, built: Path, report: ValidationReport,
                       limits: ReadLimits, reuse_parts_from: Version | None
                       ) -> tuple[dict[str, int], int, dict, dict[str, list[dict]]]:
    """Stage the extracts with DuckDB into built/orgs.parquet and built/runs.parquet (the scope counts into
    `report`). Returns (runs per system, orgs, the runs' period, the parts' records per partitioned slot)."""
    read_paths = readable_copies(single, work, report, limits)
    if not report.ok:
        raise IngestError(report)
    con = connect(work)
    try:
        column_maps = {slot: inspect_extract(con, EXTRACT_BY_SLOT[slot], path, report, read_path=read_paths[slot])
                       for slot, path in single.items()}
        if not report.ok:
            raise IngestError(report)
        staged: dict[str, StagedExtract | None] = {}
        for slot, path in single.items():
            staged[slot] = stage_extract(con, EXTRACT_BY_SLOT[slot], path, column_maps[slot], work, report,
                                         read_path=read_paths[slot])
        if not report.ok:
            raise IngestError(report)
        previous = read_parts_record(reuse_parts_from.path) if reuse_parts_from is not None else {}
        part_records = {slot: [_stage_part_duckdb(part, sha, work, built, limits, previous, reuse_parts_from)
                               for part, sha in slot_parts]
                        for slot, slot_parts in parts.items()}
        merge_part_records(report, part_records)
        if not report.ok:
            raise IngestError(report)
        for slot in parts:
            staged[slot] = _rows_view(con, slot, [slot_rows_glob(built, slot)])
        run_rows, org_rows, period = _build_marts(con, staged, single, reused, built, report)
    finally:
        con.close()
    return run_rows, org_rows, period, part_records


def _stage_with_spark(single: dict[str, Path], parts: dict[str, list[tuple[Part, str]]],
                      reused: dict[str, Version], work: Path, built: Path, report: ValidationReport,
                      limits: ReadLimits, reuse_parts_from: Version | None, master: str | None
                      ) -> tuple[dict[str, int], int, dict, dict[str, list[dict]]]:
    """As `_stage_with_duckdb`, the files read, checked and typed by Spark (`ingest.spark`); then the marts and the
    derived tables are built in Spark too, from the same SQL as on the DuckDB engine (`spark.SparkRunner`)."""
    from basstory.ingest.spark import marts_and_derived_with_spark, stage_with_spark

    staged_rows = stage_with_spark(single, parts, work, built, report, limits, reuse_parts_from=reuse_parts_from,
                                   master=master)
    globs = dict(staged_rows.rows_globs)
    if reused:
        # a slot taken from the current version: its staged rows, as the DuckDB engine reads them, handed to Spark
        con = connect(work)
        try:
            for slot, previous_version in reused.items():
                view = reuse_staged(con, slot, previous_version.runs_path, previous_version.orgs_path).rows_view
                target = work / "reused" / f"{slot}.parquet"
                target.parent.mkdir(exist_ok=True)
                con.execute(f"COPY (SELECT * FROM {view}) TO '{_sql_path(target)}' (FORMAT parquet)").fetchall()
                globs[slot] = [str(target)]
        finally:
            con.close()

    def build_marts(runner):
        from basstory.ingest.recipes import RECIPES

        staged: dict[str, StagedExtract | None] = {}
        for slot, slot_globs in globs.items():
            runner.parquet(f"{slot}_files", slot_globs)
            runner.view(f"{slot}_rows", f"SELECT {', '.join(RECIPES[slot].typed)}, source_row FROM {slot}_files")
            staged[slot] = StagedExtract(slot=slot, rows_view=f"{slot}_rows")
        return _build_marts(runner, staged, single, reused, built, report)

    run_rows, org_rows, period = marts_and_derived_with_spark(build_marts, built / "runs.parquet",
                                                              built / "orgs.parquet", built, work, master)
    return run_rows, org_rows, period, staged_rows.part_records


def _build_marts(con, staged: dict[str, StagedExtract | None], single: dict[str, Path],
                 reused: dict[str, Version], built: Path, report: ValidationReport
                 ) -> tuple[dict[str, int], int, dict]:
    """orgs.parquet and runs.parquet from the staged rows (`marts`), and the scope counts into `report`. `con`:
    a DuckDB connection, or a `dialect.SqlRunner` (the Spark engine, which hands over the re-used slots' rows)."""
    for slot, previous_version in reused.items():
        if slot not in staged:
            staged[slot] = reuse_staged(con, slot, previous_version.runs_path, previous_version.orgs_path)
        _carry_over_report(report, slot, previous_version)
    orgs_file = single["orgcard"].name if "orgcard" in single else reused["orgcard"].manifest["sources"][
        "orgcard"]["file"]
    org_rows = write_orgs(con, staged["orgcard"].rows_view, built / "orgs.parquet", report, orgs_file)
    run_rows = write_runs(con, staged["fullbas"].rows_view, staged["simplebas"].rows_view,
                          built / "orgs.parquet", built / "runs.parquet")
    report.scope, report.scope_by_system = scope_counts(con, built / "runs.parquet", built / "orgs.parquet")
    period = run_period(con, built / "runs.parquet")
    return run_rows, org_rows, period


def _stage_part_duckdb(part: Part, sha256: str, work: Path, built: Path, limits: ReadLimits,
                       previous: dict[str, dict], previous_version: Version | None) -> dict:
    """Read, check and type one part as a one-file extract; keep its accepted rows under built/parts/ (or take them
    from `previous_version` when it holds this very part). Returns the part's record (see `partitions`)."""
    key = part_key(part.relpath, sha256)
    if key in previous and previous_version is not None and reuse_part_rows(previous_version.path, built,
                                                                            part.slot, key):
        return previous[key]
    extract = EXTRACT_BY_SLOT[part.slot]
    part_work = work / f"part-{key}"
    part_work.mkdir()
    sub = ValidationReport()
    sub.files[part.slot] = empty_file_stats(part.relpath)
    try:
        read_paths = readable_copies({part.slot: part.path}, part_work, sub, limits)
        if sub.ok:
            con = connect(part_work)
            try:
                column_map = inspect_extract(con, extract, part.path, sub, read_path=read_paths[part.slot])
                staged = (stage_extract(con, extract, part.path, column_map, part_work, sub,
                                        read_path=read_paths[part.slot]) if column_map is not None else None)
                if staged is not None and sub.ok:
                    target = part_rows_dir(built, part.slot, key)
                    target.mkdir(parents=True)
                    con.execute(f"COPY (SELECT * FROM {staged.rows_view}) TO '{_sql_path(target / 'rows.parquet')}' "
                                f"(FORMAT parquet, COMPRESSION zstd)").fetchall()
            finally:
                con.close()
    finally:
        shutil.rmtree(part_work, ignore_errors=True)
    return part_record(part, sha256, sub)


def part_record(part: Part, sha256: str, sub: ValidationReport) -> dict:
    """What a part's own report says, as kept in parts.json: its stats and findings, named by its path."""
    stats = dict(sub.files.get(part.slot) or empty_file_stats(part.relpath))
    stats["file"] = part.relpath
    findings = []
    for finding in sub.findings:
        named = asdict(finding)
        if named["file"] == part.path.name:
            named["file"] = part.relpath
        findings.append(named)
    return {"key": part_key(part.relpath, sha256), "slot": part.slot, "file": part.relpath, "sha256": sha256,
            "bytes": part.path.stat().st_size, "stats": stats, "findings": findings}


def merge_part_records(report: ValidationReport, part_records: dict[str, list[dict]]) -> None:
    """Add the parts' findings to `report` and set each partitioned slot's stats (sums over its parts)."""
    for slot, records in part_records.items():
        for record in records:
            report.findings.extend(Finding(**finding) for finding in record["findings"])
        report.files[slot] = merged_stats(slot, records)


def _rows_view(con, slot: str, globs: list[str]) -> StagedExtract:
    """A view `<slot>_rows` over staged rows kept as parquet (a partitioned slot's parts, or the rows the Spark
    engine wrote), shaped like `stage_extract`'s."""
    from basstory.ingest.recipes import RECIPES

    view = f"{slot}_rows"
    files = ", ".join(f"'{_sql_path(Path(g))}'" for g in globs)
    # ordered by line: orgcard's first row of a repeated organisation wins, as when it is read directly
    con.execute(f"""CREATE OR REPLACE VIEW {view} AS
        SELECT {', '.join(RECIPES[slot].typed)}, source_row
        FROM read_parquet([{files}], hive_partitioning=false)""").fetchall()
    return StagedExtract(slot=slot, rows_view=view)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _write_descriptions(files: dict[str, Path], reused: dict[str, Version], hashes: dict[str, str], new_id: str,
                        name: str, built: Path, report: ValidationReport, run_rows: dict[str, int], org_rows: int,
                        period: dict, part_records: dict[str, list[dict]]) -> ValidationReport:
    """Write parts.json (when a slot is partitioned), report.json and, last, manifest.json into `built`."""

    if part_records:
        write_json(built / PARTS_FILE, {"parts": [r for e in EXTRACTS for r in part_records.get(e.slot, [])]})
    # schema order for readers of report.files
    report.files = {e.slot: report.files[e.slot] for e in EXTRACTS if e.slot in report.files}
    write_json(built / "report.json", report.to_dict())
    sources = {}
    for extract in EXTRACTS:
        stats = report.files[extract.slot]
        records = part_records.get(extract.slot)
        sources[extract.slot] = {
            "file": stats["file"], "sha256": hashes[extract.slot],
            "bytes": sum(r["bytes"] for r in records) if records is not None
            else files[extract.slot].stat().st_size if extract.slot in files
            else reused[extract.slot].manifest["sources"][extract.slot]["bytes"],
            "rows_read": stats["rows_read"], "rows_accepted": stats["rows_accepted"],
            "rows_rejected": stats["rows_rejected"], "reused_from": stats.get("reused_from"),
        }
        if records is not None:
            sources[extract.slot]["parts"] = len(records)
    manifest = {
        "id": new_id,
        "name": name,
        "staging_format": STAGING_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "sources": sources,
        "rows": {"full": run_rows["full"], "simple": run_rows["simple"], "orgs": org_rows},
        "period": period,
        "scope": report.scope,
    }
    # the manifest is written last: a folder with a manifest is a complete version
    write_json(built / "manifest.json", manifest)
    return report


#: Room the check needs beyond the files' decompressed text (DuckDB's typed copy and spill are smaller than the text).
WORK_SPACE_MARGIN_BYTES = 256 * 1024 * 1024
#: Characters DuckDB reads as a file-name pattern (a file named `*.csv` would read every CSV beside it).
_GLOB_CHARACTERS = frozenset("*?[]{}")


def readable_copies(files: dict[str, Path], work: Path, report: ValidationReport,
                    limits: ReadLimits = DEFAULT_LIMITS) -> dict[str, Path]:
    """Slot -> the path DuckDB should read for each file, after reading each once under `limits` (`scan`).

    Refusals go to `report` as errors. The disk check counts the decompressed text. A file whose line ends DuckDB
    cannot read as they are is rewritten with LF line ends into `work`; a path holding a glob character is read
    through a link named after its slot, so it is never taken as a pattern. Otherwise the file is read in place.
    """
    scans: dict[str, object] = {}
    for slot, path in files.items():
        if not path.is_file() or path.stat().st_size == 0:
            continue  # inspect_extract reports these
        try:
            scans[slot] = scan_extract(path, limits)
        except FileRefused as refused:
            report.files.setdefault(slot, empty_file_stats(path.name))
            report.add("error", path.name, str(refused), rows=[refused.line] if refused.line else None,
                       count=1 if refused.line else 0)
        except READ_ERRORS as error:
            report.files.setdefault(slot, empty_file_stats(path.name))
            report.add("error", path.name, f"the file could not be read to the end ({_error_text(error)}): it is "
                                           f"not a whole CSV or gzip-compressed CSV. Copy, download or compress it "
                                           f"again.")
    if not report.ok:
        return {}
    text_bytes = sum(getattr(s, "bytes", 0) for s in scans.values())
    copies = sum(s.bytes for s in scans.values() if isinstance(s, CsvScan) and s.needs_normalising)
    needed = text_bytes + copies + WORK_SPACE_MARGIN_BYTES
    free = free_bytes(work)
    if needed > free:
        biggest = max(files, key=lambda s: getattr(scans.get(s), "bytes", 0))
        report.add("error", files[biggest].name, f"there is not enough disk space to check the files: they hold "
                                                 f"{fmt_bytes(text_bytes)} decompressed and the check needs "
                                                 f"{fmt_bytes(needed)} of room; {fmt_bytes(free)} is free. Ask the "
                                                 f"operator to free disk space, or give a shorter period.")
        return {}
    read_paths: dict[str, Path] = {}
    for slot, path in files.items():
        scan = scans.get(slot)
        suffix = extract_suffix(path) or ".csv"
        if isinstance(scan, CsvScan) and scan.needs_normalising:
            (work / "read").mkdir(exist_ok=True)
            read_paths[slot] = normalised_copy(path, work / "read" / f"{slot}.csv")
        elif _GLOB_CHARACTERS & set(str(path)):
            (work / "read").mkdir(exist_ok=True)
            link = work / "read" / f"{slot}{suffix}"
            link.symlink_to(path.resolve())
            read_paths[slot] = link
        else:
            read_paths[slot] = path
    return read_paths


def _error_text(error: BaseException) -> str:
    """An exception's text without the file's folder (messages never show a server path)."""
    text = getattr(error, "strerror", None) or str(error)
    return str(text).strip().splitlines()[0][:200] if text else type(error).__name__


def _carry_over_report(report: ValidationReport, slot: str, previous: Version) -> None:
    """Copy a re-used slot's stats and findings from the version it comes from."""
    previous_report = previous.report()
    stats = dict(previous_report.files.get(slot) or empty_file_stats(previous.manifest["sources"][slot]["file"]))
    stats["reused_from"] = stats.get("reused_from") or previous.id
    report.files[slot] = stats
    report.findings.extend(f for f in previous_report.findings if f.file == stats["file"])


def _default_name(sources: Path | Mapping[str, Path], files: dict[str, Path]) -> str:
    if isinstance(sources, Mapping):
        return " + ".join(path.name for path in files.values())
    return Path(sources).resolve().name
