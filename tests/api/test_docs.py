"""/docs: Swagger UI from the installed package, its own CSP on the docs pages only, the strict one elsewhere."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from service.docs import ASSETS, DOCS_CSP
from service.main import SECURITY_HEADERS

STRICT_CSP = dict(SECURITY_HEADERS)[b"content-security-policy"].decode()
DOCS_PATHS = ["/docs", "/docs/init.js", *(f"/docs/{name}" for name in ASSETS)]


def test_docs_page_loads_everything_from_the_service(client: TestClient) -> None:
    """The page's scripts, style and icon are the service's own paths; no CDN, no other host."""
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/docs/") for source in sources), sources
    assert "http" not in page.text and "<script>" not in page.text  # no inline script either


@pytest.mark.parametrize("path", DOCS_PATHS)
def test_docs_pages_carry_their_own_policy(client: TestClient, path: str) -> None:
    """The docs page and its files answer 200 with the docs policy: scripts and styles from the service only."""
    answer = client.get(path)
    assert answer.status_code == 200 and answer.content
    assert answer.headers["content-security-policy"] == DOCS_CSP
    assert answer.headers["x-content-type-options"] == "nosniff"
    name = path.removeprefix("/docs/")
    if name in ASSETS:
        assert answer.headers["content-type"] == ASSETS[name]


def test_docs_policy_relaxes_only_what_swagger_ui_needs() -> None:
    """Nothing inline, nothing eval'd, no other origin: only 'self' (and data: images) is allowed."""
    directives = dict(part.strip().split(" ", 1) for part in DOCS_CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    for name in ("script-src", "style-src", "connect-src"):
        assert directives[name] == "'self'", name
    assert directives["img-src"] == "'self' data:"
    assert "unsafe" not in DOCS_CSP and "http" not in DOCS_CSP


@pytest.mark.parametrize("path", ["/health", "/trials", "/openapi.json", "/metrics", "/docs/nothing.js"])
def test_other_routes_keep_the_strict_policy(client: TestClient, path: str) -> None:
    """Every route but the docs keeps default-src 'none', and an unknown docs file is a 404."""
    answer = client.get(path)
    assert answer.status_code == (404 if path.startswith("/docs/") else 200)
    assert answer.headers["content-security-policy"] == STRICT_CSP


def test_swagger_ui_licence_ships_beside_it(client: TestClient) -> None:
    """The Apache-2.0 licence of the Swagger UI files is in the package and served with them."""
    licence = client.get("/docs/LICENSE").text
    assert "Apache License" in licence and "Version 2.0" in licence


def test_no_redoc_page(client: TestClient) -> None:
    """ReDoc is not served: its assets would need a CDN or another package."""
    assert client.get("/redoc").status_code == 404
