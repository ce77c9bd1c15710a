"""Web pages over HTTP: the form, the three ways in, errors, headers, and nothing written to disk."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.web.auth import COOKIE
from tests.catalogue import criteria_dir
from tests.web.conftest import build_app, csrf_of

BUNDLES = Path(__file__).resolve().parents[1] / "cases" / "bundles"
README_BUNDLE = BUNDLES / "readme_example_bilirubin_205_umol_no_hiv_test.json"
PAGES = ("/", "/web/trials", "/web/trials/NCT05227846")
ClientMaker = Callable[..., TestClient]


def post_form(client: TestClient, fields: dict[str, str], upload: bytes | None = None) -> Any:
    """Post the screening form as the page does (multipart), with the page's own CSRF token."""
    token = csrf_of(client.get("/").text)
    files = {"bundle_file": ("bundle.json", upload or b"", "application/json")}
    return client.post("/web/match", data={"csrf": token, **fields}, files=files)


def badges(html: str) -> list[str]:
    """Return the text of the status badges of the ranking table, in order."""
    table = html[html.index('class="ranking"') : html.index("</table>", html.index('class="ranking"'))]
    found = re.findall(
        r'<span class="badge badge-[a-z_]+"><span class="mark" aria-hidden="true">.</span> ([^<]+)</span>', table
    )
    return [" ".join(text.split()) for text in found]


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_a_strict_csp_and_no_inline_code(open_app: FastAPI, browser_client: ClientMaker, path: str) -> None:
    """Each page sets its own CSP (self-hosted scripts and styles, forms to self) and has no inline script or style."""
    response = browser_client(open_app).get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe" not in csp
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"
    loaded = re.findall(r'<(?:script|img)[^>]*\bsrc="([^"]+)"|<link[^>]*\bhref="([^"]+)"', html)
    assert loaded and all(url.startswith("/web/static/") for pair in loaded for url in pair if url)
    assert response.headers["x-frame-options"] == "DENY" and response.headers["cache-control"] == "no-store"


