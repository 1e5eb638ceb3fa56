"""The story's chapters, in reading order: the router, the outline on the cover and the previous/next buttons all
read this list."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    path: str        # page script, relative to the project root
    title: str       # navigation title
    url_path: str    # stable URL path for deep links (the first chapter, the default page, is served at '/')
    icon: str
    question: str    # the question the chapter answers, for the outline


CHAPTERS: tuple[Chapter, ...] = (
    Chapter("pages/cover.py", "Cover", "cover", ":material/auto_stories:",
            "The five key data points and what is in scope."),
    Chapter("pages/interaction.py", "How and when users interact", "interaction", ":material/schedule:",
            "When in the day, week and month do people run each report, and who runs them?"),
    Chapter("pages/comparison.py", "Full BAS vs Simple BAS", "comparison", ":material/compare_arrows:",
            "How does the usage of the two systems compare?"),
    Chapter("pages/seasonality.py", "Seasonality and capacity", "seasonality", ":material/trending_up:",
            "Which seasons drive load, and how much capacity do the peaks need?"),
    Chapter("pages/outage.py", "The outage window", "outage", ":material/build:",
            "Which two-hour window of the month disturbs the fewest runs?"),
    Chapter("pages/recommendation.py", "Recommendation", "recommendation", ":material/task_alt:",
            "What should we do?"),
)

DATA_PAGE = Chapter("pages/data.py", "Data", "data", ":material/database:",
                    "Which extract is the story showing, and how is a new one loaded?")


def neighbours(path: str) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after the one at `path` (None at either end or for a page outside the story)."""
    paths = [c.path for c in CHAPTERS]
    if path not in paths:
        return None, None
    i = paths.index(path)
    return (CHAPTERS[i - 1] if i > 0 else None), (CHAPTERS[i + 1] if i + 1 < len(CHAPTERS) else None)
