"""The look: one colour per system everywhere, a colour-blind-safe palette (Okabe-Ito) and one Altair theme.

Charts take their colours from `system_color_scale()` and never configure fonts or sizes themselves; the registered
theme does that once, so the app, PNG/SVG exports and the offline HTML all look the same.
"""
from __future__ import annotations

import altair as alt

from basstory.schema import SYSTEM_LABELS, SYSTEMS

#: Okabe-Ito blue and orange: distinguishable with every common colour-vision deficiency.
SYSTEM_COLORS: dict[str, str] = {"full": "#0072B2", "simple": "#E69F00"}
BOTH_COLOR = "#009E73"            # both systems together
ACCENT_COLOR = "#D55E00"          # highlights: the busiest month, the chosen window, due dates
MUTED_COLOR = "#9AA0A6"
SEQUENTIAL_SCHEME = "blues"       # heatmaps of counts
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
THEME_NAME = "basstory"


def system_color_scale() -> alt.Scale:
    """Colour scale for a field holding system labels ('Full BAS', 'Simple BAS')."""
    return alt.Scale(domain=[SYSTEM_LABELS[s] for s in SYSTEMS], range=[SYSTEM_COLORS[s] for s in SYSTEMS])


def system_color(field: str = "system_label", title: str = "System", legend: bool = True) -> alt.Color:
    """The colour encoding every per-system chart uses."""
    return alt.Color(f"{field}:N", scale=system_color_scale(), title=title,
                     legend=alt.Legend(orient="top") if legend else None)


@alt.theme.register(THEME_NAME, enable=True)
def basstory_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "view": {"stroke": None},
            "title": {"fontSize": 16, "fontWeight": 600, "anchor": "start", "subtitleFontSize": 13,
                      "subtitleColor": "#5f6368", "offset": 10},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": 500, "gridColor": "#e8eaed",
                     "domainColor": "#9aa0a6", "tickColor": "#9aa0a6", "labelColor": "#3c4043",
                     "titleColor": "#3c4043"},
            "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "top"},
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "range": {"category": [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"], BOTH_COLOR, "#CC79A7",
                                   "#56B4E9", ACCENT_COLOR, "#F0E442", "#000000"]},
            "bar": {"cornerRadiusEnd": 2},
            "line": {"strokeWidth": 2.5},
        }
    }
