"""CI builds and runs the image: .ci/run calls .ci/container, which names no registry host of its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / ".ci" / "container"


def test_ci_run_builds_and_runs_the_image() -> None:
    """.ci/run calls the container script, not behind a condition that could skip it."""
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert "bash .ci/container" in lines


def test_container_script_parses() -> None:
    """The script is valid bash."""
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True, timeout=30)


@pytest.mark.parametrize("path", [".ci/container", ".ci/run", "Dockerfile", "docker-compose.yml"])
def test_no_registry_host_is_written_down(path: str) -> None:
    """The only addresses the build files name are loopback: mirrors and indexes come from the machine's settings."""
    text = (REPO / path).read_text(encoding="utf-8")
    hosts = set(re.findall(r"[a-z]+://([^/:'\"\s]+)", text))
    assert hosts <= {"127.0.0.1"}, hosts
