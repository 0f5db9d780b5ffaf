"""`policydesk ingest` works with no network at all: nothing downloads anything at run time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ingest
from tests.conftest import VENV_BIN

REPO_ROOT = Path(__file__).resolve().parents[2]
# Set by ingest.offline when the package is imported; removed here so that the test proves it.
OFFLINE_VARIABLES = ("TIKTOKEN_CACHE_DIR", "NLTK_DATA", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")

SOCKET_GUARD = """
import socket, sys

def _local(address):
    host = address[0] if isinstance(address, tuple) else address
    return not isinstance(address, tuple) or host in ("127.0.0.1", "::1", "localhost", "")

def _guard(name, original):
    def guarded(*args, **kwargs):
        sock_or_addr = args[0]
        address = args[1] if isinstance(sock_or_addr, socket.socket) else sock_or_addr
        family = getattr(sock_or_addr, "family", None)
        if family != socket.AF_UNIX and not _local(address):
            print(f"BLOCKED {name} {address!r}", file=sys.stderr)
            raise OSError(f"network disabled by the test: {name} {address!r}")
        return original(*args, **kwargs)
    return guarded

socket.socket.connect = _guard("connect", socket.socket.connect)
socket.socket.connect_ex = _guard("connect_ex", socket.socket.connect_ex)
socket.create_connection = _guard("create_connection", socket.create_connection)
_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if host not in (None, "127.0.0.1", "::1", "localhost"):
        print(f"BLOCKED getaddrinfo {host!r}", file=sys.stderr)
        raise socket.gaierror(f"network disabled by the test: {host!r}")
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo

sys.argv = ["policydesk", *sys.argv[1:]]
from assistant.cli import main
main()
"""


def _offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_VARIABLES and not k.startswith("POLICYDESK_")}
    env["POLICYDESK_HOME"] = str(home)  # fresh index; the user's model cache is kept (building it is slow)
    if "POLICYDESK_MODEL_CACHE" in os.environ:
        env["POLICYDESK_MODEL_CACHE"] = os.environ["POLICYDESK_MODEL_CACHE"]
    return env


def _check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Ingest: 4 added, 0 updated, 0 unchanged, 0 removed, 0 failed in " in result.stdout
    assert "BLOCKED" not in result.stderr, result.stderr


def test_the_ingest_package_is_the_library_not_the_test_folder() -> None:
    """Regression: ``tests/ingest/`` had no ``__init__.py``; pytest put ``tests/`` on ``sys.path``, so
    ``import ingest`` found the test folder as a namespace package (submodules still resolved through the
    editable install), ``ingest/__init__.py`` never ran and tiktoken tried to download its encoding."""
    assert ingest.__file__ == str(REPO_ROOT / "ingest" / "__init__.py")
    assert os.environ.get("TIKTOKEN_CACHE_DIR")


def test_ingest_with_a_socket_guard(corpus: Path, tmp_path: Path) -> None:
    _check(_run_offline([sys.executable, "-c", SOCKET_GUARD, "ingest", str(corpus)], tmp_path))


def _run_offline(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run an ingest command with a fresh index and none of the offline variables set (the package must set them)."""
    env = _offline_env(tmp_path / "home")
    return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)


def _can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare(), reason="user/network namespaces unavailable (`unshare -rn true` fails)")
def test_ingest_in_a_network_namespace(corpus: Path, tmp_path: Path) -> None:
    _check(_run_offline(["unshare", "-rn", str(VENV_BIN / "policydesk"), "ingest", str(corpus)], tmp_path))
