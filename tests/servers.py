"""Start a real server subprocess on a free loopback port for a test session, and always stop it."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(url: str) -> bool:
    """Whether ``url`` answers HTTP 200 (a bounded, loopback-only probe)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_server(
    command: list[str], probe_url: str, log: Path, *, env: Mapping[str, str], timeout: float
) -> Iterator[None]:
    """Run ``command`` until ``probe_url`` answers (or fail with its log), then terminate it on exit."""
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=dict(env))
    try:
        deadline = time.monotonic() + timeout
        while not answers(probe_url):
            if server.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {server.returncode}" if server.poll() is not None else "did not answer in time"
                pytest.fail(f"{' '.join(command)} {state}\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
