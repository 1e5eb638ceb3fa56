"""Benchmarks: ingest and key facts at several sample scales, beside a plain-pandas baseline doing the same work.

Each measurement runs in its own child process, so its peak memory (max RSS) is its own. The baseline is the
obvious way: `read_csv` the three files, normalise keys, `merge`, filter to the contract's scope, `groupby` for each
fact. Both sides must produce the same facts; the table says so.

    python -m basstory bench [--scales 1,10,100] [--workdir /tmp/basstory-bench]

`--pages` instead times the story's pages on the server (`run_page_benchmarks`): per scale, the ingest (wall time
and peak memory, in its own process), then, in one fresh process per engine (the fast one the app uses and the
reference per-run queries the tests compare it with), every chapter's build for the default view, the same view
again (memoised), and three views nobody has opened yet (a date range, the commonest plan family, one system),
with the chart data each page sends:

    python -m basstory bench --pages [--scales 1,10,100] [--reference-scales 1,10] [--out bench.md]
"""
from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from itertools import pairwise
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

    from basstory.analyses.outage import (
        BUCKET_SECONDS,
        WINDOW_MINUTES,
        best_window,
        minutes_to_hhmm,
        occurrence_runs,
        window_occurrences,
    )
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
        "plans": [{"plan": p, "orgs": int(n)} for p, n in zip(plans["productoption"], plans["orgs"], strict=True)],
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
    proc = subprocess.run([sys.executable, "-c",
                           "import sys; from basstory.bench import _worker; _worker(*sys.argv[1:])",
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


# --- Pages: every chapter's server build per view, the fast engine beside the reference ------------------------------

#: The views each page is built for, in the table's order. "cached" is the default view asked again on the same
#: connection (memoised); the last three are views nobody has opened yet.
PAGE_VIEWS: tuple[str, ...] = ("default", "cached", "dates", "plan", "system")
NEW_VIEWS: tuple[str, ...] = ("default", "dates", "plan", "system")
#: issue 8's targets for a page nobody has opened yet (server build only here; the browser adds the rendering).
TARGET_NEW_S = {1.0: 1.0, 100.0: 2.0}
TARGET_CACHED_S = 0.5
TARGET_CHART_KB = 1024


def off_month_edges(start: date, end: date) -> tuple[date, date]:
    """`start` moved forward and `end` moved back until neither is the first or last day of a month (a range cut
    inside months, not made of whole ones), unless that would leave fewer than two days."""
    def edge(day: date) -> bool:
        return day.day == 1 or (day + timedelta(days=1)).day == 1

    s, e = start, end
    while edge(s) and s < e - timedelta(days=2):
        s += timedelta(days=1)
    while edge(e) and e > s + timedelta(days=1):
        e -= timedelta(days=1)
    return s, e


def bench_views(options: dict) -> dict[str, tuple[str, object]]:
    """{view name: (description, StoryFilters)} from `filter_options(con)`: the default view, the middle half of the
    data's period (not month-aligned), the plan family most organisations are on, and Simple BAS alone."""
    from basstory.query.filters import StoryFilters

    first, last = options["first_date"], options["last_date"]
    span = (last - first).days
    start, end = off_month_edges(first + timedelta(days=span // 4), first + timedelta(days=(3 * span) // 4))
    views: dict[str, tuple[str, object]] = {
        "default": ("default", StoryFilters()),
        "cached": ("default, again", StoryFilters()),
        "dates": (f"{start.isoformat()}..{end.isoformat()}", StoryFilters(start=start, end=end)),
    }
    if options.get("plan_families"):
        family = options["plan_families"][0]
        views["plan"] = (f"plan family {family}", StoryFilters(plan_families=(family,)))
    views["system"] = ("Simple BAS only", StoryFilters(systems=("simple",)))
    return views


def _forget_views(con) -> None:
    """Forget what earlier builds left on `con` for any view, so the next build is timed as the first page anyone
    opens for its view."""
    from basstory.query import view

    view.forget(con)


def chart_bytes(blocks) -> int:
    """The chart data a page sends: the summed length of its charts' Vega-Lite JSON (data inlined)."""
    from basstory.story.blocks import charts

    return sum(len(json.dumps(c.spec, separators=(",", ":"), default=str)) for c in charts(blocks))


#: Marks a worker's result on its stdout: DuckDB draws a progress bar there for long queries (without a newline).
RESULT_MARK = "@@bench-result@@ "


def _emit(result: dict) -> None:
    print(f"\n{RESULT_MARK}{json.dumps(result, default=str)}", flush=True)


def _parse_result(stdout: str) -> dict | None:
    """The result a worker printed last (None when there is none)."""
    at = stdout.rfind(RESULT_MARK)
    if at < 0:
        return None
    return json.loads(stdout[at + len(RESULT_MARK):].splitlines()[0])


def _ingest_worker(sample: str, store_root: str) -> None:
    """Child process: ingest `sample` into a fresh store at `store_root` (activated), as `ingest DIR --activate`."""
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore

    started = time.perf_counter()
    result = ingest(Path(sample), DatasetStore(Path(store_root)), name=f"bench {Path(sample).name}", activate=True)
    took = time.perf_counter() - started
    _emit({"ingest_s": took, "version": result.version.id, "rows": result.version.manifest.get("rows", {}),
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _pages_worker(engine: str, store_root: str) -> None:
    """Child process: connect to the store's current version with `engine`, build every chapter for each view (the
    default one twice), print one JSON object: connect and options time, the views, per page the seconds and chart
    bytes, and the process's peak memory. Progress goes to stderr."""
    import altair as alt

    from basstory.analyses.dataset import filter_options
    from basstory.ingest.store import DatasetStore
    from basstory.query.tables import connect_version
    from basstory.story.registry import CHAPTERS

    alt.data_transformers.disable_max_rows()    # measure what the app ships (st.altair_chart has no row limit)
    version = DatasetStore(Path(store_root)).current()
    started = time.perf_counter()
    con = connect_version(version, engine=engine)
    connected = time.perf_counter()
    views = bench_views(filter_options(con))
    options_s = time.perf_counter() - connected
    pages = []

    def build(view: str, chapter, filters) -> None:
        began = time.perf_counter()
        try:
            blocks = chapter.module().build(con, filters, *chapter.default_choices())
        except Exception as error:  # noqa: BLE001 - a failing page is reported in the table, the rest still run
            pages.append({"view": view, "page": chapter.url_path, "error": f"{type(error).__name__}: {error}"[:200]})
            print(f"[{engine}] {view:8s} {chapter.url_path:15s} failed: {error}", file=sys.stderr, flush=True)
            return
        took = time.perf_counter() - began
        pages.append({"view": view, "page": chapter.url_path, "seconds": took, "chart_bytes": chart_bytes(blocks)})
        print(f"[{engine}] {view:8s} {chapter.url_path:15s} {took:8.3f} s", file=sys.stderr, flush=True)

    for view, (_, filters) in views.items():
        if view == "cached":
            continue
        for chapter in CHAPTERS:
            _forget_views(con)              # each page is the first one opened for its view
            build(view, chapter, filters)
            if view == "default":
                build("cached", chapter, filters)   # the same page again: memoised
    _emit({"engine": engine, "connect_s": connected - started, "options_s": options_s,
           "views": {v: d for v, (d, _) in views.items()}, "pages": pages,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def _child(function: str, *args: str, env: dict | None = None) -> dict:
    """Run `basstory.bench.<function>(*args)` in a fresh interpreter and return the result it printed. Its stderr
    (the progress) passes through."""
    import os

    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c",
                           f"import sys; from basstory.bench import {function}; {function}(*sys.argv[1:])", *args],
                          stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - started
    result = _parse_result(proc.stdout) if proc.returncode == 0 else None
    if result is None:
        return {"error": f"exit {proc.returncode} (see the messages above)", "wall_s": wall}
    result["wall_s"] = wall
    return result


def _scale_text(scale: float) -> str:
    return f"{scale:g}×"


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value >= 0.095 else f"{value:.3f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator <= 0:
        return "—"
    ratio = numerator / denominator
    return f"{ratio:.0f}×" if ratio >= 100 else f"{ratio:.1f}×"


def _page_seconds(engine_result: dict | None) -> dict[tuple[str, str], float | None]:
    """{(view, page): seconds, or None when the build failed} of one engine's run."""
    if not engine_result or "pages" not in engine_result:
        return {}
    return {(p["view"], p["page"]): p.get("seconds") for p in engine_result["pages"]}


def slowest_page(engine_result: dict | None, views: tuple[str, ...] = NEW_VIEWS) -> tuple[float, str, str] | None:
    """(seconds, page, view) of the slowest build among `views` (by default every view nobody had opened)."""
    timed = [(s, page, view) for (view, page), s in _page_seconds(engine_result).items()
             if view in views and s is not None]
    return max(timed) if timed else None


def pages_report(results: list[dict]) -> str:
    """The page benchmark as markdown: the per-page table, ingest and process figures, and a summary (slowest page
    per scale, its growth with the data, the issue's targets). `results` as `run_page_benchmarks` collects them:
    {"scale", "ingest": {ingest_s, peak_mb, rows} | {error}, "fast": worker result, "reference": worker result | None}.
    """
    lines = ["| scale | view | page | fast s | reference s | ratio | chart KB |", "|---:|---|---|---:|---:|---:|---:|"]
    for r in results:
        fast, ref = r.get("fast") or {}, r.get("reference")
        fast_s, ref_s = _page_seconds(fast), _page_seconds(ref)
        views = {**(ref or {}).get("views", {}), **fast.get("views", {})}
        bytes_by = {(p["view"], p["page"]): p.get("chart_bytes")
                    for source in (ref or {}, fast) for p in source.get("pages", [])}
        keys = list(dict.fromkeys([*fast_s, *ref_s]))
        keys.sort(key=lambda k: PAGE_VIEWS.index(k[0]) if k[0] in PAGE_VIEWS else len(PAGE_VIEWS))
        if not keys:
            why = fast.get("error") or "no pages"
            lines.append(f"| {_scale_text(r['scale'])} | — | — | failed: {why} | | | |")
            continue
        for view, page in keys:
            f = fast_s.get((view, page))
            if ref is None:
                reference = "not run"
            elif "error" in ref and not ref_s:
                reference = "failed"
            else:
                s = ref_s.get((view, page))
                reference = _seconds(s) if s is not None else "failed"
            fast_text = _seconds(f) if f is not None else ("failed" if (view, page) in fast_s else "—")
            kb = bytes_by.get((view, page))
            label = view if view in ("default", "cached") else f"{view}: {views.get(view, view)}"
            lines.append(f"| {_scale_text(r['scale'])} | {label} | {page} | {fast_text} | {reference} | "
                         f"{_ratio(ref_s.get((view, page)), f)} | {'—' if kb is None else f'{kb / 1024:,.1f}'} |")

    lines += ["", "| scale | runs | ingest s | ingest peak MB | fast: connect s | fast: peak MB | "
                  "reference: connect s | reference: peak MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        ing, fast, ref = r.get("ingest") or {}, r.get("fast") or {}, r.get("reference")
        rows = ing.get("rows") or {}
        runs = rows.get("full", 0) + rows.get("simple", 0)

        def proc(x: dict | None, key: str, digits: str) -> str:
            if x is None:
                return "not run"
            if key not in x:
                return "failed" if "error" in x else "—"
            return format(x[key], digits)

        lines.append(f"| {_scale_text(r['scale'])} | {runs:,} | {proc(ing, 'ingest_s', '.1f')} | "
                     f"{proc(ing, 'peak_mb', ',.0f')} | {proc(fast, 'connect_s', '.2f')} | "
                     f"{proc(fast, 'peak_mb', ',.0f')} | {proc(ref, 'connect_s', '.2f')} | "
                     f"{proc(ref, 'peak_mb', ',.0f')} |")

    lines += ["", "Summary (server build only; a page for a view nobody has opened = default, dates, plan, system):"]
    slowest: dict[float, tuple[float, str, str]] = {}
    for r in results:
        s_fast, s_ref = slowest_page(r.get("fast")), slowest_page(r.get("reference"))
        cached = slowest_page(r.get("fast"), ("cached",))
        kbs = [p.get("chart_bytes") or 0 for p in (r.get("fast") or {}).get("pages", [])]
        parts = []
        if s_fast:
            slowest[r["scale"]] = s_fast
            parts.append(f"fast {_seconds(s_fast[0])} s ({s_fast[1]}, {s_fast[2]})")
        if s_ref:
            parts.append(f"reference {_seconds(s_ref[0])} s ({s_ref[1]}, {s_ref[2]}), "
                         f"{_ratio(s_ref[0], s_fast[0] if s_fast else None)} the fast one")
        elif r.get("reference") is None:
            parts.append("reference not run at this scale (see --reference-scales)")
        if cached:
            parts.append(f"slowest cached page {_seconds(cached[0])} s")
        if kbs:
            parts.append(f"most chart data on a page {max(kbs) / 1024:,.0f} KB")
        lines.append(f"- {_scale_text(r['scale'])}: slowest new-view page: " + "; ".join(parts))
    scales = sorted(slowest)
    if len(scales) > 1:
        base = scales[0]
        steps = [f"{_scale_text(a)}→{_scale_text(b)} {_ratio(slowest[b][0], slowest[a][0])}"
                 for a, b in pairwise(scales)]
        if len(scales) > 2:
            steps.append(f"{_scale_text(base)}→{_scale_text(scales[-1])} "
                         f"{_ratio(slowest[scales[-1]][0], slowest[base][0])}")
        lines.append("- growth of the slowest fast page: " + ", ".join(steps)
                     + " (target: ≤ 2× from 1× to 10×, ≤ 3× from 1× to 100×)")
    checks = []
    for scale, limit in TARGET_NEW_S.items():
        if scale in slowest:
            verdict = "meets" if slowest[scale][0] <= limit else "misses"
            checks.append(f"{_scale_text(scale)} new view ≤ {limit:g} s: {verdict}")
    for r in results:
        cached = slowest_page(r.get("fast"), ("cached",))
        if cached:
            checks.append(f"{_scale_text(r['scale'])} cached ≤ {TARGET_CACHED_S:g} s: "
                          f"{'meets' if cached[0] <= TARGET_CACHED_S else 'misses'}")
    if checks:
        lines.append("- targets (server side only): " + "; ".join(checks))
    skipped = [r["scale"] for r in results if r.get("reference") is None]
    if skipped:
        lines.append(f"- the reference engine was not run at {', '.join(_scale_text(s) for s in skipped)} "
                     f"(ask for it with --reference-scales; at 100× it takes minutes per page)")
    return "\n".join(lines) + "\n"


def run_page_benchmarks(scales: list[float], workdir: Path, reference_scales: list[float],
                        out: Path | None = None, keep_stores: bool = False) -> list[dict]:
    """Per scale: a sample (generated once into workdir/scale-N and reused), a cold ingest into a fresh store,
    then one process per engine building every page for each view. Prints the markdown report (and writes it to
    `out`)."""
    from basstory.ingest.sample import generate_sample

    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in scales:
        sample = workdir / f"scale-{scale:g}"
        if not (sample / "orgcard.csv").exists():
            began = time.perf_counter()
            generate_sample(sample, scale=scale, seed=42)
            print(f"[{_scale_text(scale)}] generated the sample in {sample} in {time.perf_counter() - began:.1f} s",
                  file=sys.stderr, flush=True)
        data = workdir / f"data-{scale:g}"
        shutil.rmtree(data, ignore_errors=True)
        env = {"BASSTORY_DATA_DIR": str(data)}
        store = data / "store"
        print(f"[{_scale_text(scale)}] ingesting {sample}", file=sys.stderr, flush=True)
        ingested = _child("_ingest_worker", str(sample), str(store), env=env)
        print(f"[{_scale_text(scale)}] ingest: {ingested}", file=sys.stderr, flush=True)
        result = {"scale": scale, "ingest": ingested, "fast": None, "reference": None}
        if "error" not in ingested:
            result["fast"] = _child("_pages_worker", "fast", str(store), env=env)
            if any(abs(scale - s) < 1e-9 for s in reference_scales):
                result["reference"] = _child("_pages_worker", "reference", str(store), env=env)
        results.append(result)
        if not keep_stores:
            shutil.rmtree(data, ignore_errors=True)
    report = pages_report(results)
    print(report)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    return results


# --- Engines: the same ingest on DuckDB and on Spark ------------------------------------------------------------------

def _engine_worker(engine: str, sample: str, store_root: str, master: str = "") -> None:
    """Child process: ingest `sample` into a fresh store with `engine`; print the session start (Spark), the ingest
    time, the version id and the peak memory of this process and, for Spark, of its JVM (driver and local
    executors: one process in local mode)."""
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore

    start_s = 0.0
    if engine == "spark":
        from basstory.ingest.spark import spark_session

        began = time.perf_counter()
        spark_session(master or None)
        start_s = time.perf_counter() - began
    began = time.perf_counter()
    result = ingest(Path(sample), DatasetStore(Path(store_root)), engine=engine, spark_master=master or None)
    ingest_s = time.perf_counter() - began
    jvm_peak_mb = None
    if engine == "spark":
        from basstory.ingest.spark import spark_session, stop_spark_session

        jvm_peak_mb = peak_rss_mb(spark_session(master or None).sparkContext._gateway.proc.pid)
        stop_spark_session()
    _emit({"engine": engine, "start_s": start_s, "ingest_s": ingest_s, "version": result.version.id,
           "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
           "jvm_peak_mb": jvm_peak_mb})


def peak_rss_mb(pid: int) -> float | None:
    """A running process's peak resident memory (VmHWM), in MB; None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_engine_benchmarks(scales: list[float], workdir: Path, master: str = "local[2]",
                          keep: bool = False) -> list[dict]:
    """Per scale, the same ingest with DuckDB and with Spark (`master`), each in a fresh process and a fresh store;
    prints a table (seconds, peak memory, same version) and returns the results. Samples are `workdir/sample-<N>`,
    generated when absent."""
    from basstory.ingest.sample import generate_sample

    workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'scale':>6} {'rows':>12} {'engine':>16} {'start s':>8} {'ingest s':>9} {'peak MB':>8} "
          f"{'JVM MB':>7} {'same version':>12}", flush=True)
    for scale in scales:
        sample = workdir / f"sample-{scale:g}"
        generated = False
        if not (sample / "orgcard.csv").exists():
            generate_sample(sample, scale=scale, seed=42)
            generated = True
        n_rows = _count_rows(sample)
        results = {}
        for engine in ("duckdb", "spark"):
            store = workdir / f"store-{engine}"
            shutil.rmtree(store, ignore_errors=True)
            results[engine] = _child("_engine_worker", engine, str(sample), str(store),
                                     master if engine == "spark" else "")
            shutil.rmtree(store, ignore_errors=True)
        same = all("version" in r for r in results.values()) and len({r["version"] for r in results.values()}) == 1
        for engine, r in results.items():
            label = "duckdb" if engine == "duckdb" else f"spark {master}"
            if "error" in r:
                print(f"{scale:>6g} {n_rows:>12,} {label:>16} failed: {r['error']}", flush=True)
                continue
            jvm = f"{r['jvm_peak_mb']:>7,.0f}" if r.get("jvm_peak_mb") else f"{'-':>7}"
            print(f"{scale:>6g} {n_rows:>12,} {label:>16} {r['start_s']:>8.1f} {r['ingest_s']:>9.1f} "
                  f"{r['peak_mb']:>8,.0f} {jvm} {str(same):>12}", flush=True)
        rows.append({"scale": scale, "rows": n_rows, "master": master, **results, "same_version": same})
        if generated and not keep:
            shutil.rmtree(sample, ignore_errors=True)
    return rows
