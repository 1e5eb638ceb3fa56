"""Deep links: what a link's query parameters may hold, what to make of one that holds something else, and the URL of
the view on screen.

Every sidebar filter and page-level choice is a widget bound to the URL (`bind="query-params"`): the URL carries the
widget's *label* (`systems=Simple BAS`, `tz=Perth`), repeated for several choices. Streamlit silently drops a value it
cannot use and rewrites the URL, so the app reads the raw parameters before any widget exists and asks
`validate_query` which values will be ignored and why; the router shows that as one note.

Pure module: no Streamlit. `link_params` describes the parameters for one dataset (its periods, plans, statuses ...);
`validate_query` checks a link against them; `view_url` builds the link to copy.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit, urlunsplit

from basstory.core.schema import DISPLAY_TZS, SYSTEM_LABELS, SYSTEMS
from basstory.core.text import fmt_day, md_escape
from basstory.query.filters import MANAGED_CHOICES, PAYING_CHOICES, UNKNOWN_ORG_STATUS

CUSTOM_RANGE = "Custom range"
PRESENT = "present"
SLIDE = "slide"
#: The reader track (story.registry.TRACKS): `?track=operations`.
TRACK = "track"
#: Words a link may use to switch presentation mode on or off (`?present=1` is the canonical form).
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
#: Parameters Streamlit itself reads; a link may carry them and they are never ours to judge.
STREAMLIT_PARAMS = frozenset({"embed", "embed_options"})


def tz_label(zone: str) -> str:
    """How the 'Show times in' selector names a zone, on screen and in the URL: 'Perth', 'Sydney (contract zone)'."""
    return zone.replace("Australia/", "") + (" (contract zone)" if zone == DISPLAY_TZS[0] else "")


@dataclass(frozen=True)
class Param:
    """One query parameter a link may carry.

    kind: 'one' (a single choice; the last value wins, as in Streamlit), 'many' (repeated; an empty value means none
    chosen), 'flag' (a bound toggle: 'true' or 'false', any case, as Streamlit reads it), 'switch' (read by the app
    itself: 1/0, true/false, yes/no, on/off) or 'dates' (one or two ISO dates inside [first, last]).
    choices: the labels accepted in the URL, exactly as the widget formats them (case matters, as in Streamlit).
    from_data: the choices come from the dataset, so an unknown one "is not in this dataset".
    page: the page script the parameter belongs to; None for the sidebar, which is on every page.
    requires / requires_not: (key, value) that must (not) also be in the link for this parameter to be read, and
    `needs` says so in words: dates need the period 'Custom range'; plans need plan detail on.
    """

    key: str
    label: str
    kind: str = "one"
    choices: tuple[str, ...] = ()
    from_data: bool = False
    page: str | None = None
    requires: tuple[str, str] | None = None
    requires_not: tuple[str, str] | None = None
    needs: str = ""
    first: date | None = None
    last: date | None = None
    #: Read by the app itself and not bound to a widget, so a link to another page of the story carries it
    #: (presentation mode, the reader track).
    carried: bool = False


def _fixed(values: Sequence[str], label: Callable[[str], str] = str) -> tuple[str, ...]:
    return tuple(label(v) for v in values)


#: How a note names a page-level choice, where the selector's own label does not read well in a sentence.
CHOICE_NOUNS = {"cmp_metric": "measure", "cmp_grain": "time grain", "outage_metric": "measure"}


def page_params() -> tuple[Param, ...]:
    """The page-level choices each chapter declares in the registry (basstory.story.registry), as link parameters of
    the chapter's page. The page draws each as a segmented control bound to the URL, which takes the option's label."""
    from basstory.story.registry import CHAPTERS

    return tuple(Param(choice.key, CHOICE_NOUNS.get(choice.key, choice.label.lower()),
                       choices=_fixed(choice.options, choice.label_of), page=chapter.path)
                 for chapter in CHAPTERS for choice in chapter.choices)


def slide_param() -> Param:
    """`?slide=N` on the slides page: which slide it opens at (1 to the longest deck; a shorter deck shows its last)."""
    from basstory.story.registry import SLIDES_PAGE
    from basstory.story.slides import PLAN

    return Param(SLIDE, "slide", choices=tuple(str(n) for n in range(1, len(PLAN) + 1)), page=SLIDES_PAGE.path)


def track_param() -> Param:
    """`?track=<key>`: the reader track the story follows (story.registry.TRACKS), on every page."""
    from basstory.story.registry import TRACKS

    return Param(TRACK, "reader track", choices=tuple(TRACKS), carried=True)


def link_params(options: Mapping, presets: Sequence[str]) -> dict[str, Param]:
    """Every parameter a link may carry, for one dataset.

    `options` is `analyses.dataset.filter_options` (first_date, last_date, statuses, plans, plan_families,
    tax_periods, channel_types); `presets` the period names `filters.date_presets` offers for it.
    """
    first, last = options["first_date"], options["last_date"]
    params = [
        Param("period", "period", choices=(*presets, CUSTOM_RANGE), from_data=True),
        Param("dates", "dates", kind="dates", requires=("period", CUSTOM_RANGE),
              needs=f"the period is '{CUSTOM_RANGE}'", first=first, last=last),
        Param("systems", "system", kind="many", choices=_fixed(SYSTEMS, SYSTEM_LABELS.get)),
        Param("status", "org status", kind="many", choices=(*options["statuses"], UNKNOWN_ORG_STATUS),
              from_data=True),
        Param("paying", "paying", choices=PAYING_CHOICES),
        Param("plan_detail", "add-on plans", kind="flag"),
        Param("plan_families", "plan family", kind="many", choices=tuple(options["plan_families"]), from_data=True,
              requires_not=("plan_detail", "true"), needs="add-on plans are not shown separately"),
        Param("plans", "plan", kind="many", choices=tuple(options["plans"]), from_data=True,
              requires=("plan_detail", "true"), needs="add-on plans are shown separately"),
        Param("tax_periods", "tax period", kind="many", choices=tuple(options["tax_periods"]), from_data=True),
        Param("channels", "channel type", kind="many", choices=tuple(options["channel_types"]), from_data=True),
        Param("managed", "practice-managed", choices=MANAGED_CHOICES),
        Param("tz", "time zone", choices=_fixed(DISPLAY_TZS, tz_label)),
        Param(PRESENT, "presentation mode", kind="switch", carried=True),
        track_param(),
        *page_params(),
        slide_param(),
    ]
    return {p.key: p for p in params}


def parse_switch(value: str) -> bool | None:
    """'1', 'true', 'yes', 'on' (any case) → True; '0', 'false', 'no', 'off' → False; anything else → None."""
    word = value.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def parse_flag(value: str) -> bool | None:
    """A bound toggle's URL value as Streamlit reads it: 'true' / 'false' in any case, else None."""
    word = value.lower()
    return True if word == "true" else False if word == "false" else None


