"""Encodings and marks shared by every chapter's charts."""
from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.story import theme  # noqa: F401  (registers and enables the theme)
from basstory.story.theme import ACCENT_COLOR, system_color

__all__ = ["MAX_POINTS", "PERCENT", "SYSTEM_ORDER", "due_date_rules", "extract_edge_rules", "grouped_share_bars",
           "in_order", "system_color", "title_params", "with_system_labels"]

#: The systems in legend and bar order, by label.
SYSTEM_ORDER = [SYSTEM_LABELS[s] for s in SYSTEMS]
PERCENT = alt.Axis(format="%")

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


def in_order(data: pd.DataFrame, label: str, by: str, ascending: bool = True) -> list[str]:
    """The distinct values of `label` ordered by `by` (a bucket's order, a date...), for an axis's sort."""
    return list(dict.fromkeys(data.sort_values(by, ascending=ascending)[label]))


def grouped_share_bars(data: pd.DataFrame, x: str, order: list[str], x_title: str, share: str, share_title: str,
                       tooltip: list[alt.Tooltip]) -> alt.Chart:
    """Bars side by side per system, one group per category of `x` (in `order`), each as high as its `share`
    (0–1): the chain every "share of runs / users / orgs by bucket, per system" chart shares. `data` has
    `system_label` (`with_system_labels`)."""
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{x}:O", sort=order, title=x_title, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("system_label:N", sort=SYSTEM_ORDER),
        y=alt.Y(f"{share}:Q", title=share_title, axis=PERCENT),
        color=system_color(),
        tooltip=tooltip,
    )


def due_date_rules(days: pd.DataFrame, x_field: str, label_field: str = "label") -> alt.LayerChart:
    """Dashed vertical rules with labels marking BAS due dates on an x axis (`x_field` in `days`)."""
    base = alt.Chart(days)
    rules = base.mark_rule(color=ACCENT_COLOR, strokeDash=[4, 3]).encode(x=alt.X(x_field),
                                                                         tooltip=[alt.Tooltip(label_field)])
    labels = base.mark_text(color=ACCENT_COLOR, align="left", dx=3, dy=-4, baseline="bottom", fontSize=11).encode(
        x=alt.X(x_field), y=alt.YValue(0), text=alt.Text(f"{label_field}:N"))
    return rules + labels


def extract_edges(spans: dict, periods: pd.Series) -> pd.DataFrame:
    """The extract starts and ends (`dataset.extract_spans`: {system: (first, last)}) that fall inside a chart's
    time axis but outside its first and last period (`periods`: the chart's temporal x values; an edge in the first
    or last period is where the chart starts or stops anyway): one row each, in date order, columns system,
    system_label, edge_date, label ('Simple BAS extract starts 1 Aug 2016'), line (0 or 1, alternating, so labels
    of close edges do not overlap)."""
    columns = ["system", "edge_date", "label"]
    starts = sorted(pd.to_datetime(periods).dropna().unique())
    rows = []
    if len(starts) >= 3:
        after_first, last = pd.Timestamp(starts[1]), pd.Timestamp(starts[-1])
        for system, (start, end) in spans.items():
            for when, what in ((start, "starts"), (end, "ends")):
                day = pd.Timestamp(when)
                if after_first <= day < last:
                    rows.append({"system": system, "edge_date": day,
                                 "label": f"{SYSTEM_LABELS[system]} extract {what} {day.day} {day:%b %Y}"})
    edges = pd.DataFrame(rows, columns=columns).sort_values("edge_date", kind="stable").reset_index(drop=True)
    return with_system_labels(edges.assign(line=[i % 2 for i in range(len(edges))]))


def extract_edge_rules(spans: dict | None, periods: pd.Series) -> list[alt.LayerChart]:
    """Dotted rules in each system's colour where its extract starts or ends inside a chart (`extract_edges` over
    the chart's temporal x values `periods`), labelled near the top of the plot on two alternating lines; [] when
    none falls inside (so layering them never widens the axis). The labels sit at fixed pixels from the plot's top,
    which a chart fitted to its container keeps inside the plot."""
    if not spans or periods.empty:
        return []
    edges = extract_edges(spans, periods)
    if edges.empty:
        return []
    base = alt.Chart(edges)
    rules = base.mark_rule(strokeDash=[2, 2], strokeWidth=1.5).encode(
        x=alt.X("edge_date:T"), color=system_color(legend=False),
        tooltip=[alt.Tooltip("label:N", title="Extract")])
    labels = [base.transform_filter(alt.datum.line == line).mark_text(
        align="left", dx=3, baseline="top", fontSize=10, fontStyle="italic").encode(
        x=alt.X("edge_date:T"), y=alt.YValue(28 + 12 * line), text=alt.Text("label:N"),
        color=system_color(legend=False))
        for line in (0, 1)]
    return [alt.layer(rules, *labels)]
