"""The analyst gate: who may change the data the story shows (upload, activate, switch, delete).

The operator sets one shared analyst password, either in the environment (`BASSTORY_ANALYST_PASSWORD`) or in
Streamlit's secrets (`analyst_password` in `.streamlit/secrets.toml`). The environment wins when both are set, so a
deployment can override a secrets file without editing it. A value that is empty or only blank space counts as not
set. With no password set, nobody may change data and the Data page is read-only.

Passwords are compared in constant time (`hmac.compare_digest` on the UTF-8 bytes). A session that entered the right
password remembers a digest of it, not the password itself, and is checked against the configured password on every
run: changing the password locks every session that unlocked with the old one.

No Streamlit here: the page passes `os.environ` and `st.secrets` (any mapping; a secrets object that raises because
no secrets file exists counts as empty).
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
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
