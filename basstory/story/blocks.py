"""A chapter's content as data: what a page shows, in reading order, whatever draws it.

The chapter builders (basstory.story.chapters) return a list of these blocks; basstory.app.render draws them in the
Streamlit page and basstory.export.html writes them into the offline HTML story, so the app and the export always
say the same thing. Blocks are plain, picklable values: no streamlit here.

Text is Markdown in Headline.finding, Scope, Text, Bullets, Caption, Note and every Metric field: whoever writes it
escapes any value from data, files, names or a URL with `basstory.core.text.md_escape`, so it shows literally in the
app and in the export. Titles, headings and tabs are the project's own words; table cells and choice labels are
plain text.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import altair as alt
import pandas as pd

#: What a chart says when its frame has no rows (unless the builder has something more specific to say).
NO_RUNS_NOTE = "No runs in this view for this chart."


@dataclass(frozen=True)
class Headline:
    """The chapter's title and its finding in one sentence, computed from the data."""
    title: str
    finding: str


@dataclass(frozen=True)
class Scope:
    """Where the scope line goes (what is in scope, runs counted, runs left out and why), as a markdown sentence.
    Both the app and the export show `text`; the app also shows a "data updated" notice here when one is due."""
    text: str


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    markdown: str


@dataclass(frozen=True)
class Bullets:
    """A list of markdown lines, numbered when `ordered`."""
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Caption:
    text: str


@dataclass(frozen=True)
class Note:
    """A short boxed message: a chart that has nothing to show, a method's limit, the capacity statement."""
    text: str
    tone: Literal["info", "success", "warning"] = "info"
    icon: str = ":material/info:"


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    caption: str = ""
    help: str = ""


@dataclass(frozen=True)
class Metrics:
    """Metric cards side by side."""
    items: tuple[Metric, ...]


@dataclass(frozen=True, eq=False)
class Chart:
    """An Altair chart and the frame behind it (what its CSV download holds). `key` is stable: tests and the
    download buttons use it. `spec` is the chart's Vega-Lite spec, made once when the block is: a page drawn again
    from the cache, the export and the slides reuse it instead of converting the chart each time."""
    key: str
    chart: alt.TopLevelMixin
    data: pd.DataFrame
    empty_note: str = NO_RUNS_NOTE
    spec: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # the chart builders' specs are checked against the Vega-Lite schema by the chart tests, not on every build
        object.__setattr__(self, "spec", self.chart.to_dict(validate=False))


@dataclass(frozen=True)
class Column:
    """How a table shows one column: its header and, for numbers and times, a format (Streamlit's column_config
    formats: printf-style like "%.2f", "percent", or "D MMM YYYY HH:mm" for a time)."""
    label: str
    kind: Literal["number", "datetime", "text"] = "number"
    format: str | None = None


@dataclass(frozen=True, eq=False)
class Table:
    """A small table. `columns` names and formats the columns that need it; with `collapsed`, the table sits in a
    closed section of that title (an expander in the app)."""
    key: str
    data: pd.DataFrame
    columns: Mapping[str, Column] = field(default_factory=dict)
    collapsed: str | None = None


@dataclass(frozen=True)
class Choice:
    """A page-level selector (a segmented control in the app, kept in the URL under `key`). `value` is the option
    the builder used; the export prints it."""
    key: str
    label: str
    options: tuple[str, ...]
    default: str
    labels: Mapping[str, str]
    value: str | None = None

    def chosen(self, value: str) -> Choice:
        return replace(self, value=value)

    def label_of(self, option: str) -> str:
        return self.labels.get(option, option)

    def parse(self, given: Any) -> str:
        """An option from a stored value or a URL value (the option or its label); the default when it is neither."""
        if given in self.options:
            return given
        by_label = {self.label_of(o): o for o in self.options}
        return by_label.get(given, self.default)


@dataclass(frozen=True)
class Columns:
    """Blocks side by side; `widths` are relative (equal when None)."""
    columns: tuple[tuple[Block, ...], ...]
    widths: tuple[float, ...] | None = None


