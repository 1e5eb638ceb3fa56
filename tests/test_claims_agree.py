"""The story never says one thing twice in two ways: every chapter is built (the registry's builders, default
choices) for several datasets and filter sets, every sentence, title, subtitle and tile is read, and each statement
of a key claim (busiest weekday, hour of the day, day of the month and month, the quarter's peak month and its ratio,
the busiest hour by compute-seconds and by runs starting, peak concurrency, capacity, the recommended and the
costliest window, the share of runs over the months both systems cover) must equal the one value
`analyses.claims.story_claims` chose for its subject (a system, or both together). Phrasings that hid two measures
under one name fail outright."""
from __future__ import annotations

import re
from datetime import date

import pytest

from basstory.analyses.claims import story_claims
from basstory.core.schema import SYSTEM_LABELS
from basstory.core.text import fmt_int, fmt_month, hour_range, weekday_name
from basstory.ingest.store import DatasetStore
from basstory.query.filters import StoryFilters
from basstory.query.tables import connect, connect_version
from basstory.story import blocks as B
from basstory.story.narrative.claims import MONTHS_OF_QUARTER, times
from basstory.story.narrative.outage import number
from basstory.story.registry import CHAPTERS
from tests.staged_fixtures import write_staged
from tests.test_engines_agree import ORGS, edge_runs

LABELS = {label: system for system, label in SYSTEM_LABELS.items()}
WEEKDAY = r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
MONTH = r"((?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4})"
HOUR_AT = r"(\d{1,2} [A-Z][a-z]{2} \d{4} \d\d:00)"


def _month_of(claims, s):
    m = claims["month"].get(s)
    return fmt_month(m["month"]) if m else None


#: (name, pattern, what the claims say for a subject). The pattern's groups are the value as the text writes it.
CLAIMS = [
    ("busiest weekday", rf"(?:busiest|peaks?) on {WEEKDAY}s",
     lambda c, s: weekday_name(c["week"][s]["weekday"]) if s in c["week"] else None),
    ("busiest hour of the day", r"busiest hour of the day is (\d\d:00–\d\d:00)",
     lambda c, s: hour_range(c["week"][s]["hour"]) if s in c["week"] else None),
    ("busiest day of the month", r"busiest day(?: of the month)?(?: is|,) the (\d+)(?:st|nd|rd|th)",
     lambda c, s: str(c["month_day"][s]["day"]) if s in c["month_day"] else None),
    ("busiest day vs the median day of the month", r"(\d+\.\d)× the median day of the month",
     lambda c, s: f"{c['month_day'][s]['ratio']:.1f}" if s in c["month_day"] else None),
    ("busiest month (both systems)", rf"{MONTH} was the busiest month", lambda c, s: _month_of(c, "all")),
    ("busiest month of a system", rf"(?:peaks in|busiest month was) {MONTH}", _month_of),
    ("the quarter's peak month", r"the (first|second|third) month of each quarter(?: \([^)]*\))? runs (\S+×) "
                                 r"an average month",
     lambda c, s: ((MONTHS_OF_QUARTER[q["month_of_quarter"]][0], times(q["factor"]))
                   if (q := c["quarter"].get(s)) else None)),
    ("busiest hour by compute-seconds (when)", rf"busiest hour by compute-seconds[^;]*?{HOUR_AT}",
     lambda c, s: f"{c['load']['hour_by_compute']['at']:%-d %b %Y %H:00}" if c["load"] else None),
    ("busiest hour by compute-seconds (how much)", r"busiest hour by compute-seconds[^;]*?([\d,]+) compute-seconds",
     lambda c, s: fmt_int(c["load"]["hour_by_compute"]["compute_s"]) if c["load"] else None),
    ("busiest hour by runs starting", rf"busiest hour by runs starting, {HOUR_AT}",
     lambda c, s: f"{c['load']['hour_by_runs']['at']:%-d %b %Y %H:00}" if c["load"] else None),
    ("peak concurrency", r"(?:at most (\d+) Full BAS runs? ran at once|Peak concurrent runs: (\d+))",
     lambda c, s: str(c["load"]["peak_concurrency"]) if c["load"] else None),
    ("capacity to provision", r"[Pp]rovision(?: for)? (\d+)\b",
     lambda c, s: str(c["load"]["provision"]) if c["load"] else None),
    ("share of runs over the months both cover", r"carries (\d+(?:\.\d)?%) of the runs \(([\d,]+) of ([\d,]+)\)",
     lambda c, s: ((f"{100 * max(c['share']['share'].values()):.0f}%" if max(c['share']['share'].values()) >= 0.1
                    else f"{100 * max(c['share']['share'].values()):.1f}%"),
                   fmt_int(max(c["share"]["runs"].values())), fmt_int(sum(c["share"]["runs"].values())))
     if c["share"] else None),
    ("recommended window", r"\bon (day \d+, \d\d:\d\d–\d\d:\d\d) Sydney time",
     lambda c, s: f"day {w['day']}, {w['start']}–{w['end']}" if (w := (c["windows"].get(s) or {}).get("best"))
     else None),
    ("costliest window", r"costliest window, (day \d+, \d\d:\d\d–\d\d:\d\d), ([\d.,]+) runs a month",
     lambda c, s: ((f"day {w['day']}, {w['start']}–{w['end']}", number(w["runs_mean"]))
                   if (w := (c["windows"].get(s) or {}).get("costliest")) else None)),
]
#: Phrasings that put two measures under one name (the contradictions this test was written against).
AMBIGUOUS = [
    (r"busiest hour(?!s| by compute-seconds| by runs starting| of the day)", "a busiest hour without its measure"),
    (r"× (?:a typical|an average) day(?! of the cycle)", "a day ratio without saying against which day"),
    (rf"(?:busiest|peaks?) on {WEEKDAY}s \d\d:00", "a weekday and an hour named as if one cell"),
    (r"when quarterly BAS falls due", "quarterly BAS without saying self-lodged or through an agent"),
]


