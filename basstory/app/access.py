"""The analyst gate: who may change the data the story shows (check an upload, activate, discard, switch, delete).

The operator sets one shared analyst password, either in the environment (`BASSTORY_ANALYST_PASSWORD`) or in
Streamlit's secrets (`analyst_password` in `.streamlit/secrets.toml`). The environment wins when both are set, so a
deployment can override a secrets file without editing it. A value that is empty or only blank space counts as not
set. With no password set, nobody may change data and the Data page is read-only.

Passwords are compared in constant time (`hmac.compare_digest` on the UTF-8 bytes). **Nothing is remembered**: every
change is a form submitted with the password typed in it (the field is cleared when the form is sent), so a session
holds no credential. Streamlit lets a browser resume a disconnected session by its id, and that id appears in every
upload URL (and so in proxy logs); with nothing in the session that grants a change, a replayed session id gains
nothing. (`session_token` and `token_matches` remain for callers that keep a digest; the Data page does not.)

Guessing is limited (`AttemptLimiter`): each wrong password makes the next attempt from the same session or client
address wait longer (1 s, 2 s, 4 s ... up to a minute), ten wrong ones in 15 minutes lock that session or address for
the rest of the window, and thirty wrong ones on the whole server in 15 minutes lock every attempt until the window
has passed (a flood from many sessions). Every wrong attempt is logged (logger `basstory.access`, warning) with the
action, a short digest of the session and the counts, never the text typed.

No Streamlit here: the page passes `os.environ` and `st.secrets` (any mapping; a secrets object that raises because
no secrets file exists counts as empty).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

ENV_VAR = "BASSTORY_ANALYST_PASSWORD"
SECRET_KEY = "analyst_password"

Source = Literal["environment", "secrets"]


@dataclass(frozen=True)
class ConfiguredPassword:
    """The analyst password in force and where it came from."""

    value: str
    source: Source


def configured_password(environ: Mapping[str, str], secrets: Any) -> ConfiguredPassword | None:
    """The analyst password the operator set: the environment variable first, then the secret; None when neither.

    `secrets` is `st.secrets` or any mapping. Reading it may raise when there is no secrets file at all (Streamlit
    raises a FileNotFoundError subclass); that counts as "not set", as does a non-string value.
    """
    from_env = environ.get(ENV_VAR)
    if isinstance(from_env, str) and from_env.strip():
        return ConfiguredPassword(from_env, "environment")
    try:
        from_secrets = secrets.get(SECRET_KEY) if secrets is not None else None
    except (FileNotFoundError, KeyError, OSError, ValueError):
        from_secrets = None
    if isinstance(from_secrets, str) and from_secrets.strip():
        return ConfiguredPassword(from_secrets, "secrets")
    return None


def password_matches(given: str | None, expected: str | None) -> bool:
    """True when `given` is the analyst password. Constant time in the content; False when either is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def session_token(password: str) -> str:
    """What a session remembers after the right password was entered: a digest, so the password is not kept."""
    return hashlib.sha256(b"basstory-analyst\0" + password.encode("utf-8")).hexdigest()


def token_matches(token: str | None, expected: str | None) -> bool:
    """True when a remembered `session_token` belongs to the password in force now (constant time)."""
    if not token or not expected:
        return False
    return hmac.compare_digest(token.encode("ascii", "replace"), session_token(expected).encode("ascii"))


def how_to_set_password() -> str:
    """The instruction the read-only Data page shows (Markdown)."""
    return (f"To allow changes, the operator sets an analyst password: the environment variable `{ENV_VAR}`, or "
            f"`{SECRET_KEY} = \"...\"` in `.streamlit/secrets.toml`, then restarts the app.")


# --- Limiting guesses -----------------------------------------------------------------------------------------------

LOG = logging.getLogger("basstory.access")