@dataclass(frozen=True)
class Tabs:
    """Alternative views of one subject (tabs in the app; one after the other in the export)."""
    tabs: tuple[tuple[str, tuple[Block, ...]], ...]


@dataclass(frozen=True)
class FoldSource:
    """How to build a fold's blocks later: `builder(con, filters, *args)`, the builder named by its module and
    qualified name so that the reference pickles and caches like any other value (`builder_function` finds it)."""
    builder: str
    filters: Any
    args: tuple = ()

    def builder_function(self) -> Callable[..., list[Block]]:
        module, _, name = self.builder.partition(":")
        function = importlib.import_module(module)
        for part in name.split("."):
            function = getattr(function, part)
        return function

    def build(self, con: Any) -> tuple[Block, ...]:
        return tuple(self.builder_function()(con, self.filters, *self.args))


@dataclass(frozen=True)
class Details:
    """Secondary content (method text, further charts, check tables) in a closed fold titled `title`: an expander
    in the app, a <details> element in the export. A chapter leads with its finding and at most three charts; the
    rest of what a reader might want goes in a fold.

    A fold whose content costs a view real work carries a `source` instead of `blocks` (`lazy_details`): the app
    builds it only when a reader opens it, and the export and the slides build it with the chapter
    (`with_folds`)."""
    title: str
    blocks: tuple[Block, ...] = ()
    source: FoldSource | None = None

    @property
    def lazy(self) -> bool:
        return self.source is not None


def lazy_details(title: str, builder: Callable[..., list[Block]], filters: Any, *args: Any) -> Details:
    """A fold built only when needed: `builder(con, filters, *args)` is a module-level function of a chapter,
    `args` plain values (they key the app's cache)."""
    return Details(title, source=FoldSource(f"{builder.__module__}:{builder.__qualname__}", filters, tuple(args)))


def with_folds(blocks: Iterable[Block], build: Callable[[FoldSource], Iterable[Block]]) -> list[Block]:
    """`blocks` with every lazy fold built by `build(source)` (for a connection: `lambda s: s.build(con)`),
    through columns, tabs and folds."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Details):
            content = build(block.source) if block.source is not None else block.blocks
            block = Details(block.title, tuple(with_folds(content, build)))
        elif isinstance(block, Columns):
            block = replace(block, columns=tuple(tuple(with_folds(c, build)) for c in block.columns))
        elif isinstance(block, Tabs):
            block = replace(block, tabs=tuple((label, tuple(with_folds(c, build))) for label, c in block.tabs))
        out.append(block)
    return out


@dataclass(frozen=True)
class ChapterLink:
    path: str
    title: str
    question: str
    icon: str
    #: The reader tracks (story.registry.TRACKS) the chapter belongs to.
    tracks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outline:
    """Links to the story's chapters (page links in the app; links within the document in the export)."""
    links: tuple[ChapterLink, ...]


Block = (Headline | Scope | Heading | Text | Bullets | Caption | Note | Metrics | Chart | Table | Choice | Columns
         | Tabs | Details | Outline)


def walk(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block, depth first, through columns, tabs and folds."""
    for block in blocks:
        yield block
        if isinstance(block, Details):
            yield from walk(block.blocks)
        elif isinstance(block, Columns):
            for column in block.columns:
                yield from walk(column)
        elif isinstance(block, Tabs):
            for _, content in block.tabs:
                yield from walk(content)


def charts(blocks: Iterable[Block]) -> list[Chart]:
    """The chart blocks, in reading order."""
    return [b for b in walk(blocks) if isinstance(b, Chart)]


def chart_or_note(key: str, data: pd.DataFrame | None, build: Callable[[], alt.TopLevelMixin],
                  empty: str = NO_RUNS_NOTE) -> Chart | Note:
    """The chart `build()` makes from `data`, or a note saying why there is none when `data` has no rows
    (the chart is not even built then: some builders need at least one row)."""
    if data is None or len(data) == 0:
        return Note(empty)
    return Chart(key, build(), data, empty)