def texts(blocks) -> list[str]:
    """Every sentence-bearing text of the blocks, markdown emphasis removed."""
    out = []
    for b in B.walk(blocks):
        if isinstance(b, B.Headline):
            out.append(b.finding)
        elif isinstance(b, B.Text):
            out.append(b.markdown)
        elif isinstance(b, B.Bullets):
            out += list(b.items)
        elif isinstance(b, (B.Caption, B.Note, B.Scope)):
            out.append(b.text)
        elif isinstance(b, B.Metrics):
            out += [f"{m.label}: {m.value} ({m.caption})" for m in b.items]
        elif isinstance(b, B.Chart):
            title = b.chart.to_dict().get("title") or {}
            if isinstance(title, str):
                title = {"text": title}
            for part in ("text", "subtitle"):
                value = title.get(part) or ""
                out.append(" ".join(value) if isinstance(value, list) else value)
    return [t.replace("**", "").replace("\\", "") for t in out if t]


def subject_of(text: str, at: int) -> str:
    """The system a statement at `at` is about: the last system label earlier in its clause (clauses end at '; ',
    '. ' and line ends), else both systems ('all')."""
    clause = re.split(r"; |\. |\n", text[:at])[-1]
    found = [(m.start(), LABELS[m.group(0)]) for m in re.finditer("|".join(LABELS), clause)]
    return found[-1][1] if found else "all"


def statements(blocks) -> list[tuple[str, str, object, str]]:
    """(claim, subject, value as written, the text) for every claim stated in the blocks."""
    found = []
    for text in texts(blocks):
        for name, pattern, _ in CLAIMS:
            for m in re.finditer(pattern, text):
                groups = tuple(g for g in m.groups() if g is not None)
                found.append((name, subject_of(text, m.start()), groups[0] if len(groups) == 1 else groups, text))
    return found


