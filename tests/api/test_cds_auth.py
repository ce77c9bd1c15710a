"""CDS Hooks callers are verified by their JWT; card feedback is recorded without patient data."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi.testclient import TestClient
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from service.cds import SERVICE_ID
from service.cds_auth import ReplayStore
from service.main import create_app
from service.settings import Settings, default_criteria_dir

BASE = "https://trials.example.org"
ISSUER = "https://ehr.example.org"
SERVICE_URL = f"{BASE}/cds-services/{SERVICE_ID}"
EC_KEY = ec.generate_private_key(ec.SECP384R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
STRANGER_KEY = ec.generate_private_key(ec.SECP384R1())


def _jwk(public: Any, kid: str, algorithm: Any, alg: str) -> dict[str, Any]:
    key: dict[str, Any] = json.loads(algorithm.to_jwk(public))
    return {**key, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app that checks CDS JWTs against a JWKS file of an EC P-384 and an RSA key, with API keys on."""
    jwks = tmp_path_factory.mktemp("jwks") / "jwks.json"
    keys = [
        _jwk(EC_KEY.public_key(), "ec-1", ECAlgorithm(ECAlgorithm.SHA384), "ES384"),
        _jwk(RSA_KEY.public_key(), "rsa-1", RSAAlgorithm(RSAAlgorithm.SHA384), "RS384"),
    ]
    jwks.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    settings = Settings(
        criteria_dir=default_criteria_dir(),
        cds_jwks=str(jwks),
        cds_issuers=(ISSUER,),
        public_url=BASE,
        api_key_hashes=("0" * 64,),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _token(key: Any = EC_KEY, alg: str = "ES384", kid: str = "ec-1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "aud": SERVICE_URL, "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def _feedback(client: TestClient, token: str | None, outcome: str = "accepted") -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = {"feedback": [{"card": str(uuid.uuid4()), "outcome": outcome, "outcomeTimestamp": "2026-11-30T14:00:00Z"}]}
    return client.post(f"/cds-services/{SERVICE_ID}/feedback", json=body, headers=headers)


@pytest.mark.parametrize(("key", "alg", "kid"), [(EC_KEY, "ES384", "ec-1"), (RSA_KEY, "RS384", "rsa-1")])
def test_signed_token_from_an_allowed_issuer_is_accepted(verified: TestClient, key: Any, alg: str, kid: str) -> None:
    """A token signed with a JWKS key, for this service's URL, from an allowed issuer, passes."""
    assert _feedback(verified, _token(key, alg, kid)).status_code == 200


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("no token", None),
        ("another issuer", lambda: _token(iss="https://elsewhere.example.org")),
        ("another audience", lambda: _token(aud=f"{BASE}/cds-services/other")),
        ("expired", lambda: _token(iat=int(time.time()) - 900, exp=int(time.time()) - 600)),
        ("lives too long", lambda: _token(exp=int(time.time()) + 3600)),
        ("no jti", lambda: _token(jti=None)),
        ("unknown signer", lambda: _token(key=STRANGER_KEY)),
        ("unknown kid", lambda: _token(kid="nobody")),
        (
            "symmetric algorithm",
            lambda: jwt.encode({"iss": ISSUER}, "a-shared-secret-of-forty-bytes-long-enough", "HS256"),
        ),
    ],
)
def test_tokens_failing_a_check_are_401(verified: TestClient, name: str, token: Any) -> None:
    """Each failed check answers 401 with an OperationOutcome that does not say which check failed."""
    response = _feedback(verified, token() if callable(token) else token)
    assert response.status_code == 401, name
    assert response.json()["issue"][0]["diagnostics"] == "authentication required"


def test_a_replayed_token_is_401(verified: TestClient) -> None:
    """The same jti within the token's lifetime is refused the second time."""
    token = _token()
    assert _feedback(verified, token).status_code == 200
    assert _feedback(verified, token).status_code == 401


def test_the_hook_call_itself_checks_the_token(verified: TestClient) -> None:
    """The patient-view call is verified too; discovery stays open and other routes keep their API key."""
    assert verified.get("/cds-services").status_code == 200
    hook = {"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "p"}, "prefetch": {}}
    assert verified.post(f"/cds-services/{SERVICE_ID}", json=hook).status_code == 401
    signed = {"authorization": f"Bearer {_token()}"}
    assert verified.post(f"/cds-services/{SERVICE_ID}", json=hook, headers=signed).status_code == 412
    assert verified.get("/trials", headers=signed).status_code == 401


def test_replay_store_stays_bounded() -> None:
    """Past its limit the store drops the entry expiring first, and forgets expired ones."""
    store = ReplayStore(limit=3)
    for index in range(10):
        assert store.first_use(f"j{index}", 1000 + index, now=0)
    assert len(store._seen) == 3
    assert not store.first_use("j9", 1009, now=0)
    assert store.first_use("j9", 3000, now=2000)


def test_feedback_is_counted_and_logged_without_comments(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    """Feedback in the spec's shape answers 200, counts outcome and reason, and never logs the user's comment."""
    body = {
        "feedback": [
            {
                "card": "9368d37b-283f-44a0-93ea-547cebab93ed",
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {"code": "not-interested", "system": "https://trialmatch.invalid/override"},
                    "userComment": "patient Jane Roe declined",
                },
                "outcomeTimestamp": "2026-11-30T14:00:00Z",
            }
        ]
    }
    before = client.get("/metrics").text
    response = client.post(f"/cds-services/{SERVICE_ID}/feedback", json=body)
    assert response.status_code == 200
    after = client.get("/metrics").text
    line = 'trialmatch_cds_feedback_total{outcome="overridden",reason="coded"}'
    assert line in after and after != before
    assert "not-interested" in caplog.text and "Jane Roe" not in caplog.text
    bad = client.post(f"/cds-services/{SERVICE_ID}/feedback", json={"feedback": [{"card": "x", "outcome": "maybe"}]})
    assert bad.status_code == 422
