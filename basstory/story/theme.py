"""The look: one colour per system everywhere, a colour-blind-safe palette (Okabe-Ito), one type scale and one
Altair theme.

Charts take their colours from `system_color_scale()` and never configure fonts or sizes themselves; the registered
theme does that once, so the app, PNG/SVG exports and the offline HTML all look the same. The app's own colours are in
`.streamlit/config.toml` ([theme] with [theme.light] and [theme.dark]); the values below are the same ones.

In the app, charts are drawn with Streamlit's chart theme off (`theme=None`), so the app adapts them to the page
itself with `spec_for_app`: on a dark page the background goes transparent and text and grid lines turn light; in
presentation mode the type is larger. The system colours never change.
"""
from __future__ import annotations

import altair as alt

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS

#: Okabe-Ito blue and orange: distinguishable with every common colour-vision deficiency.
SYSTEM_COLORS: dict[str, str] = {"full": "#0072B2", "simple": "#E69F00"}
BOTH_COLOR = "#009E73"            # both systems together
ACCENT_COLOR = "#D55E00"          # highlights: the busiest month, the chosen window, due dates
MUTED_COLOR = "#9AA0A6"
SEQUENTIAL_SCHEME = "blues"       # heatmaps of counts
#: The rest of the Okabe-Ito palette, in the order categorical charts use it after the two systems.
CATEGORY_COLORS: tuple[str, ...] = (SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"], BOTH_COLOR, "#CC79A7",
                                    "#56B4E9", ACCENT_COLOR, "#F0E442", "#000000")
#: Streamlit's own sans-serif first, so chart text matches the page.
FONT = '"Source Sans", "Source Sans Pro", Helvetica, Arial, sans-serif'
THEME_NAME = "basstory"
DARK_THEME_NAME = "basstory_dark"

#: The page colours, as in .streamlit/config.toml (a test checks they agree).
LIGHT = {"background": "#FFFFFF", "panel": "#F3F6F9", "text": "#1F2933", "muted_text": "#52606D", "grid": "#E4E7EB",
         "domain": "#9AA5B1", "primary": "#0072B2", "link": "#0072B2"}
DARK = {"background": "#10161D", "panel": "#1C2631", "text": "#E4E7EB", "muted_text": "#B0BAC5", "grid": "#2E3B48",
        "domain": "#7B8794", "primary": "#0072B2", "link": "#56B4E9"}

#: The type scale, in px, for charts; the page's own scale is `headingFontSizes` in config.toml.
TYPE_SCALE = {"title": 16, "subtitle": 13, "axis_title": 13, "label": 12, "legend": 12, "mark_text": 11}
#: In presentation mode chart text grows by this factor (the page grows its own text with CSS).
PRESENT_SCALE = 1.25


def system_color_scale() -> alt.Scale:
    """Colour scale for a field holding system labels ('Full BAS', 'Simple BAS')."""
    return alt.Scale(domain=[SYSTEM_LABELS[s] for s in SYSTEMS], range=[SYSTEM_COLORS[s] for s in SYSTEMS])


def system_tint(system: str, strength: float = 0.08) -> str:
    """The system's colour mixed with white (`strength` of the colour): the light end of its sequential scale."""
    colour = SYSTEM_COLORS[system].lstrip("#")
    rgb = [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(255 - (255 - c) * strength):02X}" for c in rgb)


def system_ramp_scale(system: str, **kwargs) -> alt.Scale:
    """A sequential colour scale from a light tint to the system's colour, interpolated in RGB so it stays in the
    system's hue (heatmaps of one system); `kwargs` go to alt.Scale (type, domain, zero...)."""
    return alt.Scale(range=[system_tint(system), SYSTEM_COLORS[system]], interpolate="rgb", **kwargs)


def system_color(field: str = "system_label", title: str = "System", legend: bool = True) -> alt.Color:
    """The colour encoding every per-system chart uses."""
    return alt.Color(f"{field}:N", scale=system_color_scale(), title=title,
                     legend=alt.Legend(orient="top") if legend else None)


