"""Signing in with API keys on: the key stays out of URLs and logs; sessions are signed and stateless."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.main import hash_key
from service.web.auth import COOKIE, LIFETIME_SECONDS, Session, Sessions, fingerprint
from tests.web.conftest import KEY, build_app, csrf_of

ClientMaker = Callable[..., TestClient]
SECRET = b"0123456789abcdef0123456789abcdef"


def sign_in(client: TestClient, key: str = KEY) -> TestClient:
    """Open the login page and post the key with its CSRF token; return the client (cookies kept)."""
    token = csrf_of(client.get("/web/login").text)
    response = client.post("/web/login", data={"csrf": token, "api_key": key})
    assert response.status_code in (303, 401)
    return client


@pytest.mark.parametrize("path", ["/", "/web/trials", "/web/trials/NCT05227846"])
def test_pages_send_a_browser_without_a_session_to_sign_in(
    keyed_app: FastAPI, browser_client: ClientMaker, path: str
) -> None:
    """With API keys on, a page asked for without a signed-in session redirects to the sign-in form."""
    response = browser_client(keyed_app).get(path)
    assert response.status_code == 303 and response.headers["location"] == "/web/login"


def test_a_match_post_without_a_session_goes_to_sign_in(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """A form post with no signed-in session is not matched: it redirects to the sign-in form."""
    response = browser_client(keyed_app).post("/web/match", data={"source": "demo"}, files={"x": ("", b"")})
    assert response.status_code == 303 and response.headers["location"] == "/web/login"


def test_static_files_and_the_sign_in_form_are_open(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """The sign-in page and its stylesheet load without a key; they hold no patient data."""
    client = browser_client(keyed_app)
    assert client.get("/web/login").status_code == 200
    assert client.get("/web/static/web.css").status_code == 200


def test_the_api_still_wants_its_bearer_key(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """Letting the web paths through does not open the API: /trials still answers 401 without a key, even signed in."""
    client = sign_in(browser_client(keyed_app))
    assert client.get("/trials").status_code == 401
    assert client.get("/trials", headers={"authorization": f"Bearer {KEY}"}).status_code == 200


def test_a_wrong_key_is_refused_without_saying_why(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """A wrong key gets 401 and the form again; no session is opened."""
    client = browser_client(keyed_app)
    token = csrf_of(client.get("/web/login").text)
    response = client.post("/web/login", data={"csrf": token, "api_key": "guess"})
    assert response.status_code == 401 and "That key is not accepted." in response.text
    assert client.get("/").status_code == 303


def test_signing_in_opens_pages_and_keeps_the_key_out_of_urls_and_logs(
    keyed_app: FastAPI, browser_client: ClientMaker, caplog: pytest.LogCaptureFixture
) -> None:
    """After signing in the pages open; the key is in no redirect, no cookie and no log line."""
    client = browser_client(keyed_app)
    token = csrf_of(client.get("/web/login").text)
    with caplog.at_level(logging.DEBUG):
        response = client.post("/web/login", data={"csrf": token, "api_key": KEY})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert KEY not in cookie and hash_key(KEY) not in cookie and KEY not in response.headers["location"]
    assert all(KEY not in record.getMessage() and KEY not in str(record.__dict__) for record in caplog.records)
    page = client.get("/")
    assert page.status_code == 200 and "Sign out" in page.text


def test_signing_in_gives_a_new_session_id(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """The session a login page handed out is replaced at sign-in (no session fixation)."""
    client = browser_client(keyed_app)
    before = client.get("/web/login").cookies[COOKIE].split(".")[0]
    sign_in(client)
    after = client.cookies[COOKIE].split(".")[0]
    assert before != after


def test_login_needs_the_login_pages_token(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """A login post without the form's CSRF token is refused even with the right key (no login CSRF)."""
    response = browser_client(keyed_app).post("/web/login", data={"csrf": "x", "api_key": KEY})
    assert response.status_code == 403


