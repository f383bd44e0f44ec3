"""Start-up failures that configuration caused cannot heal by waiting: ``memoaized serve``
exits non-zero with one line saying what to change, with nothing left loading behind (issue 16,
item 3). Each test runs the real command line in a process of its own."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from backends.serving import listen
from proxy.startup import LOCK_NAME, DataDirClaim
from tests.conftest import LiveServer, run_memoaized, serve_sd_upstream, serve_tiny
from tests.ports import free_port


def _serve(
    embedding_model_dir: Path, *args: str, port: int | None = None
) -> subprocess.CompletedProcess[str]:
    port = free_port() if port is None else port
    return run_memoaized(embedding_model_dir, *args, "--port", str(port))


def _last_line(started: subprocess.CompletedProcess[str]) -> str:
    assert started.returncode == 2, started.stderr
    assert "Traceback" not in started.stderr and "ExceptionGroup" not in started.stderr
    return started.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_a_data_directory_another_proxy_uses_names_its_pid(
    tmp_path: Path, tiny_model_dir: Path, embedding_model_dir: Path
) -> None:
    held = DataDirClaim(tmp_path / "data")  # as a running proxy holds it
    try:
        started = _serve(embedding_model_dir, *serve_tiny(tmp_path / "data", tiny_model_dir))
    finally:
        held.release()
    assert _last_line(started) == (
        f"memoaized: not starting: another memoaized process is using {tmp_path / 'data'} "
        f"(pid {os.getpid()}); stop it, or give this one another --data-dir"
    )
    assert not (tmp_path / "data" / "index").exists()  # nothing was opened


@pytest.mark.slow
def test_a_data_directory_that_is_a_file_is_one_line(
    tmp_path: Path, tiny_model_dir: Path, embedding_model_dir: Path
) -> None:
    (tmp_path / "data").write_text("not a folder")
    started = _serve(embedding_model_dir, *serve_tiny(tmp_path / "data", tiny_model_dir))
    assert _last_line(started) == (
        f"memoaized: not starting: the data directory {tmp_path / 'data'} is a file; give a folder"
    )


@pytest.mark.slow
def test_a_port_in_use_is_one_line_before_anything_loads(
    tmp_path: Path, tiny_model_dir: Path, embedding_model_dir: Path
) -> None:
    port = free_port()
    taken = listen("127.0.0.1", port)
    taken.listen()
    try:
        started = _serve(
            embedding_model_dir, *serve_tiny(tmp_path / "data", tiny_model_dir), port=port
        )
    finally:
        taken.close()
    assert _last_line(started) == (
        f"memoaized: not starting: port {port} on 127.0.0.1 is in use by another process; stop "
        "it, or choose another with --port"
    )
    assert "startup" not in started.stderr  # the app never started: no index, no model loading
    assert not (tmp_path / "data" / "index").exists()


@pytest.mark.slow
def test_a_model_that_cannot_load_stops_the_proxy_instead_of_answering_503s(
    tmp_path: Path, embedding_model_dir: Path
) -> None:
    started = _serve(
        embedding_model_dir,
        "serve", "--data-dir", str(tmp_path / "data"),
        "--backend", "diffusers", "--sd-model", str(tmp_path / "nonexistent"),
    )  # fmt: skip
    assert _last_line(started) == (
        "memoaized: not starting: BackendUnavailable: the diffusers model folder "
        f"{tmp_path / 'nonexistent'} does not exist"
    )
    # The lock went with the process: the next start may claim the folder.
    DataDirClaim(tmp_path / "data").release()


@pytest.mark.slow
def test_an_alias_of_a_model_that_is_not_served_is_one_line(
    tmp_path: Path, tiny_model_dir: Path, embedding_model_dir: Path
) -> None:
    started = _serve(
        embedding_model_dir,
        *serve_tiny(tmp_path / "data", tiny_model_dir, "--model-aliases", "dall-e-3=sdxl-turbo"),
    )
    assert _last_line(started) == (
        "memoaized: model_aliases: dall-e-3=sdxl-turbo, but this backend serves only tiny-sd"
    )


def test_a_released_claim_can_be_taken_again_and_records_the_pid(tmp_path: Path) -> None:
    first = DataDirClaim(tmp_path)
    assert (tmp_path / LOCK_NAME).read_text() == f"{os.getpid()}\n"
    with pytest.raises(OSError, match="another memoaized process"):
        DataDirClaim(tmp_path)
    first.release()
    DataDirClaim(tmp_path).release()
    # A proxy on a shared Qdrant server takes no lock: replicas may share a folder.
    DataDirClaim(tmp_path, exclusive=False)
    DataDirClaim(tmp_path, exclusive=False)


@pytest.mark.slow
def test_sd_server_with_a_model_that_cannot_load_stops_in_one_line(
    tmp_path: Path, embedding_model_dir: Path
) -> None:
    started = _serve(embedding_model_dir, "sd-server", "--sd-model", str(tmp_path / "missing"))
    assert _last_line(started) == (
        "memoaized: not starting: BackendUnavailable: the diffusers model folder "
        f"{tmp_path / 'missing'} does not exist"
    )


@pytest.mark.slow
def test_a_shared_index_down_at_start_up_degrades_to_generating(
    live_server: Callable[..., LiveServer], tmp_path: Path, sd_server: LiveServer
) -> None:
    """An unreachable Qdrant server may come back, so the proxy starts and generates misses
    uncached, and opens the index once it answers. (No Qdrant server runs in the tests: the
    reopening itself is not exercised here.)"""
    down = f"http://127.0.0.1:{free_port()}"
    proxy = live_server(*serve_sd_upstream(tmp_path / "data", sd_server, "--qdrant-url", down))
    for _ in range(2):  # generated both times: nothing could be stored
        answer = httpx.post(
            proxy.url + "/v1/images/generations",
            json={"prompt": "a cat on a mat", "size": "64x64"},
            timeout=60,
        )
        assert answer.status_code == 200 and answer.headers["x-cache"] == "MISS"
    assert "the shared index is unavailable" in proxy.log()
    assert proxy.metric("memoaized_cache_errors_total") >= 2