#: Failures are counted over this window (seconds).
WINDOW_S = 15 * 60
#: Wrong passwords one session or client address may give in a window before it is locked for the window.
MAX_FAILURES_PER_CLIENT = 10
#: Wrong passwords the whole server accepts in a window before every attempt is refused until the window has passed.
MAX_FAILURES_OVERALL = 30
#: The wait after the n-th wrong password from one client: FIRST_DELAY_S * 2 ** (n - 1), at most MAX_DELAY_S.
FIRST_DELAY_S = 1.0
MAX_DELAY_S = 60.0
#: How long a wrong answer takes (the page sleeps this long before saying so): guessing is slow even in parallel.
FAILURE_PAUSE_S = 1.0


@dataclass(frozen=True)
class Verdict:
    """The outcome of one password attempt: `ok`, or `message` (what the user is told) and `retry_after_s`."""

    ok: bool
    message: str = ""
    retry_after_s: float = 0.0


def client_digest(key: str) -> str:
    """A short digest of a session id or address, for the log (the session id itself is a resumable handle)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


class AttemptLimiter:
    """Counts wrong passwords per client key (a session id, a client address) and overall, in one process.

    `check(keys, given, expected, action)` is the whole gate: refused without comparing when a key or the server is
    locked or must still wait; otherwise compared (constant time), and a failure counted and logged. Thread-safe: the
    app's sessions share one limiter (`LIMITER`). `clock` is injectable for tests.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._client_failures: dict[str, deque[float]] = {}
        self._overall: deque[float] = deque()

    def reset(self) -> None:
        with self._lock:
            self._client_failures.clear()
            self._overall.clear()

    def _prune(self, now: float) -> None:
        horizon = now - WINDOW_S
        while self._overall and self._overall[0] <= horizon:
            self._overall.popleft()
        for key in list(self._client_failures):
            failures = self._client_failures[key]
            while failures and failures[0] <= horizon:
                failures.popleft()
            if not failures:
                del self._client_failures[key]

    def wait_s(self, keys: Iterable[str]) -> float:
        """Seconds before the next attempt with `keys` is considered (0 when it may be made now)."""
        with self._lock:
            return self._wait_locked(list(keys), self._clock())

    def _wait_locked(self, keys: list[str], now: float) -> float:
        self._prune(now)
        wait = 0.0
        if len(self._overall) >= MAX_FAILURES_OVERALL:
            wait = max(wait, self._overall[0] + WINDOW_S - now)
        for key in keys:
            failures = self._client_failures.get(key)
            if not failures:
                continue
            if len(failures) >= MAX_FAILURES_PER_CLIENT:
                wait = max(wait, failures[0] + WINDOW_S - now)
            else:
                delay = min(FIRST_DELAY_S * 2 ** (len(failures) - 1), MAX_DELAY_S)
                wait = max(wait, failures[-1] + delay - now)
        return max(wait, 0.0)

    def check(self, keys: Iterable[str], given: str | None, expected: str | None, action: str) -> Verdict:
        """Whether `given` is the analyst password for `action`, under the limits (see the class docstring)."""
        keys = [k for k in keys if k]
        if not given:
            return Verdict(False, f"Type the analyst password to {action}.")
        with self._lock:
            now = self._clock()
            wait = self._wait_locked(keys, now)
            if wait > 0:
                return Verdict(False, _wait_message(wait), wait)
            if password_matches(given, expected):
                return Verdict(True)
            for key in keys:
                self._client_failures.setdefault(key, deque()).append(now)
            self._overall.append(now)
            client_counts = [len(self._client_failures[k]) for k in keys]
            overall = len(self._overall)
            wait = self._wait_locked(keys, now)
        LOG.warning("analyst password rejected (action: %s; client %s; %s failure(s) from this client and %d on the "
                    "server in the last %d min)", action, ",".join(client_digest(k) for k in keys) or "unknown",
                    max(client_counts, default=0), overall, WINDOW_S // 60)
        return Verdict(False, "That is not the analyst password. " + (_wait_message(wait) if wait else ""), wait)


def _wait_message(wait_s: float) -> str:
    if wait_s >= 90:
        return (f"Too many wrong passwords: password checks are paused for about {round(wait_s / 60)} minutes. "
                f"Ask the operator if you have lost the password.")
    return f"Wait {max(1, round(wait_s))} s before trying again."


#: The limiter every session of this server shares.
LIMITER = AttemptLimiter()
