"""CDS Hooks caller authentication: the JWT a CDS client sends in ``Authorization: Bearer``.

CDS Hooks 2.0, "Trusting CDS Clients" (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients):
the client signs a JWT with a key published in its JWKS; the service checks

- the signature, with the key the header's ``kid`` names in the configured JWKS (a file, or an
  https URL fetched with a timeout and cached), algorithms ES384 or RS384 (the two the spec
  requires services to support);
- ``iss`` against the allow list (``TRIALMATCH_CDS_ISSUERS``);
- ``aud``: the URL of the CDS service being called (``<public_url>/cds-services/<id>``, the
  feedback endpoint counting as its service);
- ``exp`` (required; at most MAX_LIFETIME seconds ahead, since the spec recommends five minutes),
  ``iat`` and ``jti`` (required): a ``jti`` seen before within its token's lifetime is a replay.
  The replay store is in memory and bounded: past MAX_JTIS live entries the one expiring first
  is dropped, and since tokens live at most MAX_LIFETIME that bound holds any rate below
  MAX_JTIS / MAX_LIFETIME calls a second per process.

Every failure is a 401 OperationOutcome that does not say which check failed; the log says
which, and never holds the token.
"""

from __future__ import annotations

import heapq
import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import jwt

from service.errors import Unauthorized
from service.settings import Settings

logger = logging.getLogger("trialmatch.cds")

ALGORITHMS = ("ES384", "RS384")
MAX_LIFETIME = 300
LEEWAY = 30
MAX_JTIS = 100_000
JWKS_TIMEOUT_SECONDS = 5
JWKS_CACHE_SECONDS = 300


class ReplayStore:
    """The ``jti`` values seen, each kept until its token expires; bounded to MAX_JTIS entries."""

    def __init__(self, limit: int = MAX_JTIS) -> None:
        self.limit = limit
        self._seen: dict[str, float] = {}
        self._expiries: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def first_use(self, jti: str, expires: float, now: float) -> bool:
        """Record a token id; return False when it was already used and has not expired."""
        with self._lock:
            while self._expiries and (self._expiries[0][0] < now or len(self._seen) >= self.limit):
                expiry, old = heapq.heappop(self._expiries)
                if self._seen.get(old) == expiry:
                    del self._seen[old]
            if jti in self._seen:
                return False
            self._seen[jti] = expires
            heapq.heappush(self._expiries, (expires, jti))
            return True


class CdsVerifier:
    """Verifies CDS clients' JWTs against one JWKS, issuer list and service URL."""

    def __init__(self, settings: Settings) -> None:
        source = settings.cds_jwks or ""
        self.issuers = frozenset(settings.cds_issuers)
        self.base_url = (settings.public_url or "").rstrip("/")
        self.replays = ReplayStore()
        self._client: jwt.PyJWKClient | None = None
        self._keys: jwt.PyJWKSet | None = None
        if source.startswith("https://") or source.startswith("http://"):
            self._client = jwt.PyJWKClient(source, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS)
        else:
            self._keys = jwt.PyJWKSet.from_dict(json.loads(Path(source).read_text(encoding="utf-8")))

    def _key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._keys is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._keys.keys:
            if key.key_id == kid:
                return key.key
        raise jwt.InvalidKeyError("no key in the JWKS has the token's kid")

    def verify(self, authorization: str | None, service_id: str, now: float | None = None) -> dict[str, Any]:
        """Return the verified claims of the bearer JWT, or raise Unauthorized (the log says why).

        PyJWT checks ``exp`` against the clock; ``now`` (the shell's clock) bounds the lifetime and replays.
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return self._refuse("no bearer token")
        token = token.strip()
        moment = time.time() if now is None else now
        audience = f"{self.base_url}/cds-services/{service_id}"
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(token),
                algorithms=list(ALGORITHMS),
                audience=audience,
                leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_iat": False},
            )
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            return self._refuse(type(error).__name__)
        if claims["iss"] not in self.issuers:
            return self._refuse("issuer not allowed")
        if not isinstance(claims["exp"], int | float) or claims["exp"] > moment + MAX_LIFETIME + LEEWAY:
            return self._refuse(f"exp more than {MAX_LIFETIME} seconds ahead")
        if not isinstance(claims["jti"], str) or not self.replays.first_use(claims["jti"], claims["exp"], moment):
            return self._refuse("jti already used")
        return claims

    def _refuse(self, why: str) -> dict[str, Any]:
        logger.warning("CDS client JWT refused: %s", why)
        raise Unauthorized
