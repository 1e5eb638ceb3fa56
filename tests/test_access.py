"""The analyst gate's pure logic: which configured password wins, and how passwords and session tokens compare."""
import hmac

import pytest

from basstory.app import access
from basstory.app.access import ENV_VAR, SECRET_KEY, ConfiguredPassword


class NoSecretsFile:
    """Like st.secrets when .streamlit/secrets.toml does not exist: every read raises FileNotFoundError."""

    def get(self, key, default=None):
        raise FileNotFoundError("No secrets found")


@pytest.mark.parametrize(("environ", "secrets", "expected"), [
    ({}, {}, None),
    ({}, None, None),
    ({}, NoSecretsFile(), None),
    ({ENV_VAR: "from-env"}, {}, ConfiguredPassword("from-env", "environment")),
    ({}, {SECRET_KEY: "from-secrets"}, ConfiguredPassword("from-secrets", "secrets")),
    ({ENV_VAR: "from-env"}, {SECRET_KEY: "from-secrets"}, ConfiguredPassword("from-env", "environment")),
    ({ENV_VAR: "from-env"}, NoSecretsFile(), ConfiguredPassword("from-env", "environment")),
    # empty or blank means "not set": the next source is used, or none
    ({ENV_VAR: ""}, {SECRET_KEY: "from-secrets"}, ConfiguredPassword("from-secrets", "secrets")),
    ({ENV_VAR: "   "}, {SECRET_KEY: ""}, None),
    # a secret that is not text (e.g. a TOML table or number) is not a password
    ({}, {SECRET_KEY: 1234}, None),
    ({}, {SECRET_KEY: {"value": "x"}}, None),
    # other keys are ignored
    ({"OTHER": "x"}, {"password": "y"}, None),
    # spaces inside a password are part of it
    ({ENV_VAR: " with spaces "}, {}, ConfiguredPassword(" with spaces ", "environment")),
])
def test_which_password_is_in_force(environ, secrets, expected):
    assert access.configured_password(environ, secrets) == expected


@pytest.mark.parametrize(("given", "expected", "matches"), [
    ("s3cret", "s3cret", True),
    ("s3cret", "s3cret ", False),
    ("S3CRET", "s3cret", False),
    ("s3cre", "s3cret", False),
    ("", "s3cret", False),
    (None, "s3cret", False),
    ("s3cret", None, False),
    ("", "", False),
    ("päss wörd ✓", "päss wörd ✓", True),   # non-ASCII: compared as UTF-8 bytes
    ("päss", "pass", False),
])
def test_password_matches(given, expected, matches):
    assert access.password_matches(given, expected) is matches


def test_comparison_is_constant_time(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((type(a), type(b)))
        return real(a, b)

    monkeypatch.setattr(access.hmac, "compare_digest", spy)
    assert access.password_matches("abc", "abc")
    assert access.token_matches(access.session_token("abc"), "abc")
    assert calls == [(bytes, bytes), (bytes, bytes)]


def test_a_session_token_is_not_the_password_and_follows_a_password_change():
    token = access.session_token("s3cret")
    assert "s3cret" not in token
    assert access.token_matches(token, "s3cret")
    assert not access.token_matches(token, "rotated")        # the operator changed it: the session is locked
    assert not access.token_matches(None, "s3cret")
    assert not access.token_matches("", "s3cret")
    assert not access.token_matches("naïve-non-hex", "s3cret")
    assert not access.token_matches(token, None)


def test_the_instruction_names_both_ways_to_set_it():
    text = access.how_to_set_password()
    assert ENV_VAR in text and SECRET_KEY in text and "secrets.toml" in text
