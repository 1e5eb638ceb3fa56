"""Encodings and helpers every chapter's charts share."""
import pandas as pd

from basstory.story.charts import common
from basstory.story.theme import SYSTEM_COLORS


def test_long_titles_wrap_instead_of_being_cut():
    title = common.title_params("word " * 40, "sub " * 50).to_dict()
    assert isinstance(title["text"], list) and all(len(line) <= common.TITLE_WIDTH for line in title["text"])
    assert isinstance(title["subtitle"], list)
    assert common.title_params("Short").to_dict() == {"text": "Short"}
    assert common.title_params("Short", "what").to_dict() == {"text": "Short", "subtitle": "what"}


def test_system_labels_and_colours():
    frame = common.with_system_labels(pd.DataFrame({"system": ["full", "simple"]}))
    assert list(frame["system_label"]) == ["Full BAS", "Simple BAS"]
    scale = common.system_color().to_dict()["scale"]
    assert scale == {"domain": ["Full BAS", "Simple BAS"], "range": [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"]]}
