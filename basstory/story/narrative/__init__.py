"""Sentences from numbers: every sentence the story or the CLI writes about the data is built here, one module a
chapter; `common` holds the formatting every chapter shares and the cover's sentences."""
from basstory.story.narrative.common import (
    cover_finding,
    cover_metrics,
    coverage_sentence,
    dataset_notice,
    facts_summary_lines,
    fmt_int,
    fmt_month,
    fmt_month_short,
    left_out_sentence,
    pct,
    plural,
    window_phrase,
)

__all__ = ["cover_finding", "cover_metrics", "coverage_sentence", "dataset_notice", "facts_summary_lines", "fmt_int",
           "fmt_month", "fmt_month_short", "left_out_sentence", "pct", "plural", "window_phrase"]
