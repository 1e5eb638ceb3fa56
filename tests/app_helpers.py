"""AppTest helpers shared by the page tests: open the app (or a page after the router has run with a URL's query
parameters, the deep-link mechanism) and read the charts it shows."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

from basstory.story.charts.common import MAX_POINTS

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")


def open_page(page: str | None = None, *, folds_open: bool = True, **query) -> AppTest:
    """The app after one run with `query` as the URL's parameters, then switched to `page` if one is given; with
    `folds_open` every Details fold on it opened too (a closed fold draws nothing until it is opened)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    if folds_open:
        open_folds(at)
    return at


def open_folds(at: AppTest) -> AppTest:
    """Open every Details fold the page shows (as a reader clicking each) and rerun."""
    from basstory.app.render import fold_key

    keys = [fold_key(e.label) for e in at.expander if fold_key(e.label) in at.session_state]
    if keys:
        for key in keys:
            at.session_state[key] = True
        at.run()
    return at


@contextmanager
def shown_dataset(extracts: Path, folder: Path, name: str, edit: Callable[[Path], None] | None = None):
    """The extracts copied into `folder`, changed by `edit(copy)` if given, ingested as the current version named
    `name` of a data folder of their own, and BASSTORY_DATA_DIR pointed at that folder while the block runs (the app
    under AppTest then shows it). Yields the data folder."""
    from basstory.ingest.build import ingest
    from basstory.ingest.store import DatasetStore

    shutil.copytree(extracts, folder / "extracts")
    if edit:
        edit(folder / "extracts")
    ingest(folder / "extracts", DatasetStore(folder / "store"), name=name, activate=True)
    before = os.environ.get("BASSTORY_DATA_DIR")
    os.environ["BASSTORY_DATA_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop("BASSTORY_DATA_DIR", None)
        else:
            os.environ["BASSTORY_DATA_DIR"] = before


def built_chapter(data_dir: Path, page: str, filters=None) -> list:
    """The chapter at `page` as its builder makes it for `filters` (default: the defaults) on the data folder's
    current version, each page-level choice at its default: what the page must show."""
    from basstory.ingest.store import DatasetStore
    from basstory.query.filters import StoryFilters
    from basstory.query.tables import connect_version
    from basstory.story.registry import chapter_at

    chapter = chapter_at(page)
    con = connect_version(DatasetStore(data_dir / "store").current())
    return chapter.build_whole(con, filters or StoryFilters(), *chapter.default_choices())


def drawn_charts(blocks) -> list:
    """The charts with rows a page draws for `blocks` with every fold open: of a set of tabs, only the selected one
    (the first) is drawn (app.render)."""
    from basstory.story.blocks import Chart, Columns, Details, Tabs

    found = []
    for block in blocks:
        if isinstance(block, Chart) and block.data is not None and len(block.data):
            found.append(block)
        elif isinstance(block, Columns):
            for column in block.columns:
                found += drawn_charts(column)
        elif isinstance(block, Tabs) and block.tabs:
            found += drawn_charts(block.tabs[0][1])
        elif isinstance(block, Details):
            found += drawn_charts(block.blocks)
    return found


def pick_tab(at: AppTest, labels: list[str], label: str) -> AppTest:
    """Select tab `label` of the tabs `labels` on the page (as a reader clicking it) and rerun."""
    from basstory.app.render import tabs_key

    at.session_state[tabs_key(labels)] = label
    return at.run()


def shown_metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def built_metrics(blocks) -> dict[str, str]:
    from basstory.story.blocks import Metrics, walk

    return {m.label: m.value for b in walk(blocks) if isinstance(b, Metrics) for m in b.items}


def specs(at: AppTest) -> list[dict]:
    """The Vega-Lite spec of every chart on the page, in page order."""
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def dataset_rows(at: AppTest) -> list[int]:
    """Rows each chart ships to the browser."""
    return [pa.ipc.open_stream(d.data.data).read_all().num_rows
            for c in at.get("vega_lite_chart") for d in c.proto.datasets]


def title_text(spec: dict) -> str:
    """A chart's title as one line (long titles are wrapped into a list of lines)."""
    text = spec["title"]["text"]
    return " ".join(text) if isinstance(text, list) else text


def assert_healthy(at: AppTest, n_charts: int) -> None:
    """No exception, the expected number of charts, each titled and shipping at most MAX_POINTS rows."""
    assert not at.exception, at.exception
    assert len(at.get("vega_lite_chart")) == n_charts
    rows = dataset_rows(at)
    assert not n_charts or (rows and max(rows) <= MAX_POINTS)
    assert all(title_text(spec) for spec in specs(at))
