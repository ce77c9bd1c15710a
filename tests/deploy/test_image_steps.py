"""The image's recipe, replayed without Docker: build the wheel, install it, serve, match."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
# What the Dockerfile's builder stage copies from the context to build the wheel.
BUILD_INPUTS = ("pyproject.toml", "README.md", "service")
STARTUP_SECONDS = 60

pytestmark = pytest.mark.slow
STATUSES = {"eligible", "possibly_eligible", "ineligible"}

PATIENT_ID = "0b8f2e6c-1d5e-4d0a-9a55-2f1f3c6c7a10"
CONDITION_ID = "5d3c7a41-8f0e-4a8e-b2a4-0f0c1b9b6c21"
BILIRUBIN_ID = "9e4a2b17-3c6d-4f5e-8a1b-7d2c0e9f4b32"


def small_bundle() -> dict[str, Any]:
    """Return a collection Bundle: a man born 1970, chronic hepatitis B, one bilirubin."""
    patient_ref = {"reference": f"urn:uuid:{PATIENT_ID}"}
    patient = {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "gender": "male",
        "birthDate": "1970-01-01",
    }
    condition = {
        "resourceType": "Condition",
        "id": CONDITION_ID,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10-cm",
                    "code": "B18.1",
                    "display": "Chronic viral hepatitis B without delta-agent",
                }
            ]
        },
        "subject": patient_ref,
    }
    bilirubin = {
        "resourceType": "Observation",
        "id": BILIRUBIN_ID,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": "http://loinc.org",
                    "code": "1975-2",
                    "display": "Bilirubin.total [Mass/volume] in Serum or Plasma",
                }
            ]
        },
        "subject": patient_ref,
        "effectiveDateTime": "2026-11-01",
        "valueQuantity": {
            "value": 1.2,
            "unit": "mg/dL",
            "system": "http://unitsofmeasure.org",
            "code": "mg/dL",
        },
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
            for resource in (patient, condition, bilirubin)
        ],
    }


def clean_environment() -> dict[str, str]:
    """Return this process's environment without anything that could leak the repo in."""
    # PIP_* stays: it is how this machine reaches the package index.
    dropped = ("TRIALMATCH_", "PYTHON", "VIRTUAL_ENV")
    env = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    return env


def run(command: list[str], cwd: Path, timeout: float) -> None:
    """Run a build step, failing the test with its output when it fails."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"


def free_port() -> int:
    """Return a loopback TCP port that nothing is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the build inputs and install it into a fresh venv."""
    root = tmp_path_factory.mktemp("image")
    source = root / "src"
    source.mkdir()
    for name in BUILD_INPUTS:
        origin = REPO / name
        assert origin.exists(), f"the Dockerfile copies {name}, which is missing"
        if origin.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(origin, source / name, ignore=ignore)
        else:
            shutil.copy2(origin, source / name)

    venv = root / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=root, timeout=120)
    python = str(venv / "bin" / "python")
    dist = root / "dist"
    run([python, "-m", "pip", "wheel", "--no-deps", "-w", str(dist), str(source)], root, 300)
    [wheel] = dist.glob("trialmatch-*.whl")
    run([python, "-m", "pip", "install", str(wheel)], cwd=root, timeout=600)
    shutil.rmtree(source)
    return venv


@pytest.fixture
def server(installed: Path, tmp_path: Path) -> Iterator[str]:
    """Start ``trialmatch serve`` from the venv, outside the repo, and yield its base URL."""
    criteria = tmp_path / "criteria"
    shutil.copytree(REPO / "criteria", criteria)
    port = free_port()
    env = clean_environment()
    env.update(
        TRIALMATCH_HOST="127.0.0.1",
        TRIALMATCH_PORT=str(port),
        TRIALMATCH_WORKERS="2",
        TRIALMATCH_CRITERIA_DIR=str(criteria),
        TRIALMATCH_LOG_FORMAT="json",
    )
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(installed / "bin" / "trialmatch"), "serve"],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log_path)
        yield base
    finally:
        stop(process)


def wait_until_healthy(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Poll /health until it answers 200, failing if the server dies or the time runs out."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            error.close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    pytest.fail(f"/health not ready in {STARTUP_SECONDS} s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server gracefully, then kill its process group if it does not exit."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def test_installed_package_comes_from_the_venv(installed: Path, tmp_path: Path) -> None:
    """Outside the repository, ``import service`` resolves to the installed wheel."""
    done = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import service; print(service.__file__)"],
        cwd=tmp_path,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_wheel_serves_health_and_match(server: str) -> None:
    """The installed wheel plus a copied catalogue answers /health and matches a bundle."""
    with urllib.request.urlopen(f"{server}/health", timeout=10) as response:
        health = json.load(response)
    assert health["status"] == "ok"
    trials = len(list((REPO / "criteria" / "trials").glob("*.yaml")))
    assert health["trials"] == trials

    request = urllib.request.Request(
        f"{server}/match?asOf=2026-11-22",
        data=json.dumps(small_bundle()).encode(),
        headers={"Content-Type": "application/fhir+json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, report = response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            body = error.read().decode(errors="replace")
        pytest.fail(f"POST /match answered {error.code}: {body}")
    assert status == 200
    results = report["results"]
    assert len(results) == trials
    assert len({result["trial"]["id"] for result in results}) == trials
    assert all(result["status"] in STATUSES for result in results), results


def requests_counted(base: str, route: str) -> float:
    """Scrape /metrics and return the number of GET requests to a route template answered 200."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    prefix = "trialmatch_http_requests_total{"
    wanted = {f'route="{route}"', 'method="GET"', 'status="200"'}
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(prefix) and wanted <= set(line[len(prefix) : line.index("}")].split(","))
    )


def test_serve_writes_json_lines_and_any_worker_counts_all(server: str, tmp_path: Path) -> None:
    """With two workers and JSON logs, every output line is JSON (uvicorn's too) and each scrape sums both workers."""
    for _ in range(3):
        with urllib.request.urlopen(f"{server}/trials", timeout=10) as response:
            assert response.status == 200
    # Connections are not reused, so the scrapes land on either worker; each must see all three.
    assert [requests_counted(server, "/trials") for _ in range(6)] == [3.0] * 6
    lines = [line for line in (tmp_path / "server.log").read_text().splitlines() if line.strip()]
    loggers = [json.loads(line)["logger"] for line in lines]  # raises on a line that is not JSON
    assert "uvicorn.error" in loggers and "trialmatch.access" in loggers
    assert "uvicorn.access" not in loggers, "uvicorn's access log (client address, query string) is on"