def _quote(value: str) -> str:
    """A value from the link, quoted (cut at 60 characters) and escaped: the notes are shown as Markdown, and a link
    is anybody's to write (`?plan_families=![p](http://host/px.png)` must not show an image)."""
    return f"'{md_escape(value[:60])}…'" if len(value) > 60 else f"'{md_escape(value)}'"


def _not_a_choice(param: Param, value: str) -> str:
    if param.from_data:
        return f"{param.label} {_quote(value)} is not in this dataset"
    listed = ", ".join(param.choices)
    return f"{param.label} {_quote(value)} is not one of {listed}"


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _requirement_met(params: Mapping[str, Sequence[str]], requirement: tuple[str, str]) -> bool:
    """True when the link sets `key` to `value` (flags compared as Streamlit reads them)."""
    key, wanted = requirement
    values = _values(params.get(key))
    if not values:
        return False
    flag = parse_flag(wanted)
    return parse_flag(values[-1]) is flag if flag is not None else values[-1] == wanted


def _values(raw) -> list[str]:
    if raw is None:
        return []
    return [str(v) for v in raw] if isinstance(raw, (list, tuple)) else [str(raw)]


def applies(param: Param, params: Mapping[str, Sequence[str]]) -> bool:
    """False when the link lacks what `param` needs to be read (dates without the period 'Custom range', plans
    without plan detail on, plan families with it on): its widget is not drawn, so its value does nothing."""
    if param.requires and not _requirement_met(params, param.requires):
        return False
    return not (param.requires_not and _requirement_met(params, param.requires_not))


