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


# --- limiting guesses -----------------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def limiter() -> tuple[access.AttemptLimiter, Clock]:
    clock = Clock()
    return access.AttemptLimiter(clock), clock


def test_each_wrong_password_doubles_the_wait_for_that_client():
    """Waits after the 1st, 2nd, 3rd, 4th wrong password: 1, 2, 4, 8 s (FIRST_DELAY_S doubling)."""
    gate, clock = limiter()
    waits = []
    for _ in range(4):
        verdict = gate.check(["session:a"], "guess", "right", "test")
        assert not verdict.ok and "not the analyst password" in verdict.message
        waits.append(verdict.retry_after_s)
        clock.now += verdict.retry_after_s
    assert waits == [1.0, 2.0, 4.0, 8.0]


def test_while_waiting_even_the_right_password_is_refused_without_comparing(monkeypatch):
    gate, clock = limiter()
    gate.check(["session:a"], "guess", "right", "test")
    compared = []
    monkeypatch.setattr(access, "password_matches", lambda *a: compared.append(a) or True)
    clock.now += 0.5
    verdict = gate.check(["session:a"], "right", "right", "test")
    assert (verdict.ok, verdict.retry_after_s, compared) == (False, 0.5, [])
    assert "Wait 1 s" in verdict.message            # 0.5 s rounds up to the shortest wait said
    clock.now += 0.5
    assert gate.check(["session:a"], "right", "right", "test").ok
    assert gate.check(["session:b"], "right", "right", "test").ok     # another client was never slowed


def test_ten_wrong_passwords_lock_the_client_for_the_window():
    """Nine failures, each after the wait the one before asked for (1, 2, 4 ... capped at 60 s): the 10th comes at
    t = 1000 + 243 and locks the client until its 1st failure (t = 1000) leaves the 900 s window."""
    gate2, clock2 = limiter()
    for _ in range(9):
        clock2.now += gate2.check(["s"], "guess", "right", "test").retry_after_s
    assert clock2.now == 1000 + (1 + 2 + 4 + 8 + 16 + 32 + 60 + 60 + 60)      # capped at MAX_DELAY_S
    verdict = gate2.check(["s"], "guess", "right", "test")                      # the 10th, at t=1243
    assert verdict.retry_after_s == 1000 + access.WINDOW_S - 1243 == 657
    assert "paused for about 11 minutes" in verdict.message
    clock2.now += 656
    assert not gate2.check(["s"], "right", "right", "test").ok
    clock2.now += 1                                                              # the 1st failure left the window
    assert gate2.check(["s"], "right", "right", "test").ok


def test_thirty_wrong_passwords_on_the_server_pause_every_client():
    """30 clients, one wrong password each at t=1000: the 31st client, who never failed, must wait 900 s."""
    gate, clock = limiter()
    for n in range(30):
        gate.check([f"session:{n}"], "guess", "right", "test")
    verdict = gate.check(["session:new"], "right", "right", "test")
    assert not verdict.ok and verdict.retry_after_s == access.WINDOW_S
    clock.now += access.WINDOW_S
    assert gate.check(["session:new"], "right", "right", "test").ok


def test_an_empty_password_is_no_attempt():
    gate, _ = limiter()
    verdict = gate.check(["s"], "", "right", "activate a dataset")
    assert verdict.message == "Type the analyst password to activate a dataset." and verdict.retry_after_s == 0
    assert gate.wait_s(["s"]) == 0


def test_failures_are_logged_without_the_attempt_or_the_session_id(caplog):
    gate, _ = limiter()
    with caplog.at_level("WARNING", logger="basstory.access"):
        gate.check(["session:6f1c0d6e-secret-session-id"], "hunter2-attempt", "right", "delete a dataset")
    (record,) = caplog.records
    text = record.getMessage()
    assert "hunter2" not in text and "6f1c0d6e-secret-session-id" not in text
    assert "action: delete a dataset" in text and access.client_digest("session:6f1c0d6e-secret-session-id") in text
    assert "1 failure(s) from this client and 1 on the server" in text