def _colours(palette: dict[str, str], background: str) -> dict:
    """The parts of the chart config that depend on the page's colours."""
    text, muted = palette["text"], palette["muted_text"]
    return {
        "background": background,
        "title": {"color": text, "subtitleColor": muted},
        "axis": {"gridColor": palette["grid"], "domainColor": palette["domain"], "tickColor": palette["domain"],
                 "labelColor": text, "titleColor": text},
        "legend": {"labelColor": text, "titleColor": text},
        "header": {"labelColor": text, "titleColor": text},
        "text": {"color": text},
    }


def _sizes(scale: float = 1.0) -> dict:
    """The parts of the chart config that are the type scale."""
    size = {k: round(v * scale) for k, v in TYPE_SCALE.items()}
    return {
        "title": {"fontSize": size["title"], "subtitleFontSize": size["subtitle"]},
        "axis": {"labelFontSize": size["label"], "titleFontSize": size["axis_title"]},
        "legend": {"labelFontSize": size["legend"], "titleFontSize": size["legend"]},
        "header": {"labelFontSize": size["axis_title"], "titleFontSize": size["axis_title"]},
        "text": {"fontSize": size["mark_text"]},
    }


def merge_config(*configs: dict) -> dict:
    """Deep merge, later wins."""
    merged: dict = {}
    for config in configs:
        for key, value in config.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = merge_config(merged[key], value)
            else:
                merged[key] = value
    return merged


def chart_config(scheme: str = "light") -> dict:
    """The whole chart config for a light page (white background, as exports are) or a dark one (transparent
    background, light text)."""
    colours = _colours(DARK, "transparent") if scheme == "dark" else _colours(LIGHT, LIGHT["background"])
    return merge_config({
        "font": FONT,
        "view": {"stroke": None},
        "title": {"fontWeight": 600, "anchor": "start", "offset": 10},
        "axis": {"titleFontWeight": 500},
        "legend": {"orient": "top"},
        "range": {"category": list(CATEGORY_COLORS)},
        "bar": {"cornerRadiusEnd": 2},
        "line": {"strokeWidth": 2.5},
    }, _sizes(), colours)


# Chart frames are aggregated before they are charted (no chart ships more than charts.common.MAX_POINTS rows on the
# bundled sample, which the tests check), but a long extract can give a daily chart more rows than Altair's default
# check allows (5,000): a block's spec is made with to_dict(), which would refuse it, where the page would draw it.
alt.data_transformers.disable_max_rows()


@alt.theme.register(THEME_NAME, enable=True)
def basstory_theme() -> alt.theme.ThemeConfig:
    return {"config": chart_config("light")}


@alt.theme.register(DARK_THEME_NAME, enable=False)
def basstory_dark_theme() -> alt.theme.ThemeConfig:
    return {"config": chart_config("dark")}


def app_overrides(scheme: str | None, present: bool = False) -> dict:
    """What a chart in the app needs on top of the registered (light) theme: dark colours on a dark page, larger
    type in presentation mode. Empty for a light page outside presentation mode."""
    overrides: dict = {}
    if scheme == "dark":
        overrides = _colours(DARK, "transparent")
    if present:
        overrides = merge_config(overrides, _sizes(PRESENT_SCALE))
    return overrides


def spec_for_app(spec: dict, scheme: str | None, present: bool = False) -> dict:
    """The chart's Vega-Lite spec (blocks.Chart.spec) as the app shows it on a page of `scheme` ('light', 'dark' or
    None = unknown, drawn light): a new top-level dict (Streamlit moves the datasets out of the one it is given) with
    the app's overrides merged over its config.

    Per-chart config on top of the global theme, rather than switching the global theme, because Streamlit draws
    charts for many sessions at once and a theme switched for one would leak into another's charts.
    """
    overrides = app_overrides(scheme, present)
    return {**spec, "config": merge_config(spec.get("config", {}), overrides)} if overrides else {**spec}
