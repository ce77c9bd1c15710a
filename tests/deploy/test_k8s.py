"""The Kubernetes manifests validate against the API schema and fit together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes_validate.utils import ValidationError, validate

K8S_DIR = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
# A release kubernetes-validate ships schemas for; strict mode rejects unknown fields.
KUBERNETES_VERSION = "1.34.0"
# S108: this is the container's temp directory named in the manifest, not a file the test opens.
CONTAINER_TMP = "/tmp"  # noqa: S108

Manifest = dict[str, Any]


def kustomization() -> Manifest:
    """Return the parsed kustomization.yaml."""
    document: Manifest = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text("utf-8"))
    return document


def load(name: str) -> list[Manifest]:
    """Return the non-empty documents of one manifest file."""
    text = (K8S_DIR / name).read_text(encoding="utf-8")
    return [document for document in yaml.safe_load_all(text) if document]


RESOURCE_FILES: list[str] = kustomization()["resources"]


def only(kind: str) -> Manifest:
    """Return the single manifest of this kind among the kustomization's resources."""
    found = [doc for name in RESOURCE_FILES for doc in load(name) if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def deployment() -> Manifest:
    """Return the Deployment."""
    return only("Deployment")


@pytest.fixture(scope="module")
def pod(deployment: Manifest) -> Manifest:
    """Return the Deployment's pod template."""
    template: Manifest = deployment["spec"]["template"]
    return template


@pytest.fixture(scope="module")
def container(pod: Manifest) -> Manifest:
    """Return the pod's only container."""
    containers: list[Manifest] = pod["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def container_port(container: Manifest, port: int | str) -> int:
    """Resolve a probe's or Service's port, numeric or named, to the container port number."""
    if isinstance(port, int):
        return port
    return int(next(p["containerPort"] for p in container["ports"] if p.get("name") == port))


def test_kustomization_lists_every_manifest() -> None:
    """kustomization.yaml lists exactly the manifest files in deploy/k8s."""
    on_disk = {p.name for p in K8S_DIR.glob("*.y*ml")} - {"kustomization.yaml"}
    assert sorted(RESOURCE_FILES) == sorted(on_disk)
    assert set(RESOURCE_FILES) == {"deployment.yaml", "service.yaml", "hpa.yaml"}


@pytest.mark.parametrize("name", RESOURCE_FILES)
def test_manifest_validates_strictly(name: str) -> None:
    """Every document in the file validates against the pinned Kubernetes API schema."""
    documents = load(name)
    assert documents
    for document in documents:
        try:
            validated = validate(document, KUBERNETES_VERSION, strict=True)
        except ValidationError as error:
            where = ".".join(str(part) for part in error.path)
            pytest.fail(f"{name}: {where}: {error.message}")
        assert validated == "1.34"


def test_kustomization_image_names_the_container_image(container: Manifest) -> None:
    """The kustomization's image override names the image the container runs."""
    names = {image["name"] for image in kustomization().get("images", [])}
    assert container["image"].rsplit(":", 1)[0] in names


@pytest.mark.parametrize("probe", ["readinessProbe", "livenessProbe"])
def test_probes_ask_health_on_port_8000(container: Manifest, probe: str) -> None:
    """Readiness and liveness probes are HTTP GETs of /health on the service port."""
    get = container[probe]["httpGet"]
    assert get["path"] == "/health"
    assert container_port(container, get["port"]) == 8000


def test_startup_probe_if_any_asks_health(container: Manifest) -> None:
    """A startup probe, when present, also asks /health, so no probe needs another route."""
    probe = container.get("startupProbe")
    if probe is not None:
        assert probe["httpGet"]["path"] == "/health"
        assert container_port(container, probe["httpGet"]["port"]) == 8000


def test_deployment_scales_by_replicas_with_one_worker(deployment: Manifest, container: Manifest) -> None:
    """Three replicas, each running a single uvicorn worker."""
    assert deployment["spec"]["replicas"] == 3
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["TRIALMATCH_WORKERS"] == "1"
    assert env["TRIALMATCH_CRITERIA_DIR"] == "/app/criteria"
    assert container_port(container, "http") == 8000


def test_pod_is_non_root_with_read_only_root(pod: Manifest, container: Manifest) -> None:
    """The pod runs as non-root, read-only, with no privilege escalation or capabilities."""
    pod_security = pod["spec"].get("securityContext", {})
    security = container["securityContext"]
    assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod_security.get("runAsUser", security.get("runAsUser", 1)) != 0


def test_tmp_is_a_writable_empty_dir(pod: Manifest, container: Manifest) -> None:
    """The container's temp directory is an emptyDir volume, its only writable path."""
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert "emptyDir" in volumes[mounts[CONTAINER_TMP]]


def test_container_has_requests_and_limits(container: Manifest) -> None:
    """CPU and memory have requests (the HPA's baseline) and limits."""
    resources = container["resources"]
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(resources[bound]), bound


def test_selectors_match_pod_labels(deployment: Manifest, pod: Manifest) -> None:
    """The Deployment's and the Service's selectors both select the pod template's labels."""
    labels = pod["metadata"]["labels"]
    service = only("Service")
    for selector in (deployment["spec"]["selector"]["matchLabels"], service["spec"]["selector"]):
        assert selector
        assert selector.items() <= labels.items()


def test_service_maps_port_80_to_8000(container: Manifest) -> None:
    """The ClusterIP Service forwards port 80 to the container's port 8000."""
    service = only("Service")
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    [port] = service["spec"]["ports"]
    assert port["port"] == 80
    assert container_port(container, port["targetPort"]) == 8000


def test_hpa_scales_the_deployment_on_cpu(deployment: Manifest) -> None:
    """The autoscaling/v2 HPA targets the Deployment by name, 2 to 10 replicas at 70% CPU."""
    hpa = only("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    assert target["name"] == deployment["metadata"]["name"]
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource"
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}


def test_pods_are_annotated_for_scraping(pod: Manifest, container: Manifest) -> None:
    """The pod template tells Prometheus to scrape /metrics on the container's HTTP port."""
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/path"] == "/metrics"
    assert int(annotations["prometheus.io/port"]) == container_port(container, "http")
