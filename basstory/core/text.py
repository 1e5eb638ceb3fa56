"""Plain-text formatting of numbers, dates and words, shared by every layer (messages, narrative, CLI), and
`md_escape`, which makes any text from data, files, names or a URL show literally where Markdown is rendered."""
from __future__ import annotations

import re
from datetime import date, datetime

#: Weekdays as the analyses label them (ISO order, Monday = 1 at index 0) and as sentences name them.
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY_NAMES: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Every ASCII punctuation character: CommonMark lets a backslash make any of them literal, and each can start
#: something in Streamlit's Markdown (emphasis, links, images, headings, lists, tables, HTML, `$` LaTeX,
#: `:red[...]` colour and `:material/...:` icon directives, GitHub autolinks).
_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def md_escape(text: object) -> str:
    """`text` as Markdown that renders exactly as `text`: every ASCII punctuation character backslash-escaped and
    line breaks made spaces. Use it for every value from data, files, names or a URL that goes into Markdown
    (st.markdown, st.caption, st.warning, metric labels and values, the narrative), never for the project's own
    Markdown. '$x^2$ **x**' -> '\\$x\\^2\\$ \\*\\*x\\*\\*'."""
    flat = re.sub(r"[\r\n]+", " ", str(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", flat)


def weekday_name(day: int | str) -> str:
    """1 or 'Mon' -> 'Monday' (ISO weekday numbers, Monday = 1)."""
    return WEEKDAY_NAMES[WEEKDAYS.index(day) if isinstance(day, str) else day - 1]


def fmt_day(day: date | datetime | str) -> str:
    """date(2017, 2, 1) -> '1 Feb 2017' (a pandas Timestamp, or an ISO date as text, too)."""
    if not isinstance(day, date):
        day = datetime.fromisoformat(str(day)[:19])
    return f"{day.day} {day:%b %Y}"


def zone_name(tz: str, contract: str | None = None) -> str:
    """'Australia/Sydney' -> 'Sydney time', 'UTC' -> 'UTC'; with `contract` the zone the counting contract uses,
    that zone reads 'Sydney time (the contract's zone)'."""
    name = "UTC" if tz == "UTC" else tz.split("/")[-1].replace("_", " ") + " time"
    return f"{name} (the contract's zone)" if contract is not None and tz == contract else name

def hour_range(hour: int) -> str:
    """10 -> '10:00–11:00'."""
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"

def ordinal(n: int) -> str:
    """21 -> '21st', 12 -> '12th'."""
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"

def join_words(parts: list[str]) -> str:
    """['a'] -> 'a'; ['a', 'b'] -> 'a and b'; ['a', 'b', 'c'] -> 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]

def fmt_int(n: int | float) -> str:
    """12345 -> '12,345'."""
    return f"{int(round(n)):,}"

def fmt_bytes(n: int) -> str:
    """Bytes in the units people use: '812 B', '3.4 MB', '2.0 GB' (powers of 1024, as Streamlit's limit is)."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")

def fmt_month(month: str) -> str:
    """'2017-02' -> 'February 2017'."""
    return datetime.strptime(month, "%Y-%m").strftime("%B %Y")

def fmt_month_short(month: str) -> str:
    """'2017-02' -> 'Feb 2017'."""
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")

def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 run', '2 runs' with the number formatted."""
    return f"{fmt_int(n)} {word if n == 1 else (plural_word or word + 's')}"

def pct(part: float, whole: float) -> str:
    """'42%'; one decimal below 10% ('8.3%'); '0%' for nothing (or when whole is 0)."""
    if not whole or not part:
        return "0%"
    share = 100 * part / whole
    return f"{share:.1f}%" if share < 10 else f"{share:.0f}%"
