"""The browser harness itself works: Chromium loads a page the service serves."""

from __future__ import annotations

import json
from typing import Any


def test_chromium_reads_health_from_the_running_service(browser: Any, live_service: str) -> None:
    """Headless Chromium fetches /health from uvicorn on loopback and sees the JSON body."""
    browser.get(f"{live_service}/health")
    body = browser.find_element("tag name", "body").text
    assert json.loads(body)["status"] == "ok"
