"""Encodings and marks shared by every chapter's charts."""
from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from basstory.story import theme  # noqa: F401  (registers and enables the theme)
from basstory.core.schema import SYSTEM_LABELS
from basstory.story.theme import ACCENT_COLOR, system_color

__all__ = ["with_system_labels", "system_color", "due_date_rules", "title_params", "MAX_POINTS"]

#: No chart ships more points than this to the browser.
MAX_POINTS = 5000

#: Characters per line before a full-width chart's title (subtitle) wraps onto the next line.
TITLE_WIDTH = 100
SUBTITLE_WIDTH = 130


def _lines(text: str, width: int) -> str | list[str]:
    lines = textwrap.wrap(text, width, break_long_words=False)
    return lines[0] if len(lines) == 1 else lines


def title_params(text: str, subtitle: str = "") -> alt.TitleParams:
    """A chart title (the finding) with an optional subtitle (what is shown, how it is counted), wrapped onto more
    lines rather than cut off."""
    if not subtitle:
        return alt.TitleParams(text=_lines(text, TITLE_WIDTH))
    return alt.TitleParams(text=_lines(text, TITLE_WIDTH), subtitle=_lines(subtitle, SUBTITLE_WIDTH))


def with_system_labels(df: pd.DataFrame, column: str = "system") -> pd.DataFrame:
    """A copy with `system_label` ('Full BAS' / 'Simple BAS') beside the `system` code, for legends and tooltips."""
    out = df.copy()
    out["system_label"] = out[column].map(SYSTEM_LABELS)
    return out


def due_date_rules(days: pd.DataFrame, x_field: str, label_field: str = "label") -> alt.LayerChart:
    """Dashed vertical rules with labels marking BAS due dates on an x axis (`x_field` in `days`)."""
    base = alt.Chart(days)
    rules = base.mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3]).encode(x=x_field, tooltip=[label_field])
    labels = base.mark_text(color=ACCENT_COLOR, align="left", dx=3, dy=-4, baseline="bottom", fontSize=11).encode(
        x=x_field, y=alt.value(0), text=f"{label_field}:N")
    return rules + labels
