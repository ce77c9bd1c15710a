"""docker-compose.yml runs the image hardened and wired to its catalogue and health check."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
# S108: this is the container's temp directory named in the file, not a file the test opens.
CONTAINER_TMP = "/tmp"  # noqa: S108


@pytest.fixture(scope="module")
def service() -> dict[str, Any]:
    """Return the trialmatch service definition from docker-compose.yml."""
    document = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert "version" not in document, "the top-level version key is obsolete in Compose"
    services: dict[str, Any] = document["services"]
    assert list(services) == ["trialmatch"]
    return dict(services["trialmatch"])


def environment(service: dict[str, Any]) -> dict[str, str]:
    """Return the service's environment as a mapping, whichever syntax the file uses."""
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {str(key): str(value) for key, value in env.items()}


def test_service_is_built_from_the_repository_dockerfile(service: dict[str, Any]) -> None:
    """The service builds the repository's Dockerfile from the repository root."""
    build = service["build"]
    assert (REPO / build["context"]).resolve() == REPO
    assert (REPO / build.get("dockerfile", "Dockerfile")).resolve() == REPO / "Dockerfile"


def test_port_8000_is_published(service: dict[str, Any]) -> None:
    """Container port 8000 is published to host port 8000, written as a quoted string."""
    published = []
    for port in service["ports"]:
        if isinstance(port, dict):
            published.append((str(port.get("published")), str(port["target"])))
        else:
            # Unquoted "8000:8000" is a YAML 1.1 base-60 integer; the file must quote it.
            assert isinstance(port, str), f"port {port!r} is not a string"
            parts = re.sub(r"/(tcp|udp)$", "", port).split(":")
            published.append((parts[-2], parts[-1]))
    assert ("8000", "8000") in published


def test_environment_points_at_the_image_catalogue(service: dict[str, Any]) -> None:
    """The environment sets the TRIALMATCH_* variables, the catalogue at /app/criteria."""
    env = environment(service)
    assert env["TRIALMATCH_CRITERIA_DIR"] == "/app/criteria"
    assert env["TRIALMATCH_HOST"] == "0.0.0.0"
    assert env["TRIALMATCH_PORT"] == "8000"
    assert {"TRIALMATCH_WORKERS", "TRIALMATCH_LOG_LEVEL", "TRIALMATCH_LOG_FORMAT"} <= set(env)
    assert all(key.startswith("TRIALMATCH_") for key in env)


def test_healthcheck_calls_health(service: dict[str, Any]) -> None:
    """The health check asks /health and is not disabled."""
    check = service["healthcheck"]
    assert not check.get("disable", False)
    test = check["test"]
    if isinstance(test, list):
        assert test[0] in {"CMD", "CMD-SHELL"}
        command = " ".join(test[1:])
    else:
        command = test
    assert re.search(r"/health(?![\w/-])", command)
    assert "curl" not in command and "wget" not in command


def test_container_is_locked_down(service: dict[str, Any]) -> None:
    """Root filesystem read-only, /tmp a tmpfs, no new privileges, no capabilities."""
    assert service["read_only"] is True
    tmpfs = service["tmpfs"]
    mounts = [tmpfs] if isinstance(tmpfs, str) else tmpfs
    assert any(mount.split(":")[0] == CONTAINER_TMP for mount in mounts)
    assert "no-new-privileges:true" in service["security_opt"]
    assert service["cap_drop"] == ["ALL"]
    assert "cap_add" not in service
    assert not service.get("privileged", False)


def test_container_restarts_after_a_failure(service: dict[str, Any]) -> None:
    """A restart policy other than "no" brings the service back after a crash."""
    assert re.fullmatch(r"always|unless-stopped|on-failure(:\d+)?", service["restart"])
