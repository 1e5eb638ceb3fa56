"""A bounded load test on loopback (opt-in: `make load`, or BASSTORY_LOAD_TEST=1): 20 reader sessions load every
page of the story's app, over and over, for LOAD_SECONDS, while a writer activates, switches to and deletes dataset
versions (as the analyst app and the CLI do, through `basstory.ingest.versions`).

Asserted: no page run raised (no exception element in any run), every cover run shows the figures of exactly one
version (its metric values equal one version's, measured quietly beforehand), every reader session kept working,
and the server's memory after the load is within LOAD_MEMORY_MARGIN_MB of its level after the warm-up.

Readers speak Streamlit's own protocol over the websocket, as `tests/test_upload_endpoint.py` does: a session is
opened with the XSRF cookie, and each page run is a `rerun_script` back-message naming the page.
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import threading
import time
import urllib.request

import pytest

from basstory.ingest import versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from tests.test_upload_endpoint import rss_mb, serve

pytestmark = pytest.mark.skipif(not os.environ.get("BASSTORY_LOAD_TEST"),
                                reason="load test: opt-in with BASSTORY_LOAD_TEST=1 (make load)")

READERS = 20
LOAD_SECONDS = float(os.environ.get("BASSTORY_LOAD_SECONDS", "40"))
LOAD_MEMORY_MARGIN_MB = 300


def xsrf(base: str) -> str:
    with urllib.request.urlopen(base + "/_stcore/health") as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if match := re.match(r"_streamlit_xsrf=([^;]+)", header):
                return match.group(1)
    raise AssertionError("no XSRF cookie")


class Reader:
    """One session; `run_page(hash)` runs a page and returns (exceptions, {metric label: value}, pages)."""

    def __init__(self, base: str):
        self.base = base
        self.pages: dict[str, str] = {}       # url path -> page script hash
        self.ws = None

    async def __aenter__(self):
        import websockets

        token = xsrf(self.base)
        self.ws = await websockets.connect(
            self.base.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit", token],
            max_size=None, additional_headers={"Cookie": f"_streamlit_xsrf={token}", "Origin": self.base})
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def run_page(self, page_hash: str = "") -> tuple[list[str], dict[str, str]]:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_script_hash = page_hash
        await self.ws.send(back.SerializeToString())
        exceptions: list[str] = []
        metrics: dict[str, str] = {}
        while True:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(self.ws.recv(), 120))
            kind = message.WhichOneof("type")
            if kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in message.navigation.app_pages}
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                if element.WhichOneof("type") == "exception":
                    exceptions.append(f"{element.exception.type}: {element.exception.message}")
                elif element.WhichOneof("type") == "metric":
                    metrics[element.metric.label] = element.metric.body
            elif kind == "script_finished":
                return exceptions, metrics


def cover_figures(base: str) -> dict[str, str]:
    async def once():
        async with Reader(base) as reader:
            exceptions, metrics = await reader.run_page()
            assert not exceptions, exceptions
            return metrics

    return asyncio.run(once())


def test_readers_see_one_version_per_page_while_versions_change(sample_data_dir, tmp_path):
    shutil.copytree(sample_data_dir / "store", tmp_path / "store", ignore=shutil.ignore_patterns("tmp", ".lock"))
    store = DatasetStore(tmp_path / "store")
    base_version = store.current()
    lines = (sample_data_dir / "sample" / "fullbas.csv").read_text().splitlines(keepends=True)
    sources = {}
    for n in (1500, 3000, 6000):
        folder = tmp_path / f"first-{n}"
        folder.mkdir()
        (folder / "fullbas.csv").write_text("".join(lines[: n + 1]))
        sources[n] = folder / "fullbas.csv"

    def load(n: int) -> str:
        return ingest({"fullbas": sources[n]}, store, name=f"First {n}").version.id

    ids = [base_version.id] + [load(n) for n in sources]
    with serve("streamlit_app.py", tmp_path) as (base, pid):
        expected: dict[str, dict[str, str]] = {}
        for version_id in ids:                                   # each version's cover, measured quietly
            versions.switch_to(store, version_id)
            expected[version_id] = cover_figures(base)
        assert len({tuple(sorted(f.items())) for f in expected.values()}) == len(ids)   # the versions differ
        versions.switch_to(store, base_version.id)
        cover_figures(base)
        memory_before = rss_mb(pid)

        stop = threading.Event()
        changes: list[str] = []
        writer_errors: list[BaseException] = []

        def writer() -> None:
            rng = random.Random(42)
            try:
                while not stop.is_set():
                    stored = {v.id for v in store.versions()}
                    current = store.current().id
                    action = rng.choice(["switch", "switch", "delete"])
                    if action == "switch":
                        target = rng.choice(sorted(stored - {current}))
                        versions.switch_to(store, target)
                        changes.append(f"switch {target}")
                    else:
                        doomed = sorted(stored - {current, base_version.id})
                        if doomed:
                            gone = versions.delete_version(store, rng.choice(doomed))
                            changes.append(f"delete {gone.id}")
                            n = int(gone.name.split()[-1])
                            assert load(n) == gone.id                   # the same files give the same id again
                            changes.append(f"ingest {gone.id}")
                    stop.wait(0.5)
            except BaseException as error:  # noqa: BLE001 - reported by the test thread
                writer_errors.append(error)

        async def read(number: int, deadline: float, runs: list, failures: list) -> None:
            rng = random.Random(number)
            try:
                async with Reader(base) as reader:
                    await reader.run_page()
                    paths = sorted(reader.pages)
                    while time.monotonic() < deadline:
                        path = rng.choice(paths)
                        exceptions, metrics = await reader.run_page(reader.pages[path])
                        runs.append((number, path, exceptions, metrics))
            except Exception as error:  # noqa: BLE001 - a reader that stopped working is a failure
                failures.append(f"reader {number}: {type(error).__name__}: {error}")

        async def all_readers(runs: list, failures: list) -> None:
            deadline = time.monotonic() + LOAD_SECONDS
            await asyncio.gather(*(read(n, deadline, runs, failures) for n in range(READERS)))

        runs: list = []
        failures: list[str] = []
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            asyncio.run(all_readers(runs, failures))
        finally:
            stop.set()
            thread.join(60)
        time.sleep(3)
        memory_after = rss_mb(pid)

    assert not writer_errors, writer_errors
    assert not failures, failures
    assert len(changes) >= LOAD_SECONDS                                 # the data really changed under the readers
    raised = [(n, path, e) for n, path, e, _ in runs if e]
    assert not raised, raised[:5]
    covers = [metrics for _, path, _, metrics in runs if path == ""]
    figures = [tuple(sorted(f.items())) for f in expected.values()]
    mixed = [m for m in covers if tuple(sorted(m.items())) not in figures]
    assert covers and not mixed, mixed[:3]
    assert len({n for n, *_ in runs}) == READERS
    print(f"\n{len(runs)} page runs by {READERS} readers in {LOAD_SECONDS:.0f} s, {len(changes)} changes; "
          f"server memory {memory_before:.0f} MB before, {memory_after:.0f} MB after")
    assert memory_after - memory_before < LOAD_MEMORY_MARGIN_MB
