"""/docs renders in a real browser from the service alone: the operations listed, "Try it out" on /health gets 200."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

OPERATIONS = ("health", "listTrials", "getTrial", "matchPatient", "readFacts")


def test_docs_page_lists_operations_and_tries_health(
    browser: Any, live_service: str, screenshot: Callable[[str], Path]
) -> None:
    """Swagger UI loads its assets from the service, lists the operations, and "Try it out" on /health answers 200."""
    wait = WebDriverWait(browser, 30)
    browser.get(f"{live_service}/docs")
    wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    shown = {block.get_attribute("id") for block in browser.find_elements(By.CSS_SELECTOR, ".opblock")}
    for operation in OPERATIONS:
        assert any(operation in (block_id or "") for block_id in shown), (operation, shown)
    screenshot("operations")

    health = browser.find_element(By.CSS_SELECTOR, ".opblock[id$='health'] .opblock-summary")
    health.click()
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".try-out__btn"))).click()
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, ".execute"))).click()
    status = wait.until(
        expected_conditions.presence_of_element_located(
            (By.CSS_SELECTOR, ".live-responses-table tbody .response-col_status")
        )
    )
    assert status.text.strip() == "200"
    blocks = browser.find_elements(By.CSS_SELECTOR, ".live-responses-table tbody pre")
    texts = [block.get_attribute("textContent") or "" for block in blocks]
    assert any(text.strip().startswith("{") and json.loads(text)["status"] == "ok" for text in texts), texts
    screenshot("try-it-out")

    # Every script, style and request came from the service, and the page's policy blocked nothing.
    hosts = browser.execute_script("return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)")
    assert set(hosts) == {live_service}, hosts
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not severe, severe