def test_demo_flow_ranks_every_trial_with_readable_badges(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """Picking the README demo shows five trials, the ineligible badge quoting the failed criterion in signs."""
    response = post_form(
        browser_client(open_app), {"source": "demo", "demo": "ineligible_bilirubin_205_umol_no_hiv_test"}
    )
    assert response.status_code == 200
    assert badges(response.text) == [
        "eligible, pending 3 review items",
        "possibly eligible: 1 item missing",
        "possibly eligible: 1 item missing",
        "ineligible: total bilirubin 205 µmol/L on 2026-10-27 ≥ 170 µmol/L",
        "ineligible: MELD 22 (dialysis no), not ≤ 21; MELD-Na 23 (dialysis no), not ≤ 21; "
        "MELD 3.0 24 (dialysis no), not ≤ 21",
    ]
    assert "HIV antibody / antigen screen within 365 days" in response.text


def test_upload_and_paste_give_the_same_answer_as_the_api(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """An uploaded file and pasted JSON give the statuses POST /match gives for the same Bundle and date."""
    client = browser_client(open_app)
    body = README_BUNDLE.read_bytes()
    api = client.post("/match?asOf=2026-11-22", content=body, headers={"content-type": "application/fhir+json"})
    expected = [r["status"] for r in api.json()["results"]]
    uploaded = post_form(client, {"source": "upload", "as_of": "2026-11-22"}, upload=body)
    pasted = post_form(client, {"source": "paste", "as_of": "2026-11-22", "bundle_text": body.decode("utf-8")})
    for response in (uploaded, pasted):
        assert response.status_code == 200
        shown = re.findall(r'class="badge badge-([a-z_]+)"', response.text)[: len(expected)]
        assert shown == expected


def test_result_shows_evidence_fields_scores_and_checklist(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """The result names each cited resource with its key fields, the scores with inputs, and the review items."""
    response = post_form(browser_client(open_app), {"source": "demo", "demo": "eligible_for_all_five_pending_review"})
    html = response.text
    assert "<summary>Observation/bili</summary>" in html
    evidence = html[html.index("<summary>Observation/bili</summary>") :][:900]
    for field in ("code", "1975-2", "value", "2.5 mg/dL", "date", "2026-11-10", "status", "final"):
        assert field in evidence
    assert "9 (class B)" in html and "MELD 3.0" in html
    assert html.count('type="checkbox"') == 3 + 3 + 4 + 8 + 9
    assert "Nothing to order" in html


@pytest.mark.parametrize(
    ("fields", "upload", "status", "message"),
    [
        ({"source": "upload"}, None, 400, "Choose a Bundle file first."),
        ({"source": "paste", "bundle_text": "{not json"}, None, 400, "is not valid UTF-8 JSON"),
        (
            {"source": "paste", "bundle_text": '{"resourceType": "Bundle", "type": "collection", "entry": []}'},
            None,
            422,
            "no Patient",
        ),
        ({"source": "upload", "as_of": "2026-02-30"}, b"{}", 400, "must be a date (YYYY-MM-DD) from 1900-01-01"),
        ({"source": "demo", "demo": "nobody"}, None, 400, "Choose one of the demo patients."),
        ({"source": "elsewhere"}, None, 400, "Choose how to give the Bundle"),
    ],
    ids=["no-file", "not-json", "no-patient", "bad-date", "unknown-demo", "unknown-source"],
)
def test_bad_input_shows_the_form_again_with_the_problem(
    open_app: FastAPI,
    browser_client: ClientMaker,
    fields: dict[str, str],
    upload: bytes | None,
    status: int,
    message: str,
) -> None:
    """A post that cannot be matched shows the form again, with the problem and a 4xx status, never a 500."""
    response = post_form(browser_client(open_app), fields, upload)
    assert response.status_code == status
    assert 'role="alert"' in response.text and message in response.text
    assert 'id="screen-form"' in response.text


def test_pasted_text_comes_back_after_an_error(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """After an error, the pasted JSON is in the text area again (escaped), so it can be fixed."""
    response = post_form(browser_client(open_app), {"source": "paste", "bundle_text": '{"a": "<b>"'})
    assert "{&#34;a&#34;: &#34;&lt;b&gt;&#34;</textarea>" in response.text


def test_a_bundle_over_the_limit_is_refused(browser_client: ClientMaker) -> None:
    """An upload larger than TRIALMATCH_MAX_BODY_BYTES plus the form's framing is refused with 413."""
    client = browser_client(build_app(max_body_bytes=2048))
    response = post_form(client, {"source": "upload"}, upload=b" " * (2048 + 70 * 1024))
    assert response.status_code == 413 and "exceeds 2048 bytes" in response.text


def test_a_large_upload_never_touches_the_disk(
    open_app: FastAPI, browser_client: ClientMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 3 MB upload is parsed in memory: no temporary file is created while the form is read."""
    created: list[object] = []
    real = tempfile.TemporaryFile

    def spy(*args: Any, **kwargs: Any) -> Any:
        created.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", spy)
    bundle = json.loads(README_BUNDLE.read_text(encoding="utf-8"))
    bundle["entry"][0]["resource"]["text"] = {"status": "generated", "div": "x" * 3_000_000}
    response = post_form(
        browser_client(open_app), {"source": "upload", "as_of": "2026-11-22"}, json.dumps(bundle).encode()
    )
    assert response.status_code == 200 and created == []


@pytest.mark.parametrize(
    "tamper",
    ["no-token", "wrong-token", "other-session", "cross-site"],
)
def test_form_posts_need_this_sessions_token(open_app: FastAPI, browser_client: ClientMaker, tamper: str) -> None:
    """A post without the page's CSRF token, with another session's, or marked cross-site is refused with 403."""
    client = browser_client(open_app)
    token = csrf_of(client.get("/").text)
    headers = {}
    if tamper == "no-token":
        token = ""
    elif tamper == "wrong-token":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif tamper == "other-session":
        token = csrf_of(browser_client(open_app).get("/").text)
    else:
        headers = {"sec-fetch-site": "cross-site"}
    data = {"csrf": token, "source": "demo", "demo": "hbv_dna_detected"}
    response = client.post("/web/match", data=data, files={"x": ("", b"")}, headers=headers)
    assert response.status_code == 403
    assert "badge-" not in response.text


def test_session_cookie_is_http_only_and_strict(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """The cookie that ties the CSRF token to the browser is HttpOnly, SameSite=Strict, and Secure over HTTPS."""
    plain = browser_client(open_app).get("/").headers["set-cookie"]
    assert plain.startswith(f"{COOKIE}=") and "HttpOnly" in plain and "SameSite=strict" in plain
    assert "Secure" not in plain
    secure = browser_client(open_app, "https://testserver").get("/").headers["set-cookie"]
    assert "Secure" in secure


def test_unknown_trial_page_is_a_404_page(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """A trial id the catalogue does not hold gives a 404 page naming it."""
    response = browser_client(open_app).get("/web/trials/NCT00000000")
    assert response.status_code == 404 and "NCT00000000" in response.text


def test_trial_page_lists_words_logic_and_codes_with_sources(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """A trial page shows each criterion's words and logic in words, and the value sets with code, display, source."""
    html = browser_client(open_app).get("/web/trials/NCT05227846").text
    assert "Aged 18 to 75 years" in html and "age between 18 and 75 years on the as-of date" in html
    assert "total bilirubin ≥ 170 µmol/L, latest result within" in html
    assert 'id="vs-malignancy"' in html
    row = html[html.index(">109841003<") :][:400]
    assert "Liver cell carcinoma" in row and "VSAC-eCQM" in row


def test_web_routes_stay_out_of_the_api_spec(open_app: FastAPI) -> None:
    """The pages are not API operations: no /web path nor / appears in the OpenAPI document."""
    paths = open_app.openapi()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith("/web")]


TRIAL_IDS = sorted(path.stem for path in (criteria_dir() / "trials").glob("*.yaml"))


@pytest.mark.parametrize("trial_id", TRIAL_IDS)
def test_every_trial_page_puts_every_criterion_in_words(
    open_app: FastAPI, browser_client: ClientMaker, trial_id: str
) -> None:
    """Each trial's page renders, with a row per criterion line and part, each decided by logic, review or parts."""
    catalog = open_app.state.catalog
    trial = catalog.trials[trial_id]
    html = browser_client(open_app).get(f"/web/trials/{trial_id}").text
    rows = re.findall(r'<tr class="(?:line|part)">', html)
    assert len(rows) == sum(1 + len(c.parts) for c in trial.criteria)
    assert html.count('<ul class="logic">') == sum(
        1 for c in trial.criteria for item in (c, *c.parts) if item.logic is not None
    )


def test_catalogue_lists_every_trial(open_app: FastAPI, browser_client: ClientMaker) -> None:
    """The catalogue page links every trial of the catalogue."""
    html = browser_client(open_app).get("/web/trials").text
    assert [t for t in TRIAL_IDS if f'href="/web/trials/{t}"' in html] == list(TRIAL_IDS)
