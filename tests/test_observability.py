"""The dashboards and alerts against a real Prometheus (Debian's package, which ``make test``
installs) scraping live proxies that the official SDK drives through misses, hits, a verifier
rejection and backend failures.

Grafana itself is not run (it has no package in the registries reachable here): its files are
checked for what Grafana would load, and every query in them runs on Prometheus.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml
from openai import OpenAI

from tests.conftest import LiveServer, serve_tiny
from tests.ports import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DASHBOARDS = sorted((REPO / "grafana" / "dashboards").glob("*.json"))
ALERTS = REPO / "deploy" / "prometheus" / "alerts.yml"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
# What Grafana puts in place of its variables when it runs a query.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "5m", "$carbon_intensity": "475"}


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} not found: `make test` installs Debian's prometheus package"
    return path


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL) of every panel target of every dashboard."""
    queries = []
    for path in DASHBOARDS:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel["targets"]:
                queries.append((f"{path.name}: {panel['title']}", target["expr"]))
    return queries


def alert_queries() -> list[tuple[str, str]]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [(rule["alert"], rule["expr"]) for group in rules["groups"] for rule in group["rules"]]


def _grafana_to_promql(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable this test does not know: {expr}"
    return expr


def _distinct_prompts(count: int) -> list[str]:
    """Prompts that all miss: each asks for a different number of apples, which the verifier
    never serves from another's image."""
    return [f"{n} red apples on a wooden table" for n in range(2, count + 2)]


@contextlib.contextmanager
def _prometheus(config: Path, data: Path) -> Iterator[str]:
    port = free_port()
    log = (data / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            _tool("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={data / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (data / "prometheus.log").read_text()
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if httpx.get(url + "/-/ready", timeout=1).status_code == 200:
                    break
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def observed(
    module_servers: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
    tiny_model_dir: Path,
) -> Iterator[dict[str, Any]]:
    """Prometheus scraping two proxies every second: one generating with the tiny pipeline, one
    whose upstream is down. Yields once both have served their traffic and been scraped."""
    work = tmp_path_factory.mktemp("observability")
    proxy = module_servers(
        *serve_tiny(work / "proxy", tiny_model_dir, "--stats-seconds", "1"), wait=False
    )
    failing = module_servers(
        "serve",
        "--data-dir", str(work / "failing"),
        "--backend", "openai",
        "--upstream-url", f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
        "--upstream-retries", "0",
        wait=False,
    )  # fmt: skip
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(ALERTS)]
    config["scrape_configs"] = [
        {
            "job_name": "memoaized",
            "static_configs": [
                {"targets": [s.url.removeprefix("http://") for s in (proxy, failing)]}
            ],
        }
    ]
    config_path = work / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    # Prometheus starts while the proxies load: its first scrape waits out a 5 s discovery delay.
    with _prometheus(config_path, work) as prometheus:
        proxy.wait()
        failing.wait()
        # Traffic starts once both proxies have been scraped, so every counter's first sample
        # is its value before the traffic (else rate() would miss the early requests).
        _wait_for(prometheus, lambda: len(_query(prometheus, "up == 1")) == 2)
        with OpenAI(base_url=proxy.url + "/v1", api_key="unused", max_retries=0) as client:
            # Many misses and two hits: the hit ratio is low enough for its alert to fire.
            for prompt in _distinct_prompts(60):
                client.images.generate(prompt=prompt, size="64x64")
            client.images.generate(prompt="a dog chasing a cat", size="64x64")
            client.images.generate(prompt="a cat chasing a dog", size="64x64")  # verifier: no
            client.images.generate(prompt="a dog chasing a cat", size="64x64")  # exact hit
            client.images.generate(prompt="A dog is chasing a cat.", size="64x64")  # semantic
        with OpenAI(base_url=failing.url + "/v1", api_key="unused", max_retries=0) as client:
            for attempt in range(10):
                with pytest.raises(openai.InternalServerError):
                    client.images.generate(prompt=f"a red barn, take {attempt}", size="256x256")
        done = time.time()
        # ...and is over once both have been scraped twice since, and the rules evaluated.
        _wait_for(
            prometheus,
            lambda: all(
                float(sample["value"][1]) > done + 1
                for sample in _query(prometheus, "timestamp(up)")
            ),
        )
        time.sleep(2)
        yield {"prometheus": prometheus, "proxy": proxy}


def _wait_for(prometheus: str, condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"Prometheus at {prometheus} never got there"
        time.sleep(0.2)


def _query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    answer = httpx.get(prometheus + "/api/v1/query", params={"query": promql}, timeout=10).json()
    assert answer["status"] == "success", answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def test_promtool_checks_the_rules_and_the_config(tmp_path: Path) -> None:
    rules = subprocess.run(
        [_tool("promtool"), "check", "rules", str(ALERTS)], capture_output=True, text=True
    )
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert "SUCCESS: 2 rules found" in rules.stdout
    # The config names the rules where the compose file mounts them; check it with the
    # repository's copy in that place.
    config = PROMETHEUS_CONFIG.read_text().replace("/etc/prometheus/alerts.yml", str(ALERTS))
    (tmp_path / "prometheus.yml").write_text(config)
    checked = subprocess.run(
        [_tool("promtool"), "check", "config", str(tmp_path / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(("where", "expr"), dashboard_queries() + alert_queries())
def test_every_query_returns_data(observed: dict[str, Any], where: str, expr: str) -> None:
    """Each dashboard panel's query, and each alert's condition, over the traffic above. The
    alerts' conditions hold: 10 failed generations in about 90 attempts, and 2 hits in 84
    requests."""
    result = _query(observed["prometheus"], _grafana_to_promql(expr))
    if not result:
        counts = _query(observed["prometheus"], "sum by (outcome) (memoaized_requests_total)")
        rates = _query(
            observed["prometheus"], "sum by (outcome) (rate(memoaized_requests_total[15m]))"
        )
        pytest.fail(f"{where}: no data for {expr}\ncounts: {counts}\nrates: {rates}")


def test_dashboards_use_only_metrics_the_proxy_exports(observed: dict[str, Any]) -> None:
    exported = {
        line.split("{")[0].split(" ")[0]
        for line in httpx.get(observed["proxy"].url + "/metrics").text.splitlines()
        if line and not line.startswith("#")
    }
    for where, expr in dashboard_queries() + alert_queries():
        for name in re.findall(r"\b[a-z_]+(?=[{\[ )]|$)", expr):
            if name.startswith("memoaized_"):
                assert name in exported, f"{where}: {name} is not exported"


def test_the_rules_load_and_fire(observed: dict[str, Any]) -> None:
    groups = httpx.get(observed["prometheus"] + "/api/v1/rules").json()["data"]["groups"]
    rules = {rule["name"]: rule for group in groups for rule in group["rules"]}
    assert set(rules) == {name for name, _ in alert_queries()}
    for rule in rules.values():
        assert rule["health"] == "ok", rule
        assert rule["state"] in ("pending", "firing"), rule  # `for:` keeps them pending here


def test_dashboards_are_what_grafana_loads() -> None:
    """Grafana's own loading is not run here; this checks what it needs: a unique uid and title,
    panels with ids and grid positions, every query on the provisioned datasource, and the
    provisioning files pointing at the folder and uid used."""
    assert DASHBOARDS, "no dashboards in grafana/dashboards"
    provisioned = yaml.safe_load(
        (REPO / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )
    uid = provisioned["datasources"][0]["uid"]
    uids = set()
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] not in uids and dashboard["title"]
        uids.add(dashboard["uid"])
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids))
        for panel in dashboard["panels"]:
            assert set(panel["gridPos"]) == {"x", "y", "w", "h"}
            assert panel["datasource"]["uid"] == uid
            assert all(target["datasource"]["uid"] == uid for target in panel["targets"])
    providers = yaml.safe_load((REPO / "grafana/provisioning/dashboards/memoaized.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
