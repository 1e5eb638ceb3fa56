"""Where the project keeps its data. `BASSTORY_DATA_DIR` overrides the default `data/` beside the package."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data folder: generated sample extracts and the dataset store live below it."""
    return Path(os.environ.get("BASSTORY_DATA_DIR", PROJECT_ROOT / "data"))


def sample_dir() -> Path:
    """The bundled sample's extracts, generated on first run (never committed)."""
    return data_dir() / "sample"


def store_dir() -> Path:
    """The dataset store: one folder per ingested version plus the CURRENT pointer."""
    return data_dir() / "store"
