"""The page benchmark: its report from hand-made figures, its views, and one real run at a tiny scale."""
from datetime import date

from basstory.bench import RESULT_MARK, _parse_result, bench_views, off_month_edges, pages_report, slowest_page
from basstory.cli import main
from basstory.query.filters import StoryFilters

PAGES = ("cover", "outage")


def engine(seconds: dict[str, dict[str, float]], connect_s=0.5, peak_mb=300.0, chart_bytes=2048) -> dict:
    """A worker's result: seconds[view][page]."""
    return {"connect_s": connect_s, "peak_mb": peak_mb,
            "views": {"default": "default", "cached": "default, again", "dates": "2017-02-03..2017-08-27"},
            "pages": [{"view": v, "page": p, "seconds": s, "chart_bytes": chart_bytes}
                      for v, by_page in seconds.items() for p, s in by_page.items()]}


def scale(n: float, fast: dict, reference: dict | None) -> dict:
    return {"scale": n, "ingest": {"ingest_s": 2.0 * n, "peak_mb": 200.0, "rows": {"full": 750 * n, "simple": 250 * n}},
            "fast": fast, "reference": reference}


def rows_of(report: str, prefix: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in report.splitlines()
            if line.startswith(prefix)]


def test_report_table_ratios_and_growth():
    fast1 = engine({"default": {"cover": 0.2, "outage": 0.5}, "cached": {"cover": 0.001, "outage": 0.004},
                    "dates": {"cover": 0.25, "outage": 0.8}})
    ref1 = engine({"default": {"cover": 2.0, "outage": 5.0}, "cached": {"cover": 0.002, "outage": 0.004},
                   "dates": {"cover": 2.5, "outage": 12.0}}, peak_mb=900.0)
    fast10 = engine({"default": {"cover": 0.3, "outage": 1.2}, "cached": {"cover": 0.001, "outage": 0.6},
                     "dates": {"cover": 0.4, "outage": 1.6}}, chart_bytes=1024 * 1500)
    report = pages_report([scale(1, fast1, ref1), scale(10, fast10, None)])

    table = rows_of(report, "| 1× |")
    assert ["1×", "default", "outage", "0.50", "5.00", "10.0×", "2.0"] in table
    assert ["1×", "cached", "cover", "0.001", "0.002", "2.0×", "2.0"] in table
    assert ["1×", "dates: 2017-02-03..2017-08-27", "outage", "0.80", "12.00", "15.0×", "2.0"] in table
    assert [r[1] for r in table[:2]] == ["default", "default"]          # views in the bench's order
    assert [r[1] for r in table[2:4]] == ["cached", "cached"]
    assert ["10×", "dates: 2017-02-03..2017-08-27", "outage", "1.60", "not run", "—", "1,500.0"] in \
        rows_of(report, "| 10× |")
    assert ["1×", "1,000", "2.0", "200", "0.50", "300", "0.50", "900"] in rows_of(report, "| 1× | 1,000")
    assert ["10×", "10,000", "20.0", "200", "0.50", "300", "not run", "not run"] in rows_of(report, "| 10× | 10,000")

    assert "- 1×: slowest new-view page: fast 0.80 s (outage, dates); reference 12.00 s (outage, dates), 15.0× " \
           "the fast one; slowest cached page 0.004 s; most chart data on a page 2 KB" in report
    assert "growth of the slowest fast page: 1×→10× 2.0×" in report
    assert "1× new view ≤ 1 s: meets" in report
    assert "10× cached ≤ 0.5 s: misses" in report
    assert "the reference engine was not run at 10×" in report


def test_failed_pages_and_processes_are_named():
    fast = engine({"default": {"cover": 0.2}})
    fast["pages"].append({"view": "default", "page": "outage", "error": "BinderException: no"})
    report = pages_report([scale(1, fast, {"error": "exit 1", "wall_s": 3.0}),
                           {"scale": 10, "ingest": {"error": "exit 2"}, "fast": None, "reference": None}])
    assert ["1×", "default", "outage", "failed", "failed", "—", "—"] in rows_of(report, "| 1× |")
    assert rows_of(report, "| 10× | — |")[0][3].startswith("failed")
    assert slowest_page(fast) == (0.2, "cover", "default")
    assert slowest_page(None) is None


def test_views_cut_months_and_pick_the_commonest_family():
    assert off_month_edges(date(2017, 3, 1), date(2017, 8, 31)) == (date(2017, 3, 2), date(2017, 8, 30))
    assert off_month_edges(date(2017, 3, 5), date(2017, 8, 20)) == (date(2017, 3, 5), date(2017, 8, 20))
    views = bench_views({"first_date": date(2016, 7, 1), "last_date": date(2019, 6, 30),
                         "plan_families": ["Standard", "Starter"]})
    assert list(views) == ["default", "cached", "dates", "plan", "system"]
    dates = views["dates"][1]
    assert date(2017, 4, 1) < dates.start < dates.end < date(2018, 10, 1)
    assert dates.start.day != 1 and dates.end.day not in (1, 30, 31)
    assert views["plan"][1] == StoryFilters(plan_families=("Standard",))
    assert views["system"][1] == StoryFilters(systems=("simple",))
    assert "plan" not in bench_views({"first_date": date(2017, 1, 1), "last_date": date(2017, 12, 31),
                                      "plan_families": []})


def test_a_worker_result_is_found_after_a_progress_bar():
    stdout = f"100% ▕██████████▏ \n{RESULT_MARK}{{\"ingest_s\": 1.5}}\n"
    assert _parse_result(stdout) == {"ingest_s": 1.5}
    assert _parse_result(f" 42% ▕████{RESULT_MARK}{{\"a\": 1}}") == {"a": 1}
    assert _parse_result("Traceback ...") is None


def test_pages_bench_runs_at_a_tiny_scale(tmp_path, capsys):
    out = tmp_path / "pages.md"
    assert main(["bench", "--pages", "--scales", "0.02", "--reference-scales", "0.02",
                 "--workdir", str(tmp_path / "bench"), "--out", str(out)]) == 0
    report = out.read_text()
    assert report in capsys.readouterr().out
    rows = [r for r in rows_of(report, "| 0.02× |") if len(r) == 7]    # the page table's rows
    assert len(rows) >= 5 * 6 and {r[1].split(":")[0] for r in rows} == {"default", "cached", "dates", "plan",
                                                                          "system"}
    assert not [r for r in rows if "failed" in r], rows
    assert (tmp_path / "bench" / "scale-0.02" / "orgcard.csv").exists()        # the sample is kept for reuse
    assert not (tmp_path / "bench" / "data-0.02").exists()                    # the store is not
    assert (tmp_path / "pages.json").exists()
