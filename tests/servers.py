"""Real servers for the behaviour tests: a fresh Redis per call, on a free loopback port.

The server comes from Debian's `redis-server` package, which `.ci/run` installs. Where it is
missing the test is skipped, unless `DYNALINT_REQUIRE_SERVERS` is set (as `.ci/run` sets it):
then a missing server fails the test, so CI never passes without running it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

_STARTUP_SECONDS = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {server.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not listen on port {port} in {_STARTUP_SECONDS} s")


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Starts a new, empty Redis server on each call and gives its URL; all stop afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (Debian's redis-server package)"
        if os.environ.get("DYNALINT_REQUIRE_SERVERS"):
            pytest.fail(message)
        pytest.skip(message)
    servers: list[subprocess.Popen[bytes]] = []

    def start() -> str:
        port = _free_port()
        folder = tmp_path / f"redis-{port}"
        folder.mkdir()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        command += ["--appendonly", "no", "--dir", str(folder)]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append(server)
        _wait_for(port, server)
        return f"redis://127.0.0.1:{port}/0"

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)
