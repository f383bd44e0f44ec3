"""Shared fixtures: the offline models (built once per session) and live servers on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import psutil
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from backends.base import GenerationRequest, ImageBackend
from backends.diffusers_backend import DiffusersBackend
from proxy.cache.entries import new_entry
from proxy.cache.service import ImageCache
from proxy.embedding import Embedder
from proxy.index.base import Candidate, Entry
from proxy.index.edge import EdgeIndex
from proxy.matching.canonical import Partition
from proxy.matching.decision import MatchPolicy, Query
from proxy.metrics import Metrics
from proxy.store import BlobStore
from tests import secret_scan
from tests.ports import free_port
from tests.secret_scan import SCAN

# The suite runs three test processes on two cores (`make test`), each starting servers: a model
# runtime that spreads one call over every core makes its idle threads spin while the others
# wait for a core. Each process, and each server it starts, runs torch and the embedding model on
# one thread (set before either is imported; an environment that sets them keeps its own).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MEMOAIZED_EMBEDDING_THREADS", "1")


def pytest_configure(config: pytest.Config) -> None:
    secret_scan.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The suite fails if any response, log line or metric it produced holds an upstream key.
    An xdist worker hands its scan to the controller, which decides for the whole run."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["upstream_key_scan"] = SCAN.report()
    elif SCAN.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller, as each worker finishes: count in its scan."""
    report = getattr(node, "workeroutput", {}).get("upstream_key_scan")
    if report is not None:
        SCAN.add(report)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    scanned = ", ".join(f"{kind}: {count}" for kind, count in sorted(SCAN.scanned.items()))
    terminalreporter.write_line(
        f"upstream-key scan: {scanned or 'nothing'} scanned; requests carrying a key: "
        f"{SCAN.requests_with_a_key}; leaks: {len(SCAN.leaks)}"
    )
    for leak in SCAN.leaks:
        terminalreporter.write_line(f"UPSTREAM KEY LEAKED: {leak}", red=True)


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with the most end-to-end (``slow``) tests run first, then those with the most
    tests, so that in parallel runs (``-n``, one module per worker) the long ones do not start
    last and leave the other workers idle (``make test`` keeps this order: xdist's own is by
    number of tests alone). Tests marked ``gpu`` run on a machine with an NVIDIA GPU and are
    skipped, saying so, everywhere else."""
    slow: dict[str, int] = {}
    tests: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        slow[module] = slow.get(module, 0) + ("slow" in item.keywords)
        tests[module] = tests.get(module, 0) + 1

    def order(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::")[0]
        return -slow[module], -tests[module]

    items.sort(key=order)  # stable: same order inside a module
    if _cuda_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU (marker gpu); none here")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedding_model_dir(models_dir: Path) -> Path:
    """all-MiniLM-L6-v2 assembled from the offline packages, as `memoaized prepare-embedder`
    does."""
    from proxy.embedding import prepare_offline_model

    return prepare_offline_model(models_dir / "all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def tiny_model_dir(models_dir: Path) -> Path:
    """The tiny random-weight Stable Diffusion pipeline, as `memoaized tiny-model` writes it."""
    from backends.tiny import write_tiny_pipeline

    return write_tiny_pipeline(models_dir / "tiny-sd")


@dataclass
class LiveServer:
    """A `memoaized` command running as its own process on loopback."""

    args: list[str]
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/readyz", timeout: float = 120.0) -> LiveServer:
        return self.launch().wait(ready_path, timeout)

    def launch(self) -> LiveServer:
        """Start the process and return at once: servers launched together load together."""
        assert self.log_path is not None
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "proxy.cli", *self.args, "--port", str(self.port)],
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        return self

    def wait(self, ready_path: str = "/readyz", timeout: float = 120.0) -> LiveServer:
        """Until ``ready_path`` answers 200; a process that exits first fails the test."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log()}")
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                ready = httpx.get(self.url + ready_path, timeout=1.0).status_code == 200
                if ready and self._listens():
                    return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log()}")

    def _listens(self) -> bool:
        """Whether this process, not another that took the port, holds the listening socket."""
        assert self.process is not None
        return any(
            c.status == psutil.CONN_LISTEN and c.laddr.port == self.port
            for c in psutil.Process(self.process.pid).net_connections("tcp")
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(httpx.HTTPError):  # scanned for keys as it is fetched
                httpx.get(self.url + "/metrics", timeout=5.0)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
            SCAN.check("server log", str(self.log_path), self.log())

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def metric(self, name: str) -> float:
        """The sum of every series of metric ``name`` (all label sets) on its ``/metrics``;
        a metric it does not export at all fails the test (a misspelt name must not read 0)."""
        text = httpx.get(self.url + "/metrics").text
        values = [
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith((name + " ", name + "{"))
        ]
        assert values, f"{self.url}/metrics has no {name}"
        return sum(values)


@contextlib.contextmanager
def _servers(log_dir: Path, embedding_model_dir: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        ready_path: str = "/readyz",
        wait: bool = True,
    ) -> LiveServer:
        """The server, ready; with ``wait=False`` only launched (call its ``wait``)."""
        environment = {
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "MEMOAIZED_EMBEDDING_MODEL_DIR": str(embedding_model_dir),
            "MEMOAIZED_INDEX_MAINTENANCE_SECONDS": "3600",
            **(env or {}),
        }
        server = LiveServer(list(args), environment, log_path=log_dir / f"server{len(servers)}.log")
        servers.append(server)
        return server.start(ready_path=ready_path) if wait else server.launch()

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def live_server(tmp_path: Path, embedding_model_dir: Path) -> Iterator[Callable[..., LiveServer]]:
    """Factory: start `memoaized <command> [args]` on a free loopback port, stopped at the end
    of the test. Environment: the session's offline models, no model hub."""
    with _servers(tmp_path, embedding_model_dir) as start:
        yield start


@pytest.fixture(scope="module")
def module_servers(
    tmp_path_factory: pytest.TempPathFactory, embedding_model_dir: Path
) -> Iterator[Callable[..., LiveServer]]:
    """The same factory, for servers shared by the tests of one module."""
    with _servers(tmp_path_factory.mktemp("servers"), embedding_model_dir) as start:
        yield start


@pytest.fixture(scope="session")
def sd_server(
    tmp_path_factory: pytest.TempPathFactory, embedding_model_dir: Path, tiny_model_dir: Path
) -> Iterator[LiveServer]:
    """One live ``memoaized sd-server`` on the tiny pipeline per test process: the backend of
    the proxies whose tests are about the cache, not about running a pipeline. A proxy in
    front of it (``serve_sd_upstream``) starts on about a third of the CPU time of one that
    imports torch and diffusers itself. Tests that stop or restart the backend start their own."""
    folder = tmp_path_factory.mktemp("sd-server")
    with _servers(folder, embedding_model_dir) as start:
        yield start("sd-server", "--sd-model", str(tiny_model_dir), "--data-dir", str(folder))


def run_memoaized(embedding_model_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``memoaized ARGS`` in a process of its own, to the end, with the session's offline
    embedding model: for commands that are expected to stop."""
    return subprocess.run(
        [sys.executable, "-m", "proxy.cli", *args],
        env={
            **os.environ,
            "HF_HUB_OFFLINE": "1",
            "MEMOAIZED_EMBEDDING_MODEL_DIR": str(embedding_model_dir),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def serve_tiny(data_dir: Path, tiny_model_dir: Path, *options: str) -> list[str]:
    """The arguments of ``memoaized serve`` on the tiny pipeline, its data in ``data_dir``."""
    return [
        "serve",
        "--data-dir", str(data_dir),
        "--backend", "diffusers",
        "--sd-model", str(tiny_model_dir),
        *options,
    ]  # fmt: skip


def serve_sd_upstream(data_dir: Path, sd: LiveServer, *options: str) -> list[str]:
    """The arguments of ``memoaized serve`` in front of the live sd-server ``sd`` (the openai
    backend, serving the tiny pipeline's model), its data in ``data_dir``."""
    return [
        "serve",
        "--data-dir", str(data_dir),
        "--backend", "openai",
        "--upstream-url", sd.url + "/v1",
        "--default-model", "tiny-sd",
        *options,
    ]  # fmt: skip


async def open_ready(app: Litestar) -> AsyncTestClient[Litestar]:
    """An in-process client for ``app``, returned once ``/readyz`` answers 200 (the caller
    closes it with ``__aexit__``)."""
    client: AsyncTestClient[Litestar] = AsyncTestClient(app=app, base_url=LOCAL_URL)
    await client.__aenter__()
    for _ in range(600):
        if (await client.get("/readyz")).status_code == 200:
            return client
        await asyncio.sleep(0.05)
    await client.__aexit__(None, None, None)
    raise AssertionError("the app never became ready")


def thaw() -> None:
    """``gc.unfreeze()``, then collect the garbage that earlier tests in this worker left: an
    app's freezer froze it while it served, so only now is it collected, and a ResourceWarning
    from it (an unclosed transport of a test long finished) would fail whichever test thawed
    it. Such warnings are printed, with the object, instead of raised here."""
    import gc
    import warnings

    gc.unfreeze()
    with warnings.catch_warnings(record=True) as found:
        warnings.simplefilter("always", ResourceWarning)
        gc.collect()
    for warning in found:
        print(f"left by an earlier test, collected on thawing: {warning.message}")


def survivor_freezers() -> list[object]:
    """The garbage collector callbacks of the running proxies' and sd-servers' freezers."""
    import gc

    from backends.heap import FreezeSurvivors

    return [c for c in gc.callbacks if isinstance(getattr(c, "__self__", None), FreezeSurvivors)]


LOCAL_URL = "http://127.0.0.1"
"""Where in-process clients send requests: a loopback name, as a user's client on this machine
would (with no keys the proxy refuses other host names)."""

TEST_PARTITION = Partition("tiny-sd", "256x256", None, None, None, None, "png")


def cached_entry(prompt: str, blob_id: str = "b" * 64) -> Entry:
    """An entry cached for ``prompt`` in ``TEST_PARTITION``."""
    return new_entry(
        Query.of(prompt, TEST_PARTITION),
        blob_id=blob_id,
        media_type="image/png",
        size=0,
        generation_seconds=1.0,
        energy_wh=1.0,
        energy_source="estimated",
        backend="test",
    )


def cached_candidate(prompt: str, similarity: float) -> Candidate:
    """An entry cached for ``prompt`` (in ``TEST_PARTITION``), offered at ``similarity``."""
    return Candidate(cached_entry(prompt), similarity)


# The cache service on real parts: the tiny pipeline, the embedding model, Edge, a directory.


@pytest.fixture(scope="module")
async def backend(tiny_model_dir: Path) -> AsyncIterator[DiffusersBackend]:
    async with DiffusersBackend(model=str(tiny_model_dir)) as started:
        yield started


@pytest.fixture(scope="module")
def embedder(embedding_model_dir: Path) -> Embedder:
    loaded = Embedder(model_dir=embedding_model_dir)
    loaded.load()
    return loaded


def make_cache(
    backend: ImageBackend, index: EdgeIndex, store: BlobStore, embedder: Embedder
) -> ImageCache:
    return ImageCache(
        backend=backend,
        index=index,
        store=store,
        embedder=embedder,
        policy=MatchPolicy(0.98, embedder.unseen_text),
        metrics=Metrics(),
        energy_estimate_wh=lambda _: 2.9,
    )


@pytest.fixture
async def cache(
    tmp_path: Path, backend: DiffusersBackend, embedder: Embedder
) -> AsyncIterator[ImageCache]:
    index = EdgeIndex(tmp_path / "index")
    store = BlobStore(str(tmp_path / "images"))
    async with index, store:
        yield make_cache(backend, index, store, embedder)


def png_of(shade: int) -> bytes:
    """A small PNG of one colour per ``shade`` (0 to 255): distinct images, distinct blob ids."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (shade, 255 - shade, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def tiny_request(prompt: str, n: int = 1) -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt,
        model="tiny-sd",
        n=n,
        size="64x64",
        quality="auto",
        background="auto",
        moderation="auto",
    )


def sample(cache: ImageCache, metric: str, **labels: str) -> float:
    value = cache.metrics.registry.get_sample_value(metric, labels)
    return value or 0.0


@dataclass
class HeldCopy:
    """The embedded index's copy of its live shard, held open until ``release`` is set (the
    real copy then runs): ``copying`` is set once the optimisation has started copying."""

    release: threading.Event = field(default_factory=threading.Event)
    copying: threading.Event = field(default_factory=threading.Event)


def hold_the_copy(monkeypatch: pytest.MonkeyPatch) -> HeldCopy:
    from proxy.index import edge

    held, copy = HeldCopy(), edge.copy_shard

    def held_copy(source: Path, target: Path) -> None:
        held.copying.set()
        held.release.wait(timeout=60)
        copy(source, target)

    monkeypatch.setattr(edge, "copy_shard", held_copy)
    return held
