"""What a serving process loads (issue 17: memory you can predict)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import LiveServer


@pytest.mark.slow
def test_a_proxy_in_front_of_an_api_loads_neither_torch_nor_pydantic(
    live_server: Callable[..., LiveServer], tmp_path: Path
) -> None:
    """With the openai backend, the serving process maps no torch (a local pipeline's) and no
    pydantic: Litestar adds plugins for pydantic models whenever pydantic is importable, which
    costs about 9 MiB, and the proxy has no such model. Read from the process's memory map
    after it has described its API and answered a request whose upstream is down."""
    server = live_server(
        "serve",
        "--data-dir", str(tmp_path / "data"),
        "--backend", "openai",
        "--upstream-url", "http://127.0.0.1:9/v1",
        "--default-model", "dall-e-2",
    )  # fmt: skip
    with httpx.Client(base_url=server.url, timeout=60) as http:
        schema = http.get("/docs/openapi.json")
        assert schema.status_code == 200 and "/v1/images/generations" in schema.json()["paths"]
        answer = http.post(
            "/v1/images/generations", json={"prompt": "a red fox asleep in the snow"}
        )
        assert answer.status_code >= 500 and "error" in answer.json()
    assert server.process is not None
    maps = Path(f"/proc/{server.process.pid}/maps").read_text()
    assert "pydantic_core" not in maps
    assert "libtorch" not in maps


def test_the_proxy_leaves_out_httpx_command_line_client() -> None:
    """httpx imports its command-line client (click, rich, pygments) whenever they are
    installed; the proxy has it fall back to httpx's stub, and httpx works as before. Asked of
    another process: this one may have imported httpx first."""
    script = """
import sys
import proxy.app
import httpx
loaded = [m for m in ("httpx._main", "click", "rich", "pygments") if sys.modules.get(m)]
print(loaded, callable(httpx.AsyncClient))
"""
    cwd = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] True"
