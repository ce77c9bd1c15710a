"""The committed clients (clients/python, clients/typescript) match the spec and work against uvicorn."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.criteria import Catalog
from service.settings import default_criteria_dir

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "openapi" / "openapi.json"
CLIENTS = REPO / "clients"
BUNDLE = REPO / "tests" / "cases" / "bundles" / "hbv_decompensated_baseline.json"
AS_OF = "2026-11-22"
PACKAGE = "trialmatch_client"
BIN = "Scripts" if os.name == "nt" else "bin"

# Runs in the fresh venv with -I, so only the installed package can be imported.
CLIENT_SCRIPT = """
import datetime, json, sys
import trialmatch_client
from trialmatch_client import Client
from trialmatch_client.api.matching import match_patient, match_patient_fhir
from trialmatch_client.api.service import health
from trialmatch_client.api.trials import list_trials
from trialmatch_client.models import (
    FhirBundle, Health, MatchParameters, MatchResponse, OperationOutcome, PatientBundle, TrialList
)

base_url, bundle_path, day = sys.argv[1:4]
as_of = datetime.date.fromisoformat(day)
with open(bundle_path, encoding="utf-8") as handle:
    raw = json.load(handle)
body = PatientBundle.from_dict(raw)
items = [{"name": "resource", "resource": raw}, {"name": "count", "valueInteger": 2}]
parameters = MatchParameters.from_dict({"resourceType": "Parameters", "parameter": items})
with Client(base_url=base_url, raise_on_unexpected_status=True, timeout=30) as client:
    up = health.sync_detailed(client=client)
    listed = list_trials.sync_detailed(client=client)
    matched = match_patient.sync_detailed(client=client, body=body, as_of=as_of)
    refused = match_patient.sync_detailed(client=client, body=body, as_of=datetime.date(1800, 1, 1))
    operation = match_patient_fhir.sync_detailed(client=client, body=parameters, as_of=as_of)
assert isinstance(up.parsed, Health), up.content
assert isinstance(listed.parsed, TrialList), listed.content
assert isinstance(matched.parsed, MatchResponse), matched.content
assert isinstance(refused.parsed, OperationOutcome), refused.content
assert isinstance(operation.parsed, FhirBundle), operation.content
found = [e["resource"] for e in operation.parsed.to_dict()["entry"]]
studies = [r for r in found if r["resourceType"] == "ResearchStudy"]
value = lambda item: getattr(item, "value", item)
print(json.dumps({
    "package": trialmatch_client.__file__,
    "health": [up.status_code, value(up.parsed.status), up.parsed.trials],
    "trials": [listed.status_code, [t.id for t in listed.parsed.trials]],
    "match": [
        matched.status_code,
        matched.parsed.as_of.isoformat(),
        [[r.rank, r.trial.id, value(r.status), len(r.criteria)] for r in matched.parsed.results],
    ],
    "refused": [refused.status_code, value(refused.parsed.resource_type)],
    "scores": [type(matched.parsed.scores).__name__, type(matched.parsed.scores.child_pugh).__name__],
    "parameters": [operation.status_code, value(operation.parsed.type_), [s["id"] for s in studies]],
}))
"""


def run(command: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command, failing the test with its output if it fails."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command[:4])} ... exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tree(root: Path) -> dict[str, bytes]:
    """Return every file under a directory by relative path, leaving out build and cache output."""
    skipped = {"__pycache__", "node_modules", "dist", "build"}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not skipped & set(path.relative_to(root).parts) and ".egg-info" not in str(path)
    }


def generate_python(output: Path) -> None:
    """Generate the Python client from the committed spec the way clients/generate does."""
    generator = Path(sys.executable).with_name("openapi-python-client")
    options = ["--meta", "setup", "--config", str(CLIENTS / "generator-python.json"), "--fail-on-warning"]
    run([str(generator), "generate", "--path", str(SPEC), "--output-path", str(output), *options], timeout=120)


def node_tools() -> Path:
    """Return clients/typescript/node_modules/.bin, skipping when npm ci has not run (failing in CI)."""
    tools = CLIENTS / "typescript" / "node_modules" / ".bin"
    if not (tools / "tsc").exists() or shutil.which("node") is None:
        if os.environ.get("TRIALMATCH_REQUIRE_NODE") == "1":
            pytest.fail("node or clients/typescript/node_modules is missing; .ci/run installs them")
        pytest.skip("node or clients/typescript/node_modules missing (cd clients/typescript && npm ci)")
    return tools


def test_committed_python_client_matches_the_spec(tmp_path: Path) -> None:
    """clients/python is exactly what the generator makes of openapi/openapi.json (run clients/generate)."""
    generate_python(tmp_path / "python")
    assert tree(tmp_path / "python") == tree(CLIENTS / "python"), "clients/python drifted: run clients/generate"


def test_committed_typescript_client_matches_the_spec(tmp_path: Path) -> None:
    """clients/typescript/src is exactly what the generator makes of openapi/openapi.json (run clients/generate)."""
    tools = node_tools()
    options = ["--input", str(SPEC), "--output", str(tmp_path / "src"), "--client", "fetch", "--useOptions"]
    run([str(tools / "openapi"), *options], timeout=120)
    committed = CLIENTS / "typescript" / "src"
    assert tree(tmp_path / "src") == tree(committed), "clients/typescript drifted: run clients/generate"


@pytest.fixture
def client_python(tmp_path: Path) -> Path:
    """Install the committed Python client in a fresh venv and return that venv's python."""
    project = tmp_path / "client"
    shutil.copytree(CLIENTS / "python", project, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=60)
    python = venv / BIN / "python"
    run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(project)], timeout=120)
    return python


