"""Every page (presentation mode too) and the exported story say whether the data is the synthetic bundled sample
or a real extract, and which."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from basstory.export import html as export
from basstory.ingest.store import DatasetStore
from basstory.ingest.versions import BUNDLED_NAME
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect_version
from basstory.story.narrative import dataset_notice
from basstory.story.registry import CHAPTERS, DATA_PAGE
from tests.app_helpers import open_page, shown_dataset

PAGES = [c.path for c in CHAPTERS] + [DATA_PAGE.path]
EXPORTED_AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def bundled_data_dir(sample_data_dir, tmp_path_factory):
    """The test sample under the bundled sample's name, shown by the app for this module."""
    with shown_dataset(sample_data_dir / "sample", tmp_path_factory.mktemp("bundled"), BUNDLED_NAME) as folder:
        yield folder


def notice(at) -> list[str]:
    """What the page says about its data: the sample's warning or the extract's caption."""
    return [w.value for w in at.warning if "Synthetic data" in w.value] + \
           [c.value for c in at.caption if c.value.startswith("Data: extract")]


def test_the_notice_says_synthetic_for_the_sample_and_names_a_real_extract():
    sample = dataset_notice(BUNDLED_NAME, "0123456789abcdef", bundled=True)
    assert sample.startswith("**Synthetic data.**")
    assert "generated to resemble the case study's extracts" in sample and "illustrate the method" in sample
    real = dataset_notice("Extract March 2019", "0123456789abcdef", bundled=False)
    assert real == "Data: extract **Extract March 2019** (version 0123456789abcdef)."
    assert "Synthetic" not in real


@pytest.mark.parametrize("present", [None, "1"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_says_the_sample_is_synthetic(bundled_data_dir, page, present):
    at = open_page(page, **({"present": present} if present else {}))
    assert not at.exception, at.exception
    shown = notice(at)
    assert len(shown) == 1 and shown[0] == dataset_notice(BUNDLED_NAME, "", bundled=True), shown


@pytest.mark.parametrize("page", [CHAPTERS[0].path, CHAPTERS[-1].path])
def test_a_real_extract_is_named_instead(sample_data_dir, page, monkeypatch):
    monkeypatch.setenv("BASSTORY_DATA_DIR", str(sample_data_dir))     # the session's "Test sample"
    at = open_page(page)
    assert not at.exception, at.exception
    version = DatasetStore(sample_data_dir / "store").current()
    assert notice(at) == [dataset_notice(version.name, version.id, bundled=False)]


def test_the_export_says_so_too(bundled_data_dir, sample_data_dir):
    bundled = DatasetStore(bundled_data_dir / "store").current()
    page = export.story_html(connect_version(bundled), StoryFilters(), bundled, EXPORTED_AT)
    assert '<div class="note warning dataset" data-testid="dataset-notice"><strong>Synthetic data.</strong>' in page
    real = DatasetStore(sample_data_dir / "store").current()
    page = export.document([], StoryFilters(), real, EXPORTED_AT)
    assert (f'<div class="note info dataset" data-testid="dataset-notice">Data: extract <strong>{real.name}</strong> '
            f'(version {real.id}).</div>') in page
    assert "Synthetic data" not in page
