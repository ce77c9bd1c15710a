"""Sessions for the web view: a signed, stateless cookie, a login form for API keys, CSRF tokens.

With API keys configured (``TRIALMATCH_API_KEY_HASHES``) a browser cannot send the
``Authorization`` header the API wants from a plain form, and a key must never appear in a URL
or a log. So the coordinator types the key once into a login form (POST body, never logged);
the service checks it against the stored SHA-256 hashes as the API does and answers with a
session cookie:

- ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page sends it),
  ``Secure`` when the request came over HTTPS, ``Path=/``, lifetime 8 hours;
- stateless: the cookie holds a random session id, its expiry and a fingerprint of the key hash
  it was opened with, signed with HMAC-SHA256; the server stores nothing, and removing a key from
  the configuration ends its sessions at the next restart;
- the signing secret is ``TRIALMATCH_SESSION_SECRET``, or random at start-up (sessions then end
  when the process restarts; ``trialmatch serve`` shares one random secret among its workers).

Every form post carries a CSRF token, an HMAC of the session id, checked in constant time; a
post the browser marks as cross-site (``Sec-Fetch-Site``) is refused as well. Without API keys
the pages are open, and a session cookie still exists only to tie the CSRF token to the browser.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from service.main import hash_key

COOKIE = "trialmatch_session"
LIFETIME_SECONDS = 8 * 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fingerprint(key_hash: str) -> str:
    """Return a short, non-reversible tag of a stored key hash, to name it inside a cookie."""
    return hashlib.sha256(("trialmatch-web-session:" + key_hash.lower()).encode("ascii")).hexdigest()[:16]


@dataclass(frozen=True)
class Session:
    """One browser's session: a random id, when it ends, and the key it was opened with ('' if none)."""

    sid: str
    expires: int
    key: str = ""


class Sessions:
    """Issues, signs and checks session cookies and CSRF tokens; holds no session state."""

    def __init__(self, secret: bytes, key_hashes: tuple[str, ...]) -> None:
        self._secret = secret
        self._hashes = tuple(h.lower() for h in key_hashes)
        self._fingerprints = frozenset(fingerprint(h) for h in self._hashes)

    @property
    def keys_required(self) -> bool:
        """Return whether API keys are configured, so pages need a signed-in session."""
        return bool(self._hashes)

    def new(self, key: str = "", now: float | None = None) -> Session:
        """Return a fresh session (a new id: signing in never keeps the id a page was given before)."""
        issued = int(time.time() if now is None else now)
        return Session(secrets.token_urlsafe(18), issued + LIFETIME_SECONDS, key)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def encode(self, session: Session) -> str:
        """Return the cookie value of a session: id, expiry, key tag and signature."""
        payload = f"{session.sid}.{session.expires}.{session.key}"
        return f"{payload}.{self._sign(payload)}"

    def decode(self, value: str | None, now: float | None = None) -> Session | None:
        """Return the session a cookie value holds, or None if it is absent, forged, expired or revoked."""
        if not value or len(value) > 256:
            return None
        pieces = value.split(".")
        if len(pieces) != 4:
            return None
        sid, expires, key, signature = pieces
        if not hmac.compare_digest(signature, self._sign(f"{sid}.{expires}.{key}")):
            return None
        if not expires.isdigit() or int(expires) < (time.time() if now is None else now):
            return None
        if key and key not in self._fingerprints:
            return None  # the key it was opened with is no longer configured
        return Session(sid, int(expires), key)

    def signed_in(self, session: Session | None) -> bool:
        """Return whether a session may see patient pages: always without keys, else when opened with a key."""
        if not self.keys_required:
            return session is not None
        return session is not None and session.key in self._fingerprints

    def sign_in(self, key: str) -> Session | None:
        """Return a signed-in session if the key is one of the configured keys, else None."""
        digest = hash_key(key.strip())
        accepted = False
        for stored in self._hashes:
            # Every stored hash is compared in constant time, with no early exit (as the API does).
            accepted |= hmac.compare_digest(digest, stored)
        return self.new(fingerprint(digest)) if accepted else None

    def csrf_token(self, session: Session) -> str:
        """Return the CSRF token of a session: an HMAC of its id."""
        return self._sign("csrf:" + session.sid)

    def csrf_ok(self, session: Session | None, token: str) -> bool:
        """Return whether a form's CSRF token belongs to this session."""
        return session is not None and hmac.compare_digest(token.encode(), self.csrf_token(session).encode())