@pytest.fixture
def service_url(tmp_path: Path) -> Iterator[str]:
    """Start the service with uvicorn on a free loopback port and the real catalogue; stop it after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "TRIALMATCH_CRITERIA_DIR": str(default_criteria_dir()), "TRIALMATCH_API_KEY_HASHES": ""}
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("w", encoding="utf-8") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "service.main:app", "--port", str(port), "--host", "127.0.0.1"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120  # start-up takes 40-50 s on a loaded 2-core machine
            while True:
                if server.poll() is not None:
                    pytest.fail(f"uvicorn exited {server.returncode}:\n{log_path.read_text(encoding='utf-8')}")
                try:
                    if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"uvicorn did not answer /health in 120 s:\n{log_path.read_text(encoding='utf-8')}")
                time.sleep(0.2)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def test_generated_client_calls_health_trials_and_match(
    client_python: Path, service_url: str, catalog: Catalog, tmp_path: Path
) -> None:
    """The generated client parses /health, /trials, a ranked /match report and an OperationOutcome error."""
    done = run(
        [str(client_python), "-I", "-c", CLIENT_SCRIPT, service_url, str(BUNDLE), AS_OF], timeout=60, cwd=tmp_path
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(answer["package"]).is_relative_to(client_python.parent.parent), "client not imported from the venv"
    trial_ids = sorted(catalog.trials)
    assert answer["health"] == [200, "ok", len(trial_ids)]
    status, listed = answer["trials"]
    assert status == 200
    assert sorted(listed) == trial_ids
    status, as_of, results = answer["match"]
    assert (status, as_of) == (200, AS_OF)
    assert [rank for rank, *_ in results] == list(range(1, len(trial_ids) + 1))
    assert sorted(trial for _, trial, _, _ in results) == trial_ids
    assert {verdict for _, _, verdict, _ in results} <= {"eligible", "possibly_eligible", "ineligible"}
    assert all(criteria > 0 for *_, criteria in results)
    assert answer["refused"] == [400, "OperationOutcome"]
    assert answer["scores"] == ["Scores", "ScoreOut"]  # one typed field per score
    # $match with a Parameters body (MatchParameters): count=2 keeps the two best trials, in rank order.
    assert answer["parameters"] == [200, "searchset", [trial for _, trial, _, _ in results[:2]]]


def test_typescript_client_compiles_and_calls_the_service(service_url: str, catalog: Catalog, tmp_path: Path) -> None:
    """The TypeScript client, compiled with tsc and run with node, parses /health, /trials, /match and an error."""
    tools = node_tools()
    project = CLIENTS / "typescript"
    run([str(tools / "tsc"), "-p", str(project / "tsconfig.json"), "--outDir", str(tmp_path / "dist")], timeout=180)
    script = tmp_path / "dist" / "examples" / "smoke.js"
    done = run(["node", str(script), service_url, str(BUNDLE), AS_OF], timeout=60, cwd=tmp_path)
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    trial_ids = sorted(catalog.trials)
    assert answer["health"] == ["ok", len(trial_ids)]
    assert sorted(answer["trials"]) == trial_ids
    as_of, results = answer["match"]
    assert as_of == AS_OF
    assert [rank for rank, *_ in results] == list(range(1, len(trial_ids) + 1))
    assert {status for _, _, status, _ in results} <= {"eligible", "possibly_eligible", "ineligible"}
    assert all(criteria > 0 for *_, criteria in results)
    assert answer["refused"] == [400, "OperationOutcome"]
    # $match with a Parameters body: count=2 keeps the two best trials, in rank order.
    assert answer["parameters"] == ["searchset", [trial for _, trial, _, _ in results[:2]]]