def assert_claims_agree(con, filters: StoryFilters) -> int:
    """Build every chapter; fail on an ambiguous phrasing, or on a claim stated with another value than the one
    chosen for its subject. Returns how many statements were checked."""
    claims = story_claims(con, filters)
    expected = {name: want for name, _, want in CLAIMS}
    checked, problems = 0, []
    for chapter in CHAPTERS:
        blocks = chapter.build_whole(con, filters, *chapter.default_choices())
        for text in texts(blocks):
            for pattern, why in AMBIGUOUS:
                if re.search(pattern, text):
                    problems.append(f"{chapter.url_path}: {why}: {text!r}")
        for name, subject, value, text in statements(blocks):
            want = expected[name](claims, subject)
            checked += 1
            if want is None:
                problems.append(f"{chapter.url_path}: {name} stated for {subject}, which has no such claim: {text!r}")
            elif value != want:
                problems.append(f"{chapter.url_path}: {name} of {subject} is {want!r}, but the text says {value!r}: "
                                f"{text!r}")
    assert not problems, "\n".join(problems[:12])
    return checked


FILTER_SETS = {
    "default": StoryFilters(),
    "full only": StoryFilters(systems=("full",)),
    "simple only": StoryFilters(systems=("simple",)),
    "a year": StoryFilters(start=date(2017, 1, 1), end=date(2017, 12, 31)),
    "quarterly, UTC": StoryFilters(tax_periods=("Quarterly",), tz="UTC"),
    "Premium 5 family": StoryFilters(plan_families=("Premium 5",)),
}


@pytest.fixture(scope="module")
def sample_con(sample_data_dir):
    return connect_version(DatasetStore(sample_data_dir / "store").current())


@pytest.mark.parametrize("filters", FILTER_SETS.values(), ids=FILTER_SETS.keys())
def test_the_sample_story_states_each_claim_one_way(sample_con, filters):
    checked = assert_claims_agree(sample_con, filters)
    assert checked >= (20 if filters == StoryFilters() else 1)


@pytest.fixture(scope="module")
def edge_con(tmp_path_factory):
    return connect(*write_staged(tmp_path_factory.mktemp("claims-edges"), edge_runs(), ORGS))


@pytest.mark.parametrize("filters", [StoryFilters(), StoryFilters(systems=("simple",)),
                                     StoryFilters(tz="Australia/Perth"), StoryFilters(plan_families=("Nothing",))],
                         ids=["default", "simple only", "Perth", "empty"])
def test_the_hand_made_story_states_each_claim_one_way(edge_con, filters):
    assert_claims_agree(edge_con, filters)


def test_a_contradiction_is_caught():
    """The checker itself: two statements of one claim with different values, or an ambiguous phrasing, fail."""
    stated = statements([B.Text("Full BAS is busiest on Fridays."), B.Text("Full BAS peaks on Wednesdays.")])
    assert {(n, s, v) for n, s, v, _ in stated} == {("busiest weekday", "full", "Friday"),
                                                  ("busiest weekday", "full", "Wednesday")}
    assert subject_of("76% of BAS runs; they are busiest on Fridays", 30) == "all"
    assert any(re.search(p, "the busiest hour, 23 Feb 2017 14:00") for p, _ in AMBIGUOUS)
    assert any(re.search(p, "1.9× a typical day") for p, _ in AMBIGUOUS)


def test_the_cover_summary_states_the_claims_it_shares_with_the_chapters(sample_con):
    """The executive summary is checked like every chapter: it states the week, the month, the quarter, the share
    and the recommended windows, in the chapters' phrases."""
    cover = next(c for c in CHAPTERS if c.url_path == "cover")
    stated = {(name, subject) for name, subject, _, _ in statements(cover.module().build(sample_con, StoryFilters()))}
    assert {("busiest weekday", "all"), ("busiest hour of the day", "all"), ("busiest day of the month", "full"),
            ("the quarter's peak month", "full"), ("share of runs over the months both cover", "full"),
            ("recommended window", "full"), ("recommended window", "simple")} <= stated
