"""Web view fixtures: apps with and without API keys, and a helper that reads a page's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.main import create_app, hash_key
from service.settings import Settings, default_criteria_dir

KEY = "coordinator-key-7f3a"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Return the CSRF token a page's form carries."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def build_app(**settings: object) -> FastAPI:
    """Return the app on the real catalogue with these settings."""
    return create_app(Settings(criteria_dir=default_criteria_dir(), **settings))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def open_app() -> FastAPI:
    """The app without API keys."""
    return build_app()


@pytest.fixture(scope="module")
def keyed_app() -> FastAPI:
    """The app with one API key configured (stored as its SHA-256 hash)."""
    return build_app(api_key_hashes=(hash_key(KEY),))


@pytest.fixture
def browser_client() -> Iterator[Callable[[FastAPI], TestClient]]:
    """Clients that keep cookies like a browser, one per call, closed after the test."""
    clients: list[TestClient] = []

    def make(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
        client = TestClient(app, base_url=base_url, follow_redirects=False)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
