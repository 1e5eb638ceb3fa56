"""AppTest over the render layer (basstory.app.render): page-level choices come from the URL on a deep link, every
chart has its PNG/SVG/CSV downloads, the cover and the recommendation offer the story's HTML export."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_helpers import open_page, specs


def download_keys(at: AppTest) -> list[str]:
    return [b.key for b in at.get("download_button")]


def test_comparison_choices_from_a_deep_link(sample_data_dir):
    at = open_page("pages/comparison.py", cmp_metric="Users with a run", cmp_grain="Week")
    assert not at.exception, at.exception
    assert at.segmented_control(key="cmp_metric").value == "users"
    assert at.segmented_control(key="cmp_grain").value == "week"
    raw = specs(at)[0]["layer"][1]["encoding"]
    assert raw["y"]["field"] == "users" and raw["x"]["title"] == "Week (Sydney dates)"


def test_outage_choices_from_a_deep_link(sample_data_dir):
    at = open_page("pages/outage.py", outage_system="Simple BAS", outage_metric="Users")
    assert not at.exception, at.exception
    heatmap = specs(at)[0]
    title = heatmap["title"]["text"]
    assert (" ".join(title) if isinstance(title, list) else title).startswith("Simple BAS: the cheapest window")
    assert heatmap["layer"][0]["encoding"]["color"]["field"] == "users_mean"
    assert "Simple BAS" in at.subheader[0].value


def test_an_unknown_choice_in_the_url_falls_back_to_the_default(sample_data_dir):
    at = open_page("pages/comparison.py", cmp_metric="nonsense")
    assert not at.exception, at.exception
    assert specs(at)[0]["layer"][1]["encoding"]["y"]["field"] == "runs"


@pytest.mark.parametrize("page, first_chart", [("pages/interaction.py", "int_heatmap"),
                                               ("pages/comparison.py", "cmp_activity")])
def test_every_chart_has_png_svg_and_csv_downloads(sample_data_dir, page, first_chart):
    at = open_page(page)
    n_charts = len(at.get("vega_lite_chart"))
    keys = download_keys(at)
    assert len(keys) == 3 * n_charts
    assert keys[:3] == [f"{first_chart}_png", f"{first_chart}_svg", f"{first_chart}_csv"]


@pytest.mark.parametrize("page, key", [("pages/cover.py", "export_story_cover"),
                                       ("pages/recommendation.py", "export_story_recommendation")])
def test_the_story_export_button(sample_data_dir, page, key):
    at = open_page(page)
    assert not at.exception, at.exception
    button = next(b for b in at.get("download_button") if b.key == key)
    assert button.label == "Export the story (HTML)"
