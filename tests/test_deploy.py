"""The deployment files, checked statically (no Docker engine or cluster runs here): they parse,
every setting and flag they pass is one the CLI reads, and images, ports and paths agree across
the Dockerfiles, the compose file, the Kubernetes manifests and the Prometheus configuration."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from backends.diffusers_backend import DiffusersBackend
from backends.sd_server import create_sd_app
from proxy.app import create_app
from proxy.cli import _SD_SERVER_FIELDS, build_parser
from proxy.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
MANIFESTS = [
    doc
    for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
    for doc in yaml.safe_load_all(path.read_text())
    if doc
]
DOCKERFILES = {"proxy": DEPLOY / "Dockerfile", "sd-server": DEPLOY / "Dockerfile.sd-server"}
SETTINGS_ENV = {ENV_PREFIX + f.name.upper() for f in fields(Settings)}
SD_SERVER_ENV = {ENV_PREFIX + name.upper() for name in _SD_SERVER_FIELDS}
PROXY_PORT, SD_SERVER_PORT, QDRANT_PORT = 8080, 9000, 6333


def _manifest(kind: str, name: str) -> dict[str, Any]:
    found = [m for m in MANIFESTS if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def _containers() -> Iterator[tuple[str, dict[str, Any]]]:
    for manifest in MANIFESTS:
        if manifest["kind"] in ("Deployment", "StatefulSet"):
            for container in manifest["spec"]["template"]["spec"]["containers"]:
                yield manifest["metadata"]["name"], container


def _dockerfile(path: Path) -> dict[str, Any]:
    text = path.read_text().replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    return {
        "env": env,
        "expose": [int(p) for p in re.findall(r"^EXPOSE (\d+)", text, re.M)],
        "cmd": yaml.safe_load(re.search(r"^CMD (.+)$", text, re.M).group(1)),  # type: ignore[union-attr]
        "copies": re.findall(r"^COPY (.+) \S+$", text, re.M),
    }


def _env(service: str) -> dict[str, str]:
    return {k: str(v) for k, v in (COMPOSE["services"][service].get("environment") or {}).items()}


def _k8s_env(name: str) -> dict[str, str]:
    containers = [c for deployment, c in _containers() if deployment == name]
    return {e["name"]: str(e.get("value", "")) for e in containers[0].get("env", [])}


# ---------------------------------------------------------------------------- settings and flags


def test_every_memoaized_variable_is_a_setting_the_cli_reads() -> None:
    places: dict[str, set[str]] = {
        "compose proxy": set(_env("proxy")),
        "compose sd-server": set(_env("sd-server")),
        "k8s proxy": set(_k8s_env("memoaized-proxy")),
        "k8s sd-server": set(_k8s_env("sd-server")),
        "Dockerfile": set(_dockerfile(DOCKERFILES["proxy"])["env"]),
        "Dockerfile.sd-server": set(_dockerfile(DOCKERFILES["sd-server"])["env"]),
    }
    for place, names in places.items():
        ours = {n for n in names if n.startswith(ENV_PREFIX)}
        assert ours, f"{place} sets no MEMOAIZED_ variable"
        assert ours <= SETTINGS_ENV, f"{place}: {sorted(ours - SETTINGS_ENV)} are not settings"
        if "sd-server" in place:
            # sd-server reads only its own options; anything else would be silently ignored.
            assert ours <= SD_SERVER_ENV, f"{place}: {sorted(ours - SD_SERVER_ENV)}"


def test_every_command_is_a_cli_command() -> None:
    parser = build_parser()
    for service, path in DOCKERFILES.items():
        command = _dockerfile(path)["cmd"]
        assert command[0] == "memoaized" and command[1] == service.replace("proxy", "serve")
        parser.parse_args(command[1:])  # exits on an unknown command or flag
    for name, container in _containers():
        if container["image"].startswith("memoaized/"):
            parser.parse_args(container.get("args", ["serve"]))
            assert "command" not in container, name


def test_dockerfiles_copy_what_exists() -> None:
    for path in DOCKERFILES.values():
        for sources in _dockerfile(path)["copies"]:
            for source in sources.split():
                assert (REPO / source).exists(), f"{path.name}: COPY {source}"


# ---------------------------------------------------------------------------- images and ports


def test_images_agree_between_compose_and_kubernetes() -> None:
    compose_images = {s["image"] for s in COMPOSE["services"].values()}
    k8s_images = {c["image"] for _, c in _containers()}
    assert compose_images == k8s_images
    for image in compose_images:
        assert ":" in image and not image.endswith(":latest"), f"{image}: pin a version"
    version = re.search(r'^version = "(.+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert version is not None
    for image in ("memoaized/proxy", "memoaized/sd-server"):
        assert f"{image}:{version.group(1)}" in compose_images


def test_ports_agree_everywhere() -> None:
    proxy_docker = _dockerfile(DOCKERFILES["proxy"])
    sd_docker = _dockerfile(DOCKERFILES["sd-server"])
    assert proxy_docker["expose"] == [PROXY_PORT]
    assert proxy_docker["env"]["MEMOAIZED_PORT"] == str(PROXY_PORT)
    assert sd_docker["expose"] == [SD_SERVER_PORT]
    assert sd_docker["env"]["MEMOAIZED_PORT"] == str(SD_SERVER_PORT)
    assert f"{PROXY_PORT}:{PROXY_PORT}" in COMPOSE["services"]["proxy"]["ports"]
    upstream = f"http://sd-server:{SD_SERVER_PORT}/v1"
    qdrant = f"http://qdrant:{QDRANT_PORT}"
    for env in (_env("proxy"), _k8s_env("memoaized-proxy")):
        assert env["MEMOAIZED_UPSTREAM_URL"] == upstream
        assert env["MEMOAIZED_QDRANT_URL"] == qdrant
    ports = {
        name: {p["containerPort"] for p in container["ports"]} for name, container in _containers()
    }
    assert PROXY_PORT in ports["memoaized-proxy"]
    assert SD_SERVER_PORT in ports["sd-server"]
    assert QDRANT_PORT in ports["qdrant"]
    services = {
        m["metadata"]["name"]: {p["port"] for p in m["spec"]["ports"]}
        for m in MANIFESTS
        if m["kind"] == "Service"
    }
    assert PROXY_PORT in services["memoaized-proxy"] and SD_SERVER_PORT in services["sd-server"]
    assert QDRANT_PORT in services["qdrant"]
    annotations = _manifest("Deployment", "memoaized-proxy")["spec"]["template"]["metadata"]
    assert annotations["annotations"]["prometheus.io/port"] == str(PROXY_PORT)
    scrape = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    targets = scrape["scrape_configs"][0]["static_configs"][0]["targets"]
    assert targets == [f"proxy:{PROXY_PORT}"] and "proxy" in COMPOSE["services"]
    k8s_scrape = yaml.safe_load(
        _manifest("ConfigMap", "prometheus-config")["data"]["prometheus.yml"]
    )
    dns = k8s_scrape["scrape_configs"][0]["dns_sd_configs"][0]
    assert dns["port"] == PROXY_PORT and dns["names"] == ["memoaized-proxy-pods"]
    for config in (scrape, k8s_scrape):  # sd-server's own /metrics, at its Service's port
        sd_targets = config["scrape_configs"][1]["static_configs"][0]["targets"]
        assert sd_targets == [f"sd-server:{SD_SERVER_PORT}"] and "sd-server" in COMPOSE["services"]
    assert _manifest("Service", "memoaized-proxy-pods")["spec"]["clusterIP"] == "None"


def test_probes_ask_routes_that_exist(tmp_path: Path) -> None:
    proxy_paths = {route.path for route in create_app(Settings(data_dir=tmp_path)).routes}
    sd_paths = {route.path for route in create_sd_app(DiffusersBackend(model="/nowhere")).routes}
    for name, container in _containers():
        for probe in ("readinessProbe", "livenessProbe"):
            path = container[probe]["httpGet"]["path"]
            if name == "memoaized-proxy":
                assert path in proxy_paths, path
            elif name == "sd-server":
                assert path in sd_paths, path
    for service, paths in (("proxy", proxy_paths), ("sd-server", sd_paths)):
        test = " ".join(COMPOSE["services"][service]["healthcheck"]["test"])
        path = re.search(r"127\.0\.0\.1:\d+(/\w+)", test)
        assert path is not None and path.group(1) in paths, test


# ---------------------------------------------------------------------------- what each must have


def test_compose_services_have_healthchecks_and_persistent_volumes() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"proxy", "qdrant", "sd-server", "prometheus", "grafana"}
    named_volumes = set(COMPOSE["volumes"])
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        named = {v.split(":")[0] for v in service["volumes"] if not v.startswith((".", "$", "/"))}
        assert named and named <= named_volumes, f"{name}: {named}"
    gpu = services["sd-server"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and "gpu" in gpu["capabilities"]
    for service in services.values():
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source


def test_kubernetes_has_what_an_organisation_needs() -> None:
    proxy = _manifest("Deployment", "memoaized-proxy")
    hpa = _manifest("HorizontalPodAutoscaler", "memoaized-proxy")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "memoaized-proxy",
    }
    assert proxy["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    qdrant = _manifest("StatefulSet", "qdrant")
    assert qdrant["spec"]["volumeClaimTemplates"]
    sd = _manifest("Deployment", "sd-server")
    limits = sd["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == 1
    for name, container in _containers():
        assert "readinessProbe" in container and "livenessProbe" in container, name


def test_kubernetes_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    assert promtool, "`make test` installs Debian's prometheus package"
    config = _manifest("ConfigMap", "prometheus-config")["data"]["prometheus.yml"]
    rules = DEPLOY / "prometheus" / "alerts.yml"
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/rules/alerts.yml", str(rules))
    )
    checked = subprocess.run(
        [promtool, "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("path", sorted((DEPLOY / "k8s").glob("*.yaml")), ids=lambda p: p.name)
def test_manifests_are_well_formed(path: Path) -> None:
    for doc in yaml.safe_load_all(path.read_text()):
        assert {"apiVersion", "kind", "metadata"} <= set(doc), path.name
        assert doc["metadata"]["name"]
