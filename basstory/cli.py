"""Command line: `python -m basstory {sample,ingest,refresh,facts,datasets,bench,export} ...`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from basstory.core import paths


def _cmd_sample(args: argparse.Namespace) -> int:
    import time

    from basstory.ingest.sample import generate_sample

    started = time.perf_counter()
    counts = generate_sample(Path(args.out), scale=args.scale, seed=args.seed)
    took = time.perf_counter() - started
    print(f"wrote {', '.join(f'{k} {v:,} rows' for k, v in counts.items())} to {args.out} in {took:.1f} s")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore
    from basstory.ingest.validation import IngestError
    from basstory.ingest.versions import BUNDLED_NAME, check_upload_name

    # the bundled sample's own name is the operator's to give (make sample does); a look-alike of it is nobody's
    refused = check_upload_name(args.name) if args.name and args.name != BUNDLED_NAME else None
    if refused:
        print(f"error: --name: {refused}", file=sys.stderr)
        return 2
    store = DatasetStore()
    if args.engine == "spark" and (missing := _spark_missing()):
        print(f"error: --engine spark: {missing}", file=sys.stderr)
        return 2
    try:
        result = ingest(Path(args.dir), store, name=args.name, activate=args.activate, engine=args.engine,
                        spark_master=args.master)
    except IngestError as error:
        for line in error.report.summary_lines():
            print(line, file=sys.stderr)
        print(f"error: the extracts in {args.dir} could not be ingested; nothing was changed", file=sys.stderr)
        return 2
    for line in result.report.summary_lines():
        print(line)
    version = result.version
    state = "already stored" if result.cache_hit else "ingested"
    print(f"{state}: version {version.id} ({version.name})")
    _keep_default_profile(version)
    current = store.current()
    if result.activated or (current is not None and current.id == version.id):
        print(f"{version.id} is the current dataset: every session of the app now shows it")
    else:
        print(f"not activated: the app still shows {current.id if current else 'nothing'}; make it current with "
              f"`python -m basstory datasets --switch {version.id}`")
    return 0


def _cmd_refresh(args: argparse.Namespace) -> int:
    """Bring the current version up to date with SOURCE, reading only new or changed files (ingest.refresh).
    Exit 0 when up to date, activated, or another refresh was running (nothing done); 2 when it failed (nothing
    changed)."""
    from basstory.ingest.refresh import RefreshRefused, refresh
    from basstory.ingest.store import DatasetStore
    from basstory.ingest.validation import IngestError

    store = DatasetStore()
    if args.engine == "spark" and (missing := _spark_missing()):
        print(f"error: --engine spark: {missing}", file=sys.stderr)
        return 2
    try:
        result = refresh(Path(args.dir), store, name=args.name, engine=args.engine, spark_master=args.master)
    except IngestError as error:
        for line in error.report.summary_lines():
            print(line, file=sys.stderr)
        print(f"error: {args.dir} could not be refreshed; the current version is unchanged", file=sys.stderr)
        return 2
    except RefreshRefused as error:
        print(f"error: {error}; the current version is unchanged", file=sys.stderr)
        return 2
    if result.state == "busy":
        print("another refresh of this store is running; nothing was done (the next run will catch up)")
        return 0
    version = result.version
    if result.state == "up to date":
        print(f"up to date: {version.id} ({version.name}) already holds {args.dir}")
        return 0
    for line in result.ingest.report.summary_lines():
        print(line)
    print(f"activated: version {version.id} ({version.name}); {result.parts_read} file(s) read, "
          f"{result.parts_reused} taken from the previous version")
    _keep_default_profile(version)
    return 0


def _keep_default_profile(version) -> None:
    """Keep the default view's whole-period Full BAS profile in the version's folder (analyses.concurrency), so the
    app's first reader of a date range finds it even before the app's warm-up has run. Not keeping it only loses
    that shortcut: a warning, never a failed ingest."""
    from basstory.analyses.concurrency import default_org_set, period_profile
    from basstory.query.tables import connect_version

    try:
        con = connect_version(version, in_memory=False)
        try:
            period_profile(con, default_org_set())
        finally:
            con.close()
    except Exception as error:  # noqa: BLE001 - the version is stored and usable without it
        print(f"warning: the Full BAS load profile was not kept with {version.id}: {error}", file=sys.stderr)


def _cmd_facts(args: argparse.Namespace) -> int:
    """The key data points of DIR's extracts. They are staged in a temporary store removed afterwards, so the app's
    store gains no version; `--keep` stages them in the app's store instead, as `ingest DIR` without `--activate`
    does (a later `ingest` or the Data page finds them cached)."""
    import tempfile

    from basstory.analyses.chapter_facts import chapter_facts
    from basstory.analyses.facts import key_facts
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore
    from basstory.ingest.validation import IngestError
    from basstory.query.tables import connect_version
    from basstory.story.narrative import facts_summary_lines
    from basstory.story.narrative.chapter_facts import chapter_facts_lines

    with tempfile.TemporaryDirectory(prefix="basstory-facts-") as scratch:
        store = DatasetStore() if args.keep else DatasetStore(Path(scratch) / "store")
        try:
            result = ingest(Path(args.dir), store)
        except IngestError as error:
            print(str(error), file=sys.stderr)
            return 2
        con = connect_version(result.version, in_memory=False)
        try:
            facts = key_facts(con)
            facts["beyond"] = chapter_facts(con)
        finally:
            con.close()
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        print("\n".join([*facts_summary_lines(facts), *chapter_facts_lines(facts["beyond"])]))
    return 0


def _cmd_datasets(args: argparse.Namespace) -> int:
    """List the versions; --switch first, then --delete, so `--switch NEW --delete OLD` replaces OLD in one go.
    An unknown or ambiguous id, or a version that may not be deleted, is an error (exit 2, nothing changed)."""
    from basstory.ingest.store import DatasetStore
    from basstory.ingest.versions import (
        VersionRefused,
        delete_refusal,
        delete_version,
        find_version,
        is_bundled,
        period_text,
        short_time,
        source_files_text,
        switch_to,
    )

    store = DatasetStore()
    try:
        switch = find_version(store, args.switch) if args.switch else None
        doomed = find_version(store, args.delete) if args.delete else None
        if doomed is not None:
            current = switch or store.current()
            reason = delete_refusal(doomed, current.id if current else None)
            if reason:
                raise VersionRefused(reason)
        if switch is not None:
            switch_to(store, switch.id)
            print(f"current dataset is now {switch.id} ({switch.name})")
        if doomed is not None:
            delete_version(store, doomed.id)
            print(f"deleted dataset {doomed.id} ({doomed.name})")
    except KeyError as error:
        print(f"error: {error.args[0] if error.args else error}", file=sys.stderr)
        print("Nothing was changed. `python -m basstory datasets` lists the versions.", file=sys.stderr)
        return 2
    except VersionRefused as error:
        print(f"error: {error}. Nothing was changed.", file=sys.stderr)
        return 2
    current = store.current()
    stored = store.versions()
    if not stored:
        print(f"no dataset versions in {store.root}; ingest one with `python -m basstory ingest DIR --activate`")
        return 0
    print("  id                uploaded (UTC)    full BAS  simple BAS   orgs  period (UTC)              name [files]")
    for version in stored:
        mark = "*" if current and version.id == current.id else " "
        rows = version.manifest.get("rows", {})
        tags = " (bundled)" if is_bundled(version) else ""
        print(f"{mark} {version.id}  {short_time(version.created_at):16}  {rows.get('full', 0):>8,}  "
              f"{rows.get('simple', 0):>10,}  {rows.get('orgs', 0):>5,}  "
              f"{period_text(version.manifest.get('period')):24}  {version.name}{tags} [{source_files_text(version)}]")
    print("* = current dataset")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    scales = [float(s) for s in args.scales.split(",") if s.strip()]
    if args.engines:
        from basstory.bench import run_engine_benchmarks

        run_engine_benchmarks(scales, Path(args.workdir or "/tmp/basstory-bench"), master=args.master or "local[2]",
                              keep=args.keep)
        return 0
    if args.pages:
        from basstory.bench import run_page_benchmarks

        workdir = Path(args.workdir) if args.workdir else paths.PROJECT_ROOT / "data" / "bench"
        run_page_benchmarks(scales, workdir, [float(s) for s in args.reference_scales.split(",") if s.strip()],
                            Path(args.out) if args.out else None, keep_stores=args.keep)
        return 0
    from basstory.bench import run_benchmarks

    run_benchmarks(scales, Path(args.workdir or "/tmp/basstory-bench"), keep=args.keep)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    """The whole story for the filters as one offline HTML file (for a scheduled report). An unknown dataset or a
    filter value that is not allowed is an error (exit 2, nothing written)."""
    import os
    import time
    from datetime import UTC, datetime

    from basstory.export.html import filters_sentence, parse_filters, story_html
    from basstory.ingest.store import DatasetStore
    from basstory.ingest.versions import find_version
    from basstory.query.tables import connect_version

    if args.track and args.slides:
        print("error: --track shapes the story, not the slide deck: leave out one of them", file=sys.stderr)
        return 2
    if args.pdf is not None and not args.slides:
        print("error: --pdf prints the slide deck: add --slides", file=sys.stderr)
        return 2
    filters = parse_filters(start=args.start, end=args.end, systems=args.systems, statuses=args.statuses,
                            paying=args.paying, plan_families=args.plan_families, plans=args.plans,
                            tax_periods=args.tax_periods, channel_types=args.channel_types, managed=args.managed,
                            tz=args.tz)
    store = DatasetStore()
    try:
        version = store.current() if args.dataset == "current" else find_version(store, args.dataset)
    except KeyError as error:
        print(f"error: {error.args[0] if error.args else error}. Nothing was written.", file=sys.stderr)
        return 2
    if version is None:
        print(f"error: no current dataset in {store.root}; ingest one with `python -m basstory ingest DIR "
              f"--activate`", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.slides:
        return _export_slides(args, filters, version, started)
    page = story_html(connect_version(version), filters, version, datetime.now(UTC),
                      track=args.track).encode("utf-8")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    partial.write_bytes(page)
    partial.replace(out)        # a scheduled reader never sees half a file
    took = time.perf_counter() - started
    print(f"wrote {out} ({len(page) / 1e6:.1f} MB) in {took:.1f} s: dataset {version.id} ({version.name})")
    print(f"filters: {filters_sentence(filters)}")
    return 0


def _export_slides(args: argparse.Namespace, filters, version, started: float) -> int:
    """`export --slides`: the deck as one offline HTML file at --out and, with --pdf, printed to PDF beside it
    (or at --pdf's path) by headless Chromium."""
    import os
    import time
    from datetime import UTC, datetime

    from basstory.export.html import filters_sentence
    from basstory.export.slides import PdfUnavailable, deck_pdf, slides_html
    from basstory.query.tables import connect_version

    page = slides_html(connect_version(version), filters, version, datetime.now(UTC))
    out = Path(args.out)
    written = [(out, page.encode("utf-8"))]
    if args.pdf is not None:
        try:
            written.append((Path(args.pdf) if args.pdf else out.with_suffix(".pdf"), deck_pdf(page)))
        except PdfUnavailable as error:
            print(f"error: {error}. Nothing was written.", file=sys.stderr)
            return 2
    for path, content in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(content)
        partial.replace(path)
        print(f"wrote {path} ({len(content) / 1e6:.1f} MB)")
    print(f"in {time.perf_counter() - started:.1f} s: dataset {version.id} ({version.name})")
    print(f"filters: {filters_sentence(filters)}")
    return 0


def _spark_missing() -> str | None:
    from basstory.ingest.spark import spark_available

    return spark_available()


def _engine_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb",
                   help="what builds the version: duckdb on this machine (default) or Apache Spark (needs pyspark "
                        "and Java: pip install -r requirements-spark.txt)")
    p.add_argument("--master", default=None, metavar="URL",
                   help="with --engine spark: the Spark master, e.g. local[2] (default) or spark://host:7077")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m basstory", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="generate realistic sample extracts")
    p.add_argument("--scale", type=float, default=1.0, help="1 = the size of the real extracts (default 1)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=str(paths.sample_dir()), help="folder to write the three CSVs to")
    p.set_defaults(run=_cmd_sample)

    p = sub.add_parser("ingest", help="validate extracts and cache them as parquet")
    p.add_argument("dir", metavar="SOURCE", help="folder with fullbas, simplebas and orgcard (.csv, .csv.gz or "
                                                 ".parquet); fullbas/ and simplebas/ may be folders of such files")
    p.add_argument("--name", default=None, help="a name for this dataset version")
    p.add_argument("--activate", action="store_true", help="make it the dataset every session sees")
    _engine_arguments(p)
    p.set_defaults(run=_cmd_ingest)

    p = sub.add_parser("refresh", help="build and activate a new version from only what changed in SOURCE "
                                        "(one run at a time; safe from cron)")
    p.add_argument("dir", metavar="SOURCE", help="folder with fullbas, simplebas (a file or a folder of files) and "
                                                 "orgcard")
    p.add_argument("--name", default=None, help="a name for the new version (default: the folder's name)")
    _engine_arguments(p)
    p.set_defaults(run=_cmd_refresh)

    p = sub.add_parser("facts", help="print the key data points of the extracts in DIR")
    p.add_argument("dir")
    p.add_argument("--json", action="store_true", help="one JSON object instead of a readable summary")
    p.add_argument("--keep", action="store_true",
                   help="keep the staged extracts as a version in the app's store, as `ingest DIR` does; by default "
                        "they are staged in a temporary folder and removed")
    p.set_defaults(run=_cmd_facts)

    p = sub.add_parser("datasets", help="list dataset versions; switch or delete one")
    p.add_argument("--switch", metavar="ID", help="make version ID the current dataset")
    p.add_argument("--delete", metavar="ID", help="delete version ID (not the current one)")
    p.set_defaults(run=_cmd_datasets)

    p = sub.add_parser("bench", help="time ingest and facts against a plain-pandas baseline (--pages: the story's "
                                      "pages, fast engine beside the reference)")
    p.add_argument("--scales", default="1,10,100", help="comma-separated sample scales (default 1,10,100)")
    p.add_argument("--workdir", default=None,
                   help="where samples and stores are written (default /tmp/basstory-bench; with --pages "
                        "data/bench, whose samples scale-N are reused)")
    p.add_argument("--keep", action="store_true",
                   help="keep the generated samples (with --pages: keep the ingested stores too)")
    p.add_argument("--pages", action="store_true",
                   help="time every page's server build per view instead, for both query engines")
    p.add_argument("--reference-scales", default="1,10",
                   help="with --pages: the scales the slow reference engine runs at too (default 1,10)")
    p.add_argument("--out", default=None, help="with --pages: also write the markdown report here (and .json)")
    p.add_argument("--engines", action="store_true",
                   help="the same ingest on DuckDB and on Spark instead: seconds and peak memory, side by side")
    p.add_argument("--master", default=None, metavar="URL",
                   help="with --engines: the Spark master (default local[2])")
    p.set_defaults(run=_cmd_bench)

    p = sub.add_parser("export", help="write the whole story (or, with --slides, the slide deck), as filtered, to one "
                                      "offline HTML file")
    p.add_argument("--out", required=True, help="the HTML file to write (replaced if it exists)")
    p.add_argument("--dataset", default="current", metavar="ID", help="dataset version id or prefix (default: current)")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first Sydney date (default: the data's first)")
    p.add_argument("--end", metavar="YYYY-MM-DD", help="last Sydney date (default: the data's last)")
    p.add_argument("--systems", metavar="full,simple", help="systems to show (default: both)")
    p.add_argument("--statuses", metavar="LIST", help="org statuses, comma-separated (default: Active)")
    p.add_argument("--paying", metavar="CHOICE", help="paying, not-paying or all (default: paying)")
    p.add_argument("--plan-families", metavar="LIST", help="plan families, comma-separated (default: all)")
    p.add_argument("--plans", metavar="LIST", help="plans with their add-ons, comma-separated (default: all)")
    p.add_argument("--tax-periods", metavar="LIST", help="sales tax periods, comma-separated (default: all)")
    p.add_argument("--channel-types", metavar="LIST", help="channel types, comma-separated (default: all)")
    p.add_argument("--managed", metavar="CHOICE", help="all, managed or not-managed by a practice (default: all)")
    p.add_argument("--tz", metavar="ZONE", help="zone times are shown in, e.g. Perth or UTC (default: Sydney)")
    p.add_argument("--track", choices=("product", "operations", "customers"),
                   help="only one reader's chapters, the recommendation led by that reader's actions "
                        "(default: the whole story)")
    p.add_argument("--slides", action="store_true",
                   help="write the slide deck instead of the story (one slide a screen, speaker notes on 'n')")
    p.add_argument("--pdf", nargs="?", const="", default=None, metavar="PATH",
                   help="with --slides: also print the deck to PDF with headless Chromium (default: --out with .pdf)")
    p.set_defaults(run=_cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, KeyError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
