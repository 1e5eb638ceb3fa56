"""The story's chapters, in reading order: the one registry. The router (pages and navigation), the outline on the
cover, the previous/next buttons, the deep links' page-level choices, the background warm-up and the export all
read `CHAPTERS`.

A chapter names its builder module (`basstory.story.chapters.<name>`, imported when first needed: the cover's
builder reads this registry for its outline) and declares its page-level choices, the selectors its page draws and
its builder takes as extra arguments, in that order.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType

from basstory.analyses import comparison as comparison_analyses
from basstory.analyses import orgs as orgs_analyses
from basstory.analyses import outage_impact
from basstory.core.schema import SYSTEM_LABELS, SYSTEMS
from basstory.story.blocks import Choice, with_folds

# --- Page-level choices (segmented controls bound to the URL under `key`) -------------------------------------------

CMP_METRIC = Choice("cmp_metric", "Measure", comparison_analyses.METRICS, "runs", comparison_analyses.METRIC_LABELS)
CMP_GRAIN = Choice("cmp_grain", "Per", comparison_analyses.GRAINS, "month",
                   {g: g.capitalize() for g in comparison_analyses.GRAINS})
OUTAGE_SYSTEM = Choice("outage_system", "System", SYSTEMS, SYSTEMS[0], SYSTEM_LABELS)
ORGS_MEASURE = Choice("orgs_measure", "Rank by", tuple(orgs_analyses.MEASURES), "runs", orgs_analyses.MEASURE_LABELS)
OUTAGE_METRIC = Choice("outage_metric", "Measure windows by", tuple(outage_impact.METRICS), "runs",
                       {m: label.capitalize() for m, label in outage_impact.METRICS.items()})


# --- Reader tracks ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Track:
    """A way through the story for one reader: the chapters it shows (the cover and the recommendation always)."""
    key: str         # in the URL as ?track=<key>
    label: str
    reader: str      # who it is for, in a few words


TRACKS: dict[str, Track] = {t.key: t for t in (
    Track("product", "Product", "how the reports are used, the two systems, the organisations' segments"),
    Track("operations", "Operations", "capacity, the forecast, spikes and drops, the outage windows"),
    Track("customers", "Customer success", "organisations at risk or dormant, the most and least active, advisers"),
)}
ALL_TRACKS: tuple[str, ...] = tuple(TRACKS)


@dataclass(frozen=True)
class Chapter:
    path: str        # page script, relative to the project root
    title: str       # navigation title
    url_path: str    # stable URL path for deep links (the first chapter, the default page, is served at '/')
    icon: str
    question: str    # the question the chapter answers, for the outline
    builder: str = ""  # the builder module: `build(con, filters, *choices) -> list[Block]`
    #: The page's own selectors, in the order the builder takes them.
    choices: tuple[Choice, ...] = field(default=(), compare=False)
    #: The reader tracks (TRACKS) that include the chapter; every track includes the cover and the recommendation.
    tracks: tuple[str, ...] = field(default=ALL_TRACKS, compare=False)
    #: The builder also takes the reader track (a TRACKS key, or None for the whole story) after its choices.
    takes_track: bool = False

    def module(self) -> ModuleType:
        """The builder module (imported on first use)."""
        return importlib.import_module(self.builder)

    def default_choices(self) -> list[str]:
        """Each choice at its default: what the export and the warm-up build."""
        return [choice.parse(None) for choice in self.choices]

    def builder_args(self, choices: list[str], track: str | None) -> list:
        """The builder's arguments after the filters: its choices, then the reader track if it takes one."""
        return [*choices, track] if self.takes_track else list(choices)

    def build_whole(self, con, filters, *choices: str) -> list:
        """The chapter with every fold built, as the export and the slides show it (they build folds the same way,
        `with_folds`, around the app's cached chapters); the page itself builds a lazy fold only when a reader opens
        it (story.blocks.lazy_details)."""
        return with_folds(self.module().build(con, filters, *choices), lambda source: source.build(con))


