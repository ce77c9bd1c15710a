"""Browser fixtures: the service under uvicorn on loopback, and Debian's Chromium driven by Selenium.

The browser is the system's (Debian packages ``chromium`` and ``chromium-driver``); nothing is
downloaded. Where it is not installed the browser tests skip, unless
``TRIALMATCH_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail: CI must run them.
Screenshots go to ``TRIALMATCH_ARTIFACTS`` (default ``tests/browser/artifacts``, ignored by git).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("TRIALMATCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TRIALMATCH_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("TRIALMATCH_ARTIFACTS", Path(__file__).parent / "artifacts"))
# Flags for a headless Chromium on a closed network (see the env notes of this machine kind):
# background networking would try to reach Google's hosts at every start.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1280,1600",
)


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


def require_browser() -> None:
    """Skip (or fail in CI) when Chromium and its driver are not installed."""
    if _browser_available():
        return
    message = f"Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are not installed"
    if os.environ.get("TRIALMATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; TRIALMATCH_REQUIRE_BROWSER=1 demands the browser tests run")
    pytest.skip(message)


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_service(tmp_path: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``uvicorn service.main:app`` on a free loopback port; yield its base URL; stop it."""
    port = free_port()
    log_path = tmp_path / f"uvicorn-{port}.log"
    full_env = {**os.environ, **(env or {})}
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.main:app", "--port", str(port), "--host", "127.0.0.1"],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120  # start-up takes 40-50 s on a loaded 2-core machine
            while True:
                if server.poll() is not None:
                    pytest.fail(f"uvicorn exited {server.returncode}:\n{log_path.read_text(encoding='utf-8')}")
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=1) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"uvicorn did not answer /health in 120 s:\n{log_path.read_text(encoding='utf-8')}")
                time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@pytest.fixture
def live_service(tmp_path: Path) -> Iterator[str]:
    """The service on loopback with default settings (no API keys); its base URL."""
    with running_service(tmp_path) as base:
        yield base


@pytest.fixture
def service_factory(tmp_path: Path) -> Iterator[Callable[[dict[str, str]], str]]:
    """Start services with extra environment variables (API keys on, say); all stop after the test."""
    stack: list[Any] = []

    def start(env: dict[str, str]) -> str:
        context = running_service(tmp_path, env)
        base = context.__enter__()
        stack.append(context)
        return base

    yield start
    for context in reversed(stack):
        context.__exit__(None, None, None)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium (Selenium WebDriver) with a fresh profile."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def screenshot(browser: Any, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save a full-window screenshot under the artifacts folder, named after the test and a label."""

    def save(label: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{label}.png".replace("/", "_")
        browser.save_screenshot(str(path))
        return path

    return save


def which(name: str) -> str | None:
    """Return the path of a command, or None (for tests that need a tool beside the browser)."""
    return shutil.which(name)
