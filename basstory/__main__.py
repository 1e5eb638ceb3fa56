"""Command line: `python -m basstory {sample,ingest,facts,datasets,bench} ...`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from basstory import paths


def _cmd_sample(args: argparse.Namespace) -> int:
    import time

    from basstory.sample import generate_sample

    started = time.perf_counter()
    counts = generate_sample(Path(args.out), scale=args.scale, seed=args.seed)
    took = time.perf_counter() - started
    print(f"wrote {', '.join(f'{k} {v:,} rows' for k, v in counts.items())} to {args.out} in {took:.1f} s")
    return 0


def _cmd_ingest(args: argparse.Namespace) -> int:
    from basstory.ingest import ingest
    from basstory.store import DatasetStore
    from basstory.validation import IngestError

    try:
        result = ingest(Path(args.dir), DatasetStore(), name=args.name, activate=args.activate)
    except IngestError as error:
        print(str(error), file=sys.stderr)
        return 2
    for line in result.report.summary_lines():
        print(line)
    version = result.version
    state = "already cached" if result.cache_hit else "ingested"
    active = " and made current" if result.activated else ""
    print(f"{state}{active}: version {version.id} ({version.manifest.get('name', '')})")
    return 0


def _cmd_facts(args: argparse.Namespace) -> int:
    from basstory.facts import key_facts
    from basstory.ingest import ingest
    from basstory.narrative import facts_summary_lines
    from basstory.store import DatasetStore
    from basstory.tables import connect_version
    from basstory.validation import IngestError

    try:
        result = ingest(Path(args.dir), DatasetStore())
    except IngestError as error:
        print(str(error), file=sys.stderr)
        return 2
    facts = key_facts(connect_version(result.version, in_memory=False))
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        print("\n".join(facts_summary_lines(facts)))
    return 0


def _cmd_datasets(args: argparse.Namespace) -> int:
    from basstory.store import DatasetStore

    store = DatasetStore()
    if args.switch:
        store.activate(args.switch)
        print(f"current dataset is now {args.switch}")
    if args.delete:
        store.delete(args.delete)
        print(f"deleted dataset {args.delete}")
    current = store.current()
    for version in store.versions():
        mark = "*" if current and version.id == current.id else " "
        m = version.manifest
        rows = m.get("rows", {})
        print(f"{mark} {version.id}  {m.get('created_at', '')[:19]}  {m.get('name', '')}  "
              f"full {rows.get('full', 0):,}  simple {rows.get('simple', 0):,}  orgs {rows.get('orgs', 0):,}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from basstory.bench import run_benchmarks

    run_benchmarks([float(s) for s in args.scales.split(",")], Path(args.workdir), keep=args.keep)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m basstory", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sample", help="generate realistic sample extracts")
    p.add_argument("--scale", type=float, default=1.0, help="1 = the size of the real extracts (default 1)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=str(paths.sample_dir()), help="folder to write the three CSVs to")
    p.set_defaults(run=_cmd_sample)

    p = sub.add_parser("ingest", help="validate extracts and cache them as parquet")
    p.add_argument("dir", help="folder with fullbas, simplebas and orgcard (.csv, .csv.gz or .parquet)")
    p.add_argument("--name", default=None, help="a name for this dataset version")
    p.add_argument("--activate", action="store_true", help="make it the dataset every session sees")
    p.set_defaults(run=_cmd_ingest)

    p = sub.add_parser("facts", help="print the key data points of the extracts in DIR")
    p.add_argument("dir")
    p.add_argument("--json", action="store_true", help="one JSON object instead of a readable summary")
    p.set_defaults(run=_cmd_facts)

    p = sub.add_parser("datasets", help="list dataset versions; switch or delete one")
    p.add_argument("--switch", metavar="ID", help="make version ID the current dataset")
    p.add_argument("--delete", metavar="ID", help="delete version ID (not the current one)")
    p.set_defaults(run=_cmd_datasets)

    p = sub.add_parser("bench", help="time ingest and facts against a plain-pandas baseline")
    p.add_argument("--scales", default="1,10,100", help="comma-separated sample scales (default 1,10,100)")
    p.add_argument("--workdir", default="/tmp/basstory-bench", help="where samples and stores are written")
    p.add_argument("--keep", action="store_true", help="keep the generated samples")
    p.set_defaults(run=_cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, KeyError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
