"""Benchmarks: ingest and key facts at several sample scales, beside a plain-pandas baseline doing the same work.

Each measurement runs in its own child process, so its peak memory (max RSS) is its own. The baseline is the
obvious way: `read_csv` the three files, normalise keys, `merge`, filter to the contract's scope, `groupby` for each
fact. Both sides must produce the same facts; the table says so.

    python -m basstory bench [--scales 1,10,100] [--workdir /tmp/basstory-bench]
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

COMPARED_FACTS = ("orgs_in_scope", "fullbas_runs", "simplebas_runs", "busiest_month", "orgs_both", "users_either",
                  "users_multi_org", "plans", "outage_window")


# --- The two implementations, each run in a child process ----------------------------------------------------------

def _ours(sample: Path, store_root: Path) -> dict:
    """basstory: DuckDB ingest to parquet (cold: a fresh store), then the facts over the parquet."""
    from basstory.analyses.facts import key_facts
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore
    from basstory.query.tables import connect_version

    started = time.perf_counter()
    result = ingest(sample, DatasetStore(store_root), activate=True)
    ingested = time.perf_counter()
    facts = key_facts(connect_version(result.version, in_memory=False))
    done = time.perf_counter()
    return {"ingest_s": ingested - started, "facts_s": done - ingested, "facts": facts}


def _baseline(sample: Path) -> dict:
    """Plain pandas: read_csv + merge + groupby, the way a notebook would do it."""
    import pandas as pd

    from basstory.analyses.outage import (BUCKET_SECONDS, WINDOW_MINUTES, best_window, minutes_to_hhmm, occurrence_runs,
                                 window_occurrences)
    from basstory.core.schema import CONTRACT_TZ

    started = time.perf_counter()
    full = pd.read_csv(sample / "fullbas.csv")
    simple = pd.read_csv(sample / "simplebas.csv")
    orgs = pd.read_csv(sample / "orgcard.csv", keep_default_na=False)
    full["run_utc"] = pd.to_datetime(full["datestring"] + " " + full["timestring"].str.rstrip("Z"), format="ISO8601")
    simple["run_utc"] = pd.to_datetime(simple["datetime"], format="%Y-%m-%d %H:%M:%S")
    orgs["org_key"] = orgs["organisationid"].str.upper()
    full["org_key"] = full["orgid"].str.upper()
    runs = pd.concat([
        full.merge(orgs[["org_key"]], on="org_key", how="left").assign(system="full")[
            ["system", "run_utc", "userid", "org_key"]],
        simple.merge(orgs[["shortcode", "org_key"]], on="shortcode", how="left").assign(system="simple")[
            ["system", "run_utc", "userid", "org_key"]],
    ])
    runs["user_key"] = runs["userid"].str.lower()
    loaded = time.perf_counter()

    scoped_orgs = orgs[(orgs["organisationstatus"] == "Active") & (orgs["payingflag"].astype(int) == 1)]
    runs = runs.merge(scoped_orgs[["org_key", "productoption"]], on="org_key", how="inner")
    local = runs["run_utc"].dt.tz_localize("UTC").dt.tz_convert(CONTRACT_TZ)
    runs["month"] = local.dt.strftime("%Y-%m")

    def busiest(frame: pd.DataFrame) -> dict | None:
        if frame.empty:
            return None
        counts = frame.groupby("month").size().reset_index(name="runs").sort_values(
            ["runs", "month"], ascending=[False, True])
        return {"month": counts.iloc[0]["month"], "runs": int(counts.iloc[0]["runs"])}

    systems_per_org = runs.groupby("org_key")["system"].nunique()
    orgs_per_user = runs.groupby("user_key")["org_key"].nunique()
    plans = (runs.drop_duplicates("org_key").groupby("productoption").size().reset_index(name="orgs")
             .sort_values(["orgs", "productoption"], ascending=[False, True]))
    windows = {}
    for system in ("full", "simple"):
        times = runs.loc[runs["system"] == system, "run_utc"]
        if times.empty:
            windows[system] = None
            continue
        buckets = (times.astype("datetime64[us]").astype("int64") // 1_000_000 // BUCKET_SECONDS)
        buckets = buckets.value_counts().sort_index().rename_axis("bucket").reset_index(name="runs")
        occ = window_occurrences(times.min(), times.max())
        occ["runs"] = occurrence_runs(occ, buckets)
        costs = (occ.groupby(["day", "start_minute"], as_index=False)
                 .agg(occurrences=("runs", "size"), runs_mean=("runs", "mean"))
                 .sort_values(["runs_mean", "day", "start_minute"], kind="stable"))
        costs["start"] = costs["start_minute"].map(minutes_to_hhmm)
        costs["end"] = (costs["start_minute"] + WINDOW_MINUTES).map(minutes_to_hhmm)
        windows[system] = best_window(costs.reset_index(drop=True))
    facts = {
        "orgs_in_scope": int(len(scoped_orgs)),
        "fullbas_runs": int((runs["system"] == "full").sum()),
        "simplebas_runs": int((runs["system"] == "simple").sum()),
        "busiest_month": busiest(runs),
        "orgs_both": int((systems_per_org == 2).sum()),
        "users_either": int(runs["user_key"].nunique()),
        "users_multi_org": int((orgs_per_user >= 2).sum()),
        "plans": [{"plan": p, "orgs": int(n)} for p, n in zip(plans["productoption"], plans["orgs"])],
        "outage_window": windows,
    }
    done = time.perf_counter()
    return {"ingest_s": loaded - started, "facts_s": done - loaded, "facts": facts}


def _worker(kind: str, sample: str, store_root: str) -> None:
    """Child process entry: run one side, print its timings, facts and peak memory as JSON."""
    result = _ours(Path(sample), Path(store_root)) if kind == "ours" else _baseline(Path(sample))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result, default=str))


def _measure(kind: str, sample: Path, store_root: Path) -> dict:
    shutil.rmtree(store_root, ignore_errors=True)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", "import sys; from basstory.bench import _worker; _worker(*sys.argv[1:])",
                           kind, str(sample), str(store_root)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1], "wall_s": time.perf_counter() - started}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_s"] = time.perf_counter() - started
    return result


def _count_rows(sample: Path) -> int:
    rows = 0
    for name in ("fullbas.csv", "simplebas.csv", "orgcard.csv"):
        with open(sample / name, "rb") as handle:
            rows += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1
    return rows


def run_benchmarks(scales: list[float], workdir: Path, keep: bool = False) -> list[dict]:
    """Generate a sample per scale (reused if present), measure both sides, print a table of figures and ratios."""
    from basstory.ingest.sample import generate_sample

    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'scale':>6} {'rows':>12} {'side':>9} {'ingest s':>9} {'facts s':>8} {'total s':>8} {'rows/s':>10} "
          f"{'peak MB':>8} {'same facts':>10}")
    for scale in scales:
        sample = workdir / f"sample-{scale:g}"
        if not (sample / "orgcard.csv").exists():
            generate_sample(sample, scale=scale, seed=42)
        n_rows = _count_rows(sample)
        ours = _measure("ours", sample, workdir / "store")
        base = _measure("baseline", sample, workdir / "store")
        same = ("facts" in ours and "facts" in base
                and all(ours["facts"][k] == base["facts"][k] for k in COMPARED_FACTS))
        for side, r in (("basstory", ours), ("pandas", base)):
            if "error" in r:
                print(f"{scale:>6g} {n_rows:>12,} {side:>9} failed: {r['error']}")
                continue
            total = r["ingest_s"] + r["facts_s"]
            print(f"{scale:>6g} {n_rows:>12,} {side:>9} {r['ingest_s']:>9.2f} {r['facts_s']:>8.2f} {total:>8.2f} "
                  f"{n_rows / total:>10,.0f} {r['peak_mb']:>8,.0f} {str(same):>10}")
        if "error" not in ours and "error" not in base:
            t_ours, t_base = ours["ingest_s"] + ours["facts_s"], base["ingest_s"] + base["facts_s"]
            print(f"{'':>6} {'':>12} {'ratio':>9} {'':>9} {'':>8} {t_base / t_ours:>7.1f}x {'':>10} "
                  f"{base['peak_mb'] / ours['peak_mb']:>7.1f}x   (pandas ÷ basstory: time, memory)")
        rows.append({"scale": scale, "rows": n_rows, "ours": ours, "baseline": base, "same_facts": same})
        if not keep:
            shutil.rmtree(sample, ignore_errors=True)
    shutil.rmtree(workdir / "store", ignore_errors=True)
    return rows
