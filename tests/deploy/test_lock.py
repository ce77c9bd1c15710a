"""requirements.lock pins every dependency pyproject.toml declares, inside its range, with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\$", re.MULTILINE)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def pins(name: str) -> dict[str, tuple[Version, int]]:
    """Return the lock's pins by canonical name: version and number of hashes."""
    text = (REPO / name).read_text(encoding="utf-8")
    found: dict[str, tuple[Version, int]] = {}
    starts = [m.start() for m in PIN.finditer(text)] + [len(text)]
    for match, end in zip(PIN.finditer(text), starts[1:], strict=True):
        hashes = len(HASH.findall(text[match.start() : end]))
        found[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return found


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        ("requirements.lock", PYPROJECT["project"]["dependencies"]),
        ("requirements-build.lock", PYPROJECT["build-system"]["requires"]),
    ],
)
def test_lock_pins_every_declared_dependency_in_range(lock: str, declared: list[str]) -> None:
    """Each requirement of pyproject.toml is pinned in the lock at a version its range allows."""
    pinned = pins(lock)
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} does not pin {requirement.name}; regenerate it (README, Deployment)"
        assert requirement.specifier.contains(pinned[name][0], prereleases=True), (line, str(pinned[name][0]))


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-build.lock"])
def test_every_pin_carries_hashes(lock: str) -> None:
    """Every pinned package has at least one sha256 hash, so pip --require-hashes can check it."""
    pinned = pins(lock)
    assert pinned
    assert not [name for name, (_, hashes) in pinned.items() if hashes == 0]


def test_lock_names_no_index() -> None:
    """The locks carry no index or find-links line: where packages come from is the installer's setting."""
    for lock in ("requirements.lock", "requirements-build.lock"):
        text = (REPO / lock).read_text(encoding="utf-8")
        assert not re.search(r"^--(index-url|extra-index-url|find-links)", text, re.MULTILINE), lock


def test_unused_uvicorn_extras_stay_out() -> None:
    """The server is plain uvicorn: no reloader (watchfiles) and no WebSocket library in the image."""
    pinned = pins("requirements.lock")
    assert "uvicorn" in pinned
    assert not {"watchfiles", "websockets", "wsproto"} & set(pinned)
    assert not [line for line in PYPROJECT["project"]["dependencies"] if line.startswith("uvicorn[")]
