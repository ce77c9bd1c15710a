"""House style gates: ruff with the project's rule set and mypy --strict on the service."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_ruff_finds_nothing() -> None:
    """ruff check passes on the service, tests and benchmark."""
    result = subprocess.run(
        [BIN / "ruff", "check", "service", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_strict_on_service() -> None:
    """mypy --strict (configured in pyproject.toml) finds no error in service/."""
    result = subprocess.run([BIN / "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
