"""Analyses handed from one process to another through files: the app's warm-up computes them in a child process
(basstory.app.warm_up), and the server's `per_view` memo reads them instead of computing them again.

Why a process and not a thread: the warm-up's pandas, numpy and Altair work holds Python's interpreter lock, and a
thread doing it slows a reader's page in the same process by half a second and more at 100x, however politely it
waits between analyses. A child process has its own interpreter, and it runs at the lowest CPU priority, so on a busy
machine the kernel gives the reader's process the cores first.

One folder per dataset version; one file per analysis result, named by a digest of the analysis' memo key (its
module and name, the filters and the arguments). A key is shared only when it is made of plain values (strings,
numbers, dates, tuples, the story's filters), whose `repr` is the same in every process. A file is written under a
temporary name and renamed into place, so a reader never opens a half-written result; one it cannot read is a miss,
computed as if it were not there. The folder belongs to the server process that made it (a temporary folder), so the
pickled files it reads are only ever the ones its own child wrote.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

_log = logging.getLogger(__name__)

_PLAIN = (str, int, float, bool, type(None), date, datetime)
SUFFIX = ".pickle"
#: The name prefix of the files a look-ahead writes (app.warm_up.look_ahead): the server prunes only these, so the
#: warm-up's results for the default view stay.
AHEAD_TAG = "ahead-"


def is_plain(value: Any) -> bool:
    """True when `value` is made only of strings, numbers, dates, None, tuples and dataclasses of those: its `repr`
    names it exactly and is the same in every process."""
    if isinstance(value, _PLAIN):
        return True
    if isinstance(value, tuple):
        return all(is_plain(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return all(is_plain(getattr(value, f.name)) for f in fields(value))
    return False


class SharedResults:
    """The results folder of one dataset version. `writer` processes save what they compute; readers load."""

    def __init__(self, directory: Path, *, writer: bool, tag: str = "") -> None:
        self.directory = Path(directory)
        self.writer = writer
        self.tag = tag              # the prefix of the files this writer saves ("" or AHEAD_TAG)
        if writer:
            self.directory.mkdir(parents=True, exist_ok=True)

    def path_for(self, key: tuple, tag: str | None = None) -> Path | None:
        """The file of a memo key as a writer with `tag` (default: this one's) saves it, or None when the key is not
        plain enough to be named across processes."""
        if not is_plain(key):
            return None
        digest = hashlib.sha256(repr(key).encode()).hexdigest()
        return self.directory / f"{self.tag if tag is None else tag}{digest}{SUFFIX}"

    def load(self, key: tuple) -> tuple[bool, Any]:
        """(True, result) when another process saved the result of `key` (the warm-up or a look-ahead); (False,
        None) otherwise."""
        for tag in ("", AHEAD_TAG):
            path = self.path_for(key, tag)
            if path is None:
                return False, None
            try:
                with path.open("rb") as file:
                    return True, pickle.load(file)
            except FileNotFoundError:
                continue
            except Exception:  # noqa: BLE001 - an unreadable result is computed again, never shown
                _log.warning("shared result %s could not be read; computing it instead", path.name, exc_info=True)
                return False, None
        return False, None

    def has(self, key: tuple) -> bool:
        """Whether another process saved the result of `key` (without reading it)."""
        paths = [self.path_for(key, tag) for tag in ("", AHEAD_TAG)]
        return any(path is not None and path.exists() for path in paths)

    def save(self, key: tuple, result: Any) -> bool:
        """Write the result of `key` (atomically: a temporary file renamed into place); False when it cannot be, or
        when it is there already (under any writer's name)."""
        path = self.path_for(key)
        if path is None or any(self.path_for(key, tag).exists() for tag in ("", AHEAD_TAG)):
            return False
        handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as file:
                pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
            return True
        except Exception:  # noqa: BLE001 - a result that cannot be pickled is left to the readers to compute
            _log.debug("shared result %s not saved", path.name, exc_info=True)
            Path(temporary).unlink(missing_ok=True)
            return False

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*" + SUFFIX)) if self.directory.is_dir() else 0


__all__ = ["AHEAD_TAG", "SharedResults", "is_plain"]
