"""A real S3 endpoint for tests: moto's server in a subprocess, on loopback.

Use ``running_moto_server`` as a context manager (typically from a session-scoped fixture);
it yields the endpoint URL once the server answers and stops the process on exit. The server
accepts any credentials; ``ACCESS_KEY_ID`` and ``SECRET_ACCESS_KEY`` are dummies to sign with.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

from tests.ports import free_port

__all__ = ["ACCESS_KEY_ID", "REGION", "SECRET_ACCESS_KEY", "create_bucket", "running_moto_server"]

ACCESS_KEY_ID = "memoaized-test-key"
SECRET_ACCESS_KEY = "memoaized-test-secret-0123456789"
REGION = "us-east-1"


@contextmanager
def running_moto_server(log_dir: Path, *, startup_timeout: float = 30.0) -> Iterator[str]:
    """Start ``python -m moto.server`` on a free loopback port and yield its endpoint URL.

    The server's output goes to ``log_dir / "moto.log"``, quoted in the error if it fails to
    start. The process is terminated (killed if it lingers) when the context exits.
    """
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_path = log_dir / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_answering(port, process, log_path, startup_timeout)
            yield endpoint
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def create_bucket(endpoint: str, bucket: str) -> None:
    """Create ``bucket`` on the S3 endpoint with boto3 and the dummy credentials."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    try:
        client.create_bucket(Bucket=bucket)
    finally:
        client.close()


def _wait_until_answering(
    port: int, process: subprocess.Popen[bytes], log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"moto server exited with {process.returncode}:\n{log_path.read_text()}"
            )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
        finally:
            connection.close()
    raise RuntimeError(f"moto server did not answer within {timeout} s:\n{log_path.read_text()}")
