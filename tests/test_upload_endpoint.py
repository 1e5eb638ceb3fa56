"""HTTP against running servers on 127.0.0.1: Streamlit's upload endpoint takes no file in the story (viewer) app,
however it is called, and takes the analyst's files in the analyst app (served apart, `make analyst`).

No browser is needed: a session is opened the way Streamlit's frontend opens one (GET a page for the XSRF cookie,
then the websocket with the token as a subprotocol), and files are PUT to `/_stcore/upload_file/<session>/<file>`
as the frontend PUTs them."""
from __future__ import annotations

import asyncio
import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(script: str, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, int]]:
    """Serve `script` on 127.0.0.1 and a free port over `data_dir`, with extra `streamlit run` flags; yields (base
    URL, server pid). `.streamlit/config.toml` applies, as with `make run` / `make analyst`."""
    port = free_port()
    log_path = data_dir / f"{Path(script).stem}-{port}.log"
    environment = {**os.environ, "BASSTORY_DATA_DIR": str(data_dir), **(env or {})}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
             *args], cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    if urllib.request.urlopen(base + "/_stcore/health", timeout=1).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"{script} did not start; see {log_path}")
            yield base, server.pid
        finally:
            server.terminate()
            server.wait(10)


def xsrf_cookie(base: str) -> str:
    """The XSRF cookie the server sets (the frontend sends it back as a header and a websocket subprotocol)."""
    with urllib.request.urlopen(base + "/_stcore/health") as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if match := re.match(r"_streamlit_xsrf=([^;]+)", header):
                return match.group(1)
    raise AssertionError("no XSRF cookie was set")


class Session:
    """A live session: a websocket kept open in a thread while the test PUTs files for it."""

    def __init__(self, base: str):
        import threading

        self.base, self.xsrf = base, xsrf_cookie(base)
        self.session_id: str | None = None
        self.first_run_done = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        for _ in range(300):
            if self.session_id:
                break
            time.sleep(0.1)
        assert self.session_id, "no session was opened"

    def _run(self) -> None:
        async def main():
            import websockets
            from streamlit.proto.BackMsg_pb2 import BackMsg
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            url = self.base.replace("http://", "ws://") + "/_stcore/stream"
            async with websockets.connect(url, subprotocols=["streamlit", self.xsrf], max_size=None,
                                          additional_headers={"Cookie": f"_streamlit_xsrf={self.xsrf}",
                                                              "Origin": self.base}) as ws:
                first_run = BackMsg()                       # the frontend's first message: run the page
                first_run.rerun_script.query_string = ""
                await ws.send(first_run.SerializeToString())
                while not self._done.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.2)
                    except TimeoutError:
                        continue
                    message = ForwardMsg()
                    message.ParseFromString(raw)
                    if message.WhichOneof("type") == "new_session":
                        self.session_id = message.new_session.initialize.session_id
                    elif message.WhichOneof("type") == "script_finished":
                        self.first_run_done.set()

        asyncio.run(main())

    def close(self) -> None:
        self._done.set()
        self._thread.join(10)

    def put(self, data: bytes, name: str = "fullbas.csv", *, with_length: bool = True,
            claimed_length: int | None = None) -> int:
        """PUT one file as the frontend does; the HTTP status (204 = stored in the server's memory). Without length,
        the body goes in chunks (no Content-Length to refuse it by); `claimed_length` sends that Content-Length and
        no body. The server may answer and close before the body is sent: its answer is read all the same."""
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"UploadedFile\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        host, port = self.base.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=60)
        try:
            connection.putrequest("PUT", f"/_stcore/upload_file/{self.session_id}/{uuid.uuid4().hex}")
            for header, value in {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                  "X-Xsrftoken": self.xsrf, "Cookie": f"_streamlit_xsrf={self.xsrf}",
                                  "Origin": self.base}.items():
                connection.putheader(header, value)
            if claimed_length is not None:
                connection.putheader("Content-Length", str(claimed_length))
            elif with_length:
                connection.putheader("Content-Length", str(len(body)))
            else:
                connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            try:
                if claimed_length is not None:
                    pass
                elif with_length:
                    connection.send(body)
                else:
                    for start in range(0, len(body), 64 * 1024):
                        piece = body[start:start + 64 * 1024]
                        connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    connection.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass                                   # refused mid-body: the answer is already there
            return connection.getresponse().status
        finally:
            connection.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def data_dir(sample_data_dir, tmp_path_factory) -> Path:
    import shutil

    folder = tmp_path_factory.mktemp("endpoint-data")
    shutil.copytree(sample_data_dir / "store", folder / "store", ignore=shutil.ignore_patterns("tmp", ".lock"))
    return folder


def test_the_story_app_takes_no_upload_by_any_route(data_dir):
    """A password-less session of the viewer app PUTs files: 1 byte, 1 MB, 5 MB sent in chunks without a
    Content-Length (refused while streaming), a 500 MB Content-Length (refused from the header alone), and 80 files
    of 1 MB: every one gets 413. The server holds none of them: its memory grows by less than 20 MB while 80 MB are
    sent (measured after the session's first page run and a few warm-up refusals, so the page's own data is in)."""
    with serve("streamlit_app.py", data_dir) as (base, pid):
        session = Session(base)
        try:
            assert session.first_run_done.wait(60)
            assert session.put(b"x") == 413
            assert session.put(b"x" * MB) == 413
            assert session.put(b"y" * (5 * MB), with_length=False) == 413
            assert session.put(b"", claimed_length=500 * MB) == 413
            before = rss_mb(pid)
            assert {session.put(os.urandom(MB)) for _ in range(80)} == {413}
            assert rss_mb(pid) - before < 20
        finally:
            session.close()


def test_the_analyst_app_takes_uploads_and_listens_on_loopback(data_dir):
    """The analyst app, as `make analyst` starts it (1 GB uploads): a 2 MB file is stored (204)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"analyst_app\.py --server\.port \$\(ANALYST_PORT\) --server\.address \$\(ANALYST_ADDRESS\)",
                     makefile) and "ANALYST_ADDRESS ?= 127.0.0.1" in makefile and "--server.maxUploadSize 1024" \
        in makefile
    with serve("analyst_app.py", data_dir, "--server.maxUploadSize", "1024") as (base, _):
        session = Session(base)
        try:
            assert session.put(b"z" * (2 * MB)) == 204
        finally:
            session.close()