def _builder(name: str) -> str:
    return f"basstory.story.chapters.{name}"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("pages/cover.py", "Cover", "cover", ":material/auto_stories:",
            "The five key data points and what is in scope.", _builder("cover")),
    Chapter("pages/interaction.py", "How and when users interact", "interaction", ":material/schedule:",
            "When in the day, week and month do people run each report, and who runs them?",
            _builder("interaction"), tracks=("product",)),
    Chapter("pages/comparison.py", "Full BAS vs Simple BAS", "comparison", ":material/compare_arrows:",
            "How does the usage of the two systems compare?", _builder("comparison"), (CMP_METRIC, CMP_GRAIN),
            tracks=("product",)),
    Chapter("pages/segments.py", "Org segments by behaviour", "segments", ":material/category:",
            "How do organisations actually use BAS: which cadence, who runs it, which system, how much?",
            _builder("segments"), tracks=("product", "customers")),
    Chapter("pages/advisers.py", "Advisers", "advisers", ":material/badge:",
            "Who runs reports for many organisations, when, and what would an outage cost them?",
            _builder("advisers"), tracks=("customers",)),
    Chapter("pages/activity.py", "Active users and organisations", "activity", ":material/groups:",
            "How many users and organisations are active each month, and which arrive, return or go dormant?",
            _builder("activity"), tracks=("product", "customers")),
    Chapter("pages/seasonality.py", "Seasonality and capacity", "seasonality", ":material/trending_up:",
            "Which seasons drive load, and how much capacity do the peaks need?", _builder("seasonality"),
            tracks=("operations",)),
    Chapter("pages/spikes.py", "Spikes and drops", "spikes", ":material/ssid_chart:",
            "Which days and hours departed from the calendar's pattern, and why?", _builder("spikes"),
            tracks=("operations",)),
    Chapter("pages/forecast.py", "Daily and hourly forecast", "forecast", ":material/event_upcoming:",
            "How many runs, and how many at once, should each day and hour of the next quarter bring?",
            _builder("forecast"), tracks=("operations",)),
    Chapter("pages/outage.py", "The outage window", "outage", ":material/build:",
            "Which two-hour window of the month disturbs the fewest runs?", _builder("outage"),
            (OUTAGE_SYSTEM, OUTAGE_METRIC), tracks=("operations",)),
    Chapter("pages/orgs.py", "Most and least active orgs", "orgs", ":material/leaderboard:",
            "Which organisations run BAS the most and the least, by runs and by compute?", _builder("orgs"),
            (ORGS_MEASURE,), tracks=("customers",)),
    Chapter("pages/at_risk.py", "Dormant, cancelled and at risk", "at_risk", ":material/warning:",
            "Which organisations have stopped lodging, and how well does a risk score foresee cancellations?",
            _builder("at_risk"), tracks=("customers",)),
    Chapter("pages/recommendation.py", "Recommendation", "recommendation", ":material/task_alt:",
            "What should we do?", _builder("recommendation"), takes_track=True),
)

DATA_PAGE = Chapter("pages/data.py", "Data", "data", ":material/database:",
                    "Which extract is the story showing, and how is a new one loaded?")
#: One organisation's page (basstory.story.chapters.org): linked from the orgs and at-risk chapters, `?org=<short
#: code or id>` in the link. Not a chapter of the story.
ORG_PAGE = Chapter("pages/org.py", "Org", "org", ":material/domain:",
                   "One organisation: its runs against its due dates, its users, plan, status and segment.",
                   _builder("org"))
#: The story as a slide deck for a presenter (basstory.story.slides): one slide at a time, `?slide=N` in the link.
SLIDES_PAGE = Chapter("pages/slides.py", "Slides", "slides", ":material/slideshow:",
                      "The story as slides: one headline and one chart a slide, with speaker notes.")


def chapter_at(path: str) -> Chapter:
    """The chapter whose page script is `path` (KeyError for a page outside the story)."""
    for chapter in CHAPTERS:
        if chapter.path == path:
            return chapter
    raise KeyError(f"no chapter has the page {path!r}")


def track_chapters(track: str | None) -> tuple[Chapter, ...]:
    """The chapters of reader track `track` in reading order (every chapter for None or an unknown track)."""
    if track not in TRACKS:
        return CHAPTERS
    return tuple(c for c in CHAPTERS if c is CHAPTERS[0] or c is CHAPTERS[-1] or track in c.tracks)


def neighbours(path: str, track: str | None = None) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after the one at `path` on reader track `track` (the whole story for None); None at
    either end or for a page outside the track."""
    chapters = track_chapters(track)
    paths = [c.path for c in chapters]
    if path not in paths:
        return None, None
    i = paths.index(path)
    return (chapters[i - 1] if i > 0 else None), (chapters[i + 1] if i + 1 < len(chapters) else None)
