"""The look: one palette in .streamlit/config.toml and basstory/theme.py, colour-blind-safe system colours that never
change, a registered light chart theme (as exports use it) and the app's dark and presentation variants."""
import tomllib
from pathlib import Path

import altair as alt
import pytest

from basstory.app import presentation
from basstory.story import theme

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def chart() -> alt.Chart:
    data = alt.Data(values=[{"system_label": "Full BAS", "runs": 3}, {"system_label": "Simple BAS", "runs": 2}])
    return alt.Chart(data).mark_bar().encode(x="runs:Q", y="system_label:N", color=theme.system_color())


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two #RRGGBB colours."""
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_systems_keep_their_okabe_ito_colours():
    assert theme.SYSTEM_COLORS == {"full": "#0072B2", "simple": "#E69F00"}
    scale = theme.system_color_scale().to_dict()
    assert scale == {"domain": ["Full BAS", "Simple BAS"], "range": ["#0072B2", "#E69F00"]}
    assert list(theme.CATEGORY_COLORS[:2]) == ["#0072B2", "#E69F00"]
    assert CONFIG["theme"]["chartCategoricalColors"] == list(theme.CATEGORY_COLORS)


@pytest.mark.parametrize("scheme, palette", [("light", theme.LIGHT), ("dark", theme.DARK)])
def test_config_toml_has_both_variants_with_the_themes_colours(scheme, palette):
    section = CONFIG["theme"][scheme]
    assert section["backgroundColor"] == palette["background"]
    assert section["secondaryBackgroundColor"] == palette["panel"]
    assert section["textColor"] == palette["text"]
    assert section["linkColor"] == palette["link"]
    assert CONFIG["theme"]["primaryColor"] == palette["primary"]
    assert "base" not in CONFIG["theme"], "with [theme.light] and [theme.dark], each variant sets its own base"


@pytest.mark.parametrize("palette", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_text_is_readable_on_both_pages(palette):
    assert contrast(palette["text"], palette["background"]) >= 7
    assert contrast(palette["muted_text"], palette["background"]) >= 4.5
    assert contrast(palette["link"], palette["background"]) >= 4.5
    assert contrast(palette["text"], palette["panel"]) >= 7


@pytest.mark.parametrize("colour", list(theme.SYSTEM_COLORS.values()))
def test_system_colours_stand_out_on_both_pages(colour):
    """Fixed colours, so one background cannot suit both: Okabe-Ito orange is light (2.25:1 on white), blue dark
    (3.5:1 on the dark page). Both stay above 2:1 as filled marks, and neither page is chosen to favour one."""
    for palette in (theme.LIGHT, theme.DARK):
        assert contrast(colour, palette["background"]) >= 2, (colour, palette["background"])


def test_the_menu_offers_the_theme_switch_but_never_deploy():
    assert CONFIG["client"]["toolbarMode"] == "viewer"


def test_the_registered_theme_is_the_light_one_and_is_active():
    assert alt.theme.active == theme.THEME_NAME
    config = chart().to_dict()["config"]
    assert config["background"] == theme.LIGHT["background"]
    assert config["axis"]["labelColor"] == theme.LIGHT["text"]
    assert config["font"] == theme.FONT
    assert config["title"]["fontSize"] == theme.TYPE_SCALE["title"]
    assert config["range"]["category"][:2] == ["#0072B2", "#E69F00"]


def test_the_dark_theme_is_registered_for_exports_that_want_it():
    with alt.theme.enable(theme.DARK_THEME_NAME):
        config = chart().to_dict()["config"]
    assert config["background"] == "transparent"
    assert config["axis"]["labelColor"] == theme.DARK["text"]
    assert alt.theme.active == theme.THEME_NAME


@pytest.mark.parametrize("scheme", ["light", None, "unknown"])
def test_a_light_or_unknown_page_draws_the_chart_as_exported(scheme):
    spec = chart().to_dict()
    shown = theme.spec_for_app(spec, scheme)
    assert shown == spec
    # Streamlit moves the data out of the spec it is given: the block's own spec keeps its keys
    for key in list(shown):
        del shown[key]
    assert spec == chart().to_dict()


def test_a_dark_page_gets_a_transparent_background_and_light_text():
    original = chart().to_dict()
    spec = theme.spec_for_app(original, "dark")
    assert original == chart().to_dict(), "the block's own spec is not changed"
    config = spec["config"]
    assert config["background"] == "transparent"
    for part in ("axis", "legend", "header"):
        assert config[part]["labelColor"] == theme.DARK["text"]
    assert config["title"]["color"] == theme.DARK["text"]
    assert config["text"]["color"] == theme.DARK["text"]
    assert config["axis"]["gridColor"] == theme.DARK["grid"]
    assert config["font"] == theme.FONT, "the rest of the theme still applies"
    assert spec["encoding"]["color"]["scale"]["range"] == ["#0072B2", "#E69F00"], "system colours unchanged"


def test_presentation_mode_grows_chart_text_on_either_page():
    for scheme in ("light", "dark"):
        config = theme.spec_for_app(chart().to_dict(), scheme, present=True)["config"]
        assert config["axis"]["labelFontSize"] == round(theme.TYPE_SCALE["label"] * theme.PRESENT_SCALE)
        assert config["title"]["fontSize"] == round(theme.TYPE_SCALE["title"] * theme.PRESENT_SCALE)
    light = theme.spec_for_app(chart().to_dict(), "light", present=True)
    assert light["config"]["background"] == theme.LIGHT["background"]


def test_spec_for_app_works_on_layered_and_concatenated_charts():
    layered = alt.layer(chart(), chart()).to_dict()
    assert theme.spec_for_app(layered, "dark")["config"]["background"] == "transparent"
    both = alt.hconcat(chart(), chart()).to_dict()
    assert theme.spec_for_app(both, "dark", present=True)["config"]["legend"]["labelColor"] == theme.DARK["text"]


def test_presentation_css_hides_the_chrome_and_enlarges_the_headline():
    css = presentation.present_css()
    for test_id in ("stSidebar", "stHeader", "stToolbar", "stAppDeployButton", "stExpandSidebarButton"):
        assert f'[data-testid="{test_id}"]' in css
    assert "display: none !important" in css
    assert ".st-key-headline h4" in css and ".st-key-page_footer" in css
    assert css.strip().startswith("<style>") and css.strip().endswith("</style>")
