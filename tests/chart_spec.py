"""Helpers for chart tests: walk a Vega-Lite spec and check what every chart must have."""
from __future__ import annotations

from basstory.story.charts.common import MAX_POINTS
from basstory.story.theme import SYSTEM_COLORS, basstory_theme


def units(spec: dict) -> list[dict]:
    """Every unit view (a dict with a `mark`) in a spec, through layers, facets and concatenations."""
    found = [spec] if "mark" in spec else []
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for child in spec.get(key, []):
            found += units(child)
    if "spec" in spec:
        found += units(spec["spec"])
    return found


def mark_type(unit: dict) -> str:
    return unit["mark"]["type"] if isinstance(unit["mark"], dict) else unit["mark"]


def main_unit(spec: dict, mark: str) -> dict:
    """The first unit view drawing `mark`."""
    return next(u for u in units(spec) if mark_type(u) == mark)


def assert_system_colors(unit: dict) -> None:
    color = unit["encoding"]["color"]
    assert (color["field"], color["type"]) == ("system_label", "nominal")
    assert color["scale"]["domain"] == ["Full BAS", "Simple BAS"]
    assert color["scale"]["range"] == [SYSTEM_COLORS["full"], SYSTEM_COLORS["simple"]]


def assert_small(spec: dict) -> None:
    rows = [len(r) for r in spec.get("datasets", {}).values()]
    assert rows and max(rows) <= MAX_POINTS


def assert_title(spec: dict, text: str, subtitle: str) -> None:
    assert spec["title"]["text"] == text
    assert spec["title"]["subtitle"] == subtitle


def encoding(unit: dict, channel: str) -> tuple[str, str]:
    e = unit["encoding"][channel]
    return e["field"], e["type"]


def tooltip_fields(unit: dict) -> set[str]:
    return {t["field"] for t in unit["encoding"]["tooltip"]}


def assert_no_configure(spec: dict) -> None:
    """The look comes from the theme: the only config in a chart's spec is the registered theme's own."""
    assert "config" not in spec or spec["config"] == basstory_theme()["config"]