def test_signing_out_ends_the_session(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """Sign out (a CSRF-checked post) drops the cookie; the pages ask to sign in again."""
    client = sign_in(browser_client(keyed_app))
    token = csrf_of(client.get("/").text)
    response = client.post("/web/logout", data={"csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/web/login"
    assert "Max-Age=0" in response.headers["set-cookie"] or "expires=" in response.headers["set-cookie"].lower()
    assert client.get("/").status_code == 303


def test_a_session_ends_when_its_key_is_removed(browser_client: ClientMaker) -> None:
    """A cookie opened with a key that is no longer configured does not sign in (same secret, other key)."""
    secret = "fixed-secret-for-this-test"
    first = build_app(api_key_hashes=(hash_key(KEY),), session_secret=secret)
    client = sign_in(browser_client(first))
    cookie = client.cookies[COOKIE]
    second = build_app(api_key_hashes=(hash_key("another-key"),), session_secret=secret)
    other = browser_client(second)
    other.cookies.set(COOKIE, cookie)
    assert other.get("/").status_code == 303
    third = build_app(api_key_hashes=(hash_key(KEY),), session_secret=secret)
    same = browser_client(third)
    same.cookies.set(COOKIE, cookie)
    assert same.get("/").status_code == 200


SESSIONS = Sessions(SECRET, (hash_key(KEY),))


def _cookie(session: Session) -> str:
    return SESSIONS.encode(session)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (_cookie(Session("abc", 2_000_000_000, fingerprint(hash_key(KEY)))), True),
        (_cookie(Session("abc", 1_000, fingerprint(hash_key(KEY)))), False),
        (_cookie(Session("abc", 2_000_000_000, fingerprint(hash_key(KEY)))).replace("abc", "abd"), False),
        (_cookie(Session("abc", 2_000_000_000, "")).replace("..", f".{fingerprint(hash_key(KEY))}."), False),
        (Sessions(b"other-secret", (hash_key(KEY),)).encode(Session("abc", 2_000_000_000, "x")), False),
        ("", False),
        ("a.b.c", False),
        ("x" * 300, False),
    ],
    ids=["valid", "expired", "id-changed", "key-tag-added", "other-secret", "empty", "malformed", "oversized"],
)
def test_cookies_are_checked_by_signature_expiry_and_key(value: str, accepted: bool) -> None:
    """Only an unexpired cookie signed with the server's secret, for a configured key, is a signed-in session."""
    session = SESSIONS.decode(value, now=1_800_000_000)
    assert SESSIONS.signed_in(session) is accepted


def test_sessions_last_eight_hours() -> None:
    """A new session expires LIFETIME_SECONDS (8 hours) after it is issued."""
    assert SESSIONS.new(now=1_000).expires == 1_000 + LIFETIME_SECONDS == 1_000 + 8 * 3600


def test_csrf_tokens_belong_to_one_session() -> None:
    """A session's CSRF token is accepted for it and for no other session."""
    one, two = SESSIONS.new(), SESSIONS.new()
    assert SESSIONS.csrf_ok(one, SESSIONS.csrf_token(one))
    assert not SESSIONS.csrf_ok(two, SESSIONS.csrf_token(one))
    assert not SESSIONS.csrf_ok(None, SESSIONS.csrf_token(one))


@pytest.mark.parametrize(("workers", "shared"), [(1, False), (2, True)])
def test_serve_shares_one_session_secret_among_its_workers(
    monkeypatch: pytest.MonkeyPatch, workers: int, shared: bool
) -> None:
    """`trialmatch serve` with several workers and no configured secret draws one secret for all its workers."""
    import os
    from types import SimpleNamespace

    from service import cli, server
    from service.settings import Settings, default_criteria_dir

    seen: list[str | None] = []

    class Started:
        """Stands in for uvicorn.Server: records the environment the workers would inherit."""

        started = True

        def __init__(self, config: object) -> None:
            self.config = config

        def run(self) -> None:
            seen.append(os.environ.get("TRIALMATCH_SESSION_SECRET"))

    monkeypatch.delenv("TRIALMATCH_SESSION_SECRET", raising=False)
    monkeypatch.setattr(cli, "get_settings", lambda: Settings(criteria_dir=default_criteria_dir(), workers=workers))
    monkeypatch.setattr(server, "prepare_multiprocess", lambda workers: None)
    monkeypatch.setattr(server, "uvicorn_config", lambda settings, app: SimpleNamespace(workers=1))
    monkeypatch.setattr(server.uvicorn, "Server", Started)
    try:
        assert cli.main(["serve"]) == 0
    finally:
        os.environ.pop("TRIALMATCH_SESSION_SECRET", None)
    (secret,) = seen
    assert (secret is not None and len(secret) >= 32) is shared


def test_a_refused_form_keeps_the_signed_in_session(keyed_app: FastAPI, browser_client: ClientMaker) -> None:
    """A post with a stale CSRF token is refused without replacing the signed-in session's cookie."""
    client = sign_in(browser_client(keyed_app))
    response = client.post("/web/match", data={"csrf": "stale", "source": "demo"}, files={"x": ("", b"")})
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert client.get("/").status_code == 200
