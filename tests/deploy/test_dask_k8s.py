"""The Dask manifests (scheduler, workers, screening job, shared volume) validate and fit together."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate.utils import ValidationError, validate

from tests.deploy.test_dockerfile import hadolint_executable

ROOT = Path(__file__).resolve().parents[2]
DASK_DIR = ROOT / "deploy" / "dask"
KUBERNETES_VERSION = "1.34.0"

Manifest = dict[str, Any]


def _kustomization() -> Manifest:
    document: Manifest = yaml.safe_load((DASK_DIR / "kustomization.yaml").read_text("utf-8"))
    return document


FILES: list[str] = _kustomization()["resources"]


def _documents() -> list[Manifest]:
    return [d for name in FILES for d in yaml.safe_load_all((DASK_DIR / name).read_text("utf-8")) if d]


def _one(kind: str, component: str) -> Manifest:
    found = [
        d
        for d in _documents()
        if d["kind"] == kind and d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    assert len(found) == 1, (kind, component)
    return found[0]


def _container(workload: Manifest) -> Manifest:
    [container] = workload["spec"]["template"]["spec"]["containers"]
    result: Manifest = container
    return result


def test_kustomization_lists_every_manifest() -> None:
    """kustomization.yaml lists exactly the manifest files in deploy/dask."""
    on_disk = {p.name for p in DASK_DIR.glob("*.y*ml")} - {"kustomization.yaml"}
    assert sorted(FILES) == sorted(on_disk)


@pytest.mark.parametrize("name", FILES)
def test_manifest_validates_strictly(name: str) -> None:
    """Every document validates against the pinned Kubernetes API schema (no CRD is used)."""
    for document in yaml.safe_load_all((DASK_DIR / name).read_text("utf-8")):
        if not document:
            continue
        try:
            validate(document, KUBERNETES_VERSION, strict=True)
        except ValidationError as error:
            pytest.fail(f"{name}: {'.'.join(str(p) for p in error.path)}: {error.message}")


def test_workers_and_job_reach_the_scheduler_service() -> None:
    """Workers and the job name the scheduler Service's DNS name and comm port, which the scheduler listens on."""
    service = _one("Service", "dask-scheduler")
    scheduler = _container(_one("Deployment", "dask-scheduler"))
    [comm] = [p for p in service["spec"]["ports"] if p["name"] == "comm"]
    address = f"tcp://{service['metadata']['name']}:{comm['port']}"
    assert "--port" in scheduler["command"] and str(comm["port"]) in scheduler["command"]
    assert (
        service["spec"]["selector"].items()
        <= _one("Deployment", "dask-scheduler")["spec"]["template"]["metadata"]["labels"].items()
    )
    worker = _container(_one("Deployment", "dask-worker"))
    assert worker["command"][:3] == ["dask", "worker", address]
    job = _container(_one("Job", "screen-job"))
    assert job["command"][:2] == ["trialmatch", "screen"]
    assert job["command"][job["command"].index("--scheduler") + 1] == address


def test_workers_and_job_share_one_read_write_many_volume_for_source_and_outputs() -> None:
    """The export, the work folder and the outputs live on one RWX claim mounted at the same path everywhere."""
    claim = _one("PersistentVolumeClaim", "screen-data")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    mounts = {}
    for kind, component in (("Deployment", "dask-worker"), ("Job", "screen-job")):
        workload = _one(kind, component)
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        [mount] = [m for m in _container(workload)["volumeMounts"] if "persistentVolumeClaim" in volumes[m["name"]]]
        assert volumes[mount["name"]]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        mounts[component] = mount["mountPath"]
    assert mounts["dask-worker"] == mounts["screen-job"]
    command = _container(_one("Job", "screen-job"))["command"]
    source, out = command[2], command[command.index("--out") + 1]
    assert source.startswith(mounts["screen-job"] + "/") and out.startswith(mounts["screen-job"] + "/")


def test_one_thread_per_worker_process_and_same_catalogue() -> None:
    """Each worker is one single-threaded process (CPU-bound Python) reading the image's catalogue, as the job does."""
    worker = _container(_one("Deployment", "dask-worker"))
    command = worker["command"]
    assert command[command.index("--nthreads") + 1] == "1"
    assert command[command.index("--nworkers") + 1] == "1"
    env = {e["name"]: e["value"] for e in worker["env"]}
    job_env = {e["name"]: e["value"] for e in _container(_one("Job", "screen-job"))["env"]}
    assert env["TRIALMATCH_CRITERIA_DIR"] == job_env["TRIALMATCH_CRITERIA_DIR"] == "/app/criteria"


@pytest.mark.parametrize(
    ("kind", "component"), [("Deployment", "dask-scheduler"), ("Deployment", "dask-worker"), ("Job", "screen-job")]
)
def test_pods_are_non_root_read_only_with_limits(kind: str, component: str) -> None:
    """Every pod runs non-root with a read-only root, no privilege escalation, /tmp as emptyDir, requests and limits."""
    workload = _one(kind, component)
    pod = workload["spec"]["template"]["spec"]
    container = _container(workload)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}["/tmp"]  # noqa: S108
    assert "emptyDir" in volumes[tmp]
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    assert container["image"].split(":")[0] in {i["name"] for i in _kustomization()["images"]}


def test_screen_image_installs_the_screen_extra_as_pinned_in_pyproject() -> None:
    """deploy/dask/Dockerfile installs exactly the requirement strings of the `screen` extra."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]["screen"]
    text = (DASK_DIR / "Dockerfile").read_text("utf-8")
    installed = re.findall(r'"([^"]+)"', text.split("pip install", 1)[1].splitlines()[0])
    assert installed == extra


def test_screen_dockerfile_passes_hadolint(tmp_path: Path) -> None:
    """Hadolint reports nothing on deploy/dask/Dockerfile."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [hadolint_executable(), "--no-color", "--format", "json", str(DASK_DIR / "Dockerfile")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
        check=False,
    )
    assert json.loads(done.stdout) == [], done.stdout
