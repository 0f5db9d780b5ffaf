"""Load on the web app: concurrent clients calling ``/ask`` on a ``policydesk serve`` over loopback.

    python benchmarks/bench_load.py --index-dir DIR [--levels 1,20,50] [--duration 20] [--url URL] [--out FILE]

Starts ``policydesk serve`` on a free loopback port (or uses ``--url``), then for each level runs that many client
threads, each asking the questions of ``--questions`` in turn for ``--duration`` seconds through Gradio's REST
API (``POST /gradio_api/call/ask``, then the event stream), and prints latency p50/p95, requests per second and
errors per level. The clients share the machine with the server: on 2 cores, the figures are a lower bound. A
benchmark, not a test: figures, no thresholds.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT_S = 120.0


@dataclass
class Level:
    """What the clients of one concurrency level saw."""

    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def row(self) -> dict[str, float | int | str]:
        ordered = sorted(self.latencies)
        return {
            "clients": self.clients,
            "requests": len(ordered),
            "errors": len(self.errors),
            "req_per_s": round(len(ordered) / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(_percentile(ordered, 50) * 1000, 1),
            "p95_ms": round(_percentile(ordered, 95) * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1) if ordered else 0.0,
            "first_error": self.errors[0] if self.errors else "",
        }


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ask(client: httpx.Client, url: str, question: str) -> None:
    """One ``/ask`` call through Gradio's REST API; raises on an error event or a bad status."""
    response = client.post(f"{url}/gradio_api/call/ask", json={"data": [question]})
    response.raise_for_status()
    event_id = response.json()["event_id"]
    with client.stream("GET", f"{url}/gradio_api/call/ask/{event_id}") as stream:
        stream.raise_for_status()
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                if event == "error":
                    raise RuntimeError(f"error event: {line[5:].strip()[:200]}")
                return
    raise RuntimeError("the event stream ended without a result")


def run_level(url: str, questions: list[str], clients: int, duration: float) -> Level:
    """``clients`` threads asking in a loop for ``duration`` seconds; requests still running then are awaited."""
    level = Level(clients)
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def client_loop(offset: int) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
            n = offset
            while time.monotonic() < deadline:
                started = time.perf_counter()
                try:
                    ask(client, url, questions[n % len(questions)])
                except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
                    with lock:
                        level.errors.append(f"{type(exc).__name__}: {exc}"[:200])
                else:
                    with lock:
                        level.latencies.append(time.perf_counter() - started)
                n += clients

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    level.seconds = time.monotonic() - started
    return level


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"policydesk serve exited with {server.returncode}")
        try:
            if httpx.get(f"{url}/gradio_api/info", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("policydesk serve did not answer in time")


def _questions(path: Path) -> list[str]:
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [str(q["question"]) for q in lines if q.get("question")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, help="Index to serve (when --url is not given).")
    parser.add_argument("--url", help="An app already running, e.g. http://127.0.0.1:7860")
    parser.add_argument("--levels", default="1,20,50", help="Concurrent clients per level (comma-separated).")
    parser.add_argument("--duration", type=float, default=20.0, help="Seconds per level.")
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    parser.add_argument("--out", type=Path, help="Write the table as JSON here too.")
    parser.add_argument("--concurrency", type=int, help="Passed to policydesk serve --concurrency.")
    args = parser.parse_args()
    questions = _questions(args.questions)
    server = None
    url = args.url
    if url is None:
        if args.index_dir is None:
            parser.error("give --index-dir (to start policydesk serve) or --url")
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = [str(Path(sys.executable).parent / "policydesk"), "serve", "--index-dir", str(args.index_dir)]
        command += ["--concurrency", str(args.concurrency)] if args.concurrency else []
        env = {**os.environ, "POLICYDESK_AUTH": ""}
        server = subprocess.Popen([*command, "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
    try:
        if server is not None:
            _wait(url, server)
        ask(httpx.Client(timeout=REQUEST_TIMEOUT_S), url, questions[0])  # warm-up
        rows = []
        for clients in (int(n) for n in args.levels.split(",")):
            rows.append(run_level(url, questions, clients, args.duration).row())
            print(_format(rows[-1]), flush=True)
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs")
        if args.out:
            args.out.write_text(json.dumps({"levels": rows, "loadavg": load}, indent=2), encoding="utf-8")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)


def _format(row: dict[str, float | int | str]) -> str:
    text = (
        f"clients {row['clients']:>3}  requests {row['requests']:>5}  errors {row['errors']:>4}  "
        f"req/s {row['req_per_s']:>6}  p50 {row['p50_ms']:>8} ms  p95 {row['p95_ms']:>8} ms  max {row['max_ms']:>8} ms"
    )
    return text + (f"\n    first error: {row['first_error']}" if row["first_error"] else "")


if __name__ == "__main__":
    main()