def validate_query(params: Mapping[str, Sequence[str]], options: Mapping[str, Param],
                   page: str | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """Check a link's query parameters against what the app offers.

    params: the raw parameters, every value of a repeated key in order (`{"systems": ["Simple BAS"]}`).
    options: `link_params(...)` for the dataset shown. page: the page script opened; another page's parameters are
    left out of clean without a note (they do nothing here and the page they belong to checks them).
    Returns (clean, notes): clean holds, per parameter, the values that will be used, in URL form (presentation mode
    as '1'); notes one short phrase per value left out, in the order of the link, e.g.
    "plan 'Foo' is not in this dataset", as Markdown: every value from the link is escaped (core.text.md_escape).
    A parameter that is absent from clean takes its default.
    """
    clean: dict[str, list[str]] = {}
    notes: list[str] = []
    for key, raw in params.items():
        values = _values(raw)
        param = options.get(key)
        if key in STREAMLIT_PARAMS:
            continue
        if param is None:
            notes.append(f"{_quote(key)} is not a setting of this story")
            continue
        if param.page is not None and page is not None and param.page != page:
            continue
        if not applies(param, params):
            shown = " – ".join(values) if param.kind == "dates" else ", ".join(values)
            notes.append(f"{param.label} {_quote(shown)} applies only when {param.needs}")
            continue
        kept, note = _check(param, values)
        if kept is not None:
            clean[key] = kept
        if note:
            notes.append(note)
    return clean, notes


def _check(param: Param, values: list[str]) -> tuple[list[str] | None, str | None]:
    """(the values kept, or None to use the default; a note, or None) for one parameter."""
    last = values[-1] if values else ""
    if param.kind == "dates":
        return _check_dates(param, values)
    if param.kind == "switch":
        on = parse_switch(last)
        if on is None:
            return None, f"{param.label} {_quote(last)} is not on or off (use 1 or 0)"
        return (["1"] if on else None), None
    if param.kind == "flag":
        if parse_flag(last) is None:
            return None, f"{param.label} {_quote(last)} is not true or false"
        return [last.lower()], None
    if param.kind == "many":
        if values in ([], [""]):
            return [""], None            # an empty value chooses none, as the widget does
        kept = list(dict.fromkeys(v for v in values if v in param.choices))
        unknown = list(dict.fromkeys(v for v in values if v not in param.choices))
        note = None
        if unknown and param.from_data:
            listed = ", ".join(_quote(v) for v in unknown)
            note = f"{param.label} {listed} {'is' if len(unknown) == 1 else 'are'} not in this dataset"
        elif unknown:
            note = "; ".join(_not_a_choice(param, v) for v in unknown)
        return (kept or None), note
    if last == "":
        return None, f"{param.label} is empty"
    if last not in param.choices:
        return None, _not_a_choice(param, last)
    return [last], None


def _check_dates(param: Param, values: list[str]) -> tuple[list[str] | None, str | None]:
    """A custom range: one day or a start and an end, ISO dates, in order, inside the data."""
    if not values or len(values) > 2:
        return None, f"dates need a start and an end (YYYY-MM-DD), not {len(values)} values"
    days = [_parse_date(v) for v in values]
    for value, day in zip(values, days, strict=True):
        if day is None:
            return None, f"dates {_quote(value)} is not a date (YYYY-MM-DD)"
    start, end = min(days), max(days)           # a range typed backwards is read forwards (ui._date_pair)
    if (param.first and start < param.first) or (param.last and end > param.last):
        span = f"{fmt_day(start)} – {fmt_day(end)}" if start != end else fmt_day(start)
        data = f" ({fmt_day(param.first)} – {fmt_day(param.last)})" if param.first and param.last else ""
        return None, f"dates {span} fall outside the data{data}"
    return [v for v in values], None


def notes_text(notes: Sequence[str]) -> str:
    """The one line shown above the page: 'Ignored from the link: plan 'Foo' is not in this dataset; …'."""
    return "Ignored from the link: " + "; ".join(notes) + "."


def link_query(params: Mapping[str, Sequence[str]], options: Mapping[str, Param],
               page: str | None) -> dict[str, list[str]]:
    """The parameters worth putting in a link to this view: known ones that apply on `page`, in the app's order
    (sidebar first, then the page's own), values as they are in the URL now."""
    query = {}
    for key, param in options.items():
        if key in params and (param.page is None or param.page == page):
            values = params[key]
            query[key] = list(values) if isinstance(values, (list, tuple)) else [values]
    return query


def view_url(app_url: str | None, url_path: str, query: Mapping[str, Sequence[str]],
             page_url_paths: Sequence[str] = (), default_page: bool = False) -> str:
    """The full URL of a view: the app's address (without any page path it already ends in), the page's URL path
    (none for the default page) and the query, repeated keys repeated.

    app_url is `st.context.url` (scheme, host, path; no query); without it (tests) the link is relative to '/'.
    """
    parts = urlsplit(app_url or "/")
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1]
    if last and last in page_url_paths:
        path = path[: -len(last)].rstrip("/")
    path = f"{path}/" if default_page else f"{path}/{url_path}"
    encoded = urlencode([(k, v) for k, values in query.items() for v in values])
    return urlunsplit((parts.scheme, parts.netloc, path, encoded, ""))
