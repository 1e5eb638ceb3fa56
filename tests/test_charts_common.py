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


def test_extract_edges_inside_the_chart_only():
    from datetime import date
    spans = {"full": (date(2016, 10, 1), date(2017, 9, 30)), "simple": (date(2016, 8, 24), date(2019, 2, 28))}
    months = pd.Series(pd.date_range("2016-08-01", "2019-02-01", freq="MS"))
    edges = common.extract_edges(spans, months)
    # Simple BAS starts in the chart's first month and ends in its last: only Full BAS's two edges are marked
    assert edges[["system", "label", "line"]].values.tolist() == [
        ["full", "Full BAS extract starts 1 Oct 2016", 0], ["full", "Full BAS extract ends 30 Sep 2017", 1]]
    assert list(edges["system_label"]) == ["Full BAS", "Full BAS"]
    layers = common.extract_edge_rules(spans, months)
    rule, first_line, second_line = layers[0].to_dict()["layer"]
    assert rule["mark"]["type"] == "rule" and rule["encoding"]["x"]["field"] == "edge_date"
    assert rule["encoding"]["color"]["scale"]["range"] == [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"]]
    # labels at fixed pixels near the plot's top, on two lines: a chart fitted to its container keeps them inside
    assert first_line["encoding"]["text"]["field"] == "label"
    assert (first_line["encoding"]["y"], second_line["encoding"]["y"]) == ({"value": 28}, {"value": 40})
    # a chart inside one extract's span marks nothing
    assert common.extract_edge_rules(spans, pd.Series(pd.date_range("2017-01-01", "2017-06-01", freq="MS"))) == []
    assert common.extract_edge_rules(None, months) == []
