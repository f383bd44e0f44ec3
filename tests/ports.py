"""Loopback ports for the servers that tests start.

Imported as ``tests.ports`` everywhere (conftest included): pytest imports ``conftest`` under a
name of its own, and a second copy of this module would hand out the same ports again.
"""

from __future__ import annotations

import itertools
import os
import socket

__all__ = ["free_port"]

# Servers listen below the kernel's ephemeral range (32768-60999 on Linux), so that no outgoing
# connection and no other test process's ``bind(0)`` takes a port between the probe and the
# server's own bind; each pytest-xdist worker draws from a block of its own.
_PORT_BLOCK = 600
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
_FIRST_PORT = 20_000 + _WORKER % 20 * _PORT_BLOCK
_PORTS = itertools.cycle(range(_FIRST_PORT, _FIRST_PORT + _PORT_BLOCK))


def free_port() -> int:
    """A loopback port nothing listens on, from this test process's block."""
    for port in itertools.islice(_PORTS, _PORT_BLOCK):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port in this worker's block of {_PORT_BLOCK}")
