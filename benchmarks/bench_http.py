"""Benchmark of the HTTP API. A script, not a test: it prints JSON lines, one per figure.

``enduse serve`` runs on a free loopback port (1 and 2 uvicorn workers) and
Debian's ``wrk`` (a separate C process, one thread; ``apt-get install wrk``)
loads it for a fixed time with a fixed number of connections. Scenarios:

* ``healthz``: ``GET /healthz``, the reference (the cost of HTTP + the framework);
* ``check_repeat``: the same ``POST /v1/check`` body again and again (answered
  from the server's cache of decisions, still logged to SQLite each time);
* ``check_distinct``: every request a new use (a different point), so every
  one goes through ``enduse.api.check`` and the log.

Each line gives requests/s, p50/p99 latency, the ratio to ``healthz`` with the
same workers and connections, since absolute figures depend on the shared
machine, and the CPU time the server's processes spent per request (Linux),
which says what one request costs whatever the load beside it.

    python benchmarks/bench_http.py --duration 10 --connections 8 64
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ENDUSE = str(Path(sys.executable).with_name("enduse"))
USE = {"date": "2024-06-05", "lat": 50.6, "lon": 36.6, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}

REPORT = """
done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "non_2xx": %d, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

REPEAT = f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{json.dumps(USE)}'
"""

DISTINCT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"date": "2024-06-05", "lat": %.6f, "lon": %.6f, "weapon": "HIMARS", "target": "artillery", "purpose": "counter_fire"}',
    50.2 + (counter % 997) * 0.0007, 36.0 + math.floor(counter / 997) * 0.0007 + (id or 0) * 0.3)
  return wrk.format(nil, nil, nil, body)
end
setup = function(thread) thread:set("id", math.random(0, 9)) end
"""


def emit(**figures) -> None:
    print(json.dumps(figures), flush=True)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` and its children (the uvicorn workers); ``None`` without ``/proc``."""
    try:
        stats = [Path(f"/proc/{pid}/stat").read_text()]
        for child in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = child.read_text()
            except OSError:
                continue
            if int(text.rsplit(")", 1)[1].split()[1]) == pid:
                stats.append(text)
    except OSError:
        return None
    ticks = sum(int(f[11]) + int(f[12]) for f in (text.rsplit(")", 1)[1].split() for text in stats))
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([ENDUSE, "serve", "--port", str(port), "--workers", str(workers), "--log", str(log)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                # Warm every worker: pack, geography and the repeated use's decision.
                for _ in range(20 * workers):
                    httpx.post(f"{url}/v1/check", json=USE, timeout=30).raise_for_status()
                return server, url
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("enduse serve did not start")


def load(url: str, script: str, duration: int, connections: int, folder: Path) -> dict:
    lua = folder / "script.lua"
    lua.write_text(script + REPORT, encoding="utf-8")
    done = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(lua), url],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    scenarios = {"healthz": ("/healthz", ""), "check_repeat": ("/v1/check", REPEAT), "check_distinct": ("/v1/check", DISTINCT)}
    with tempfile.TemporaryDirectory() as folder:
        for workers in args.workers:
            server, url = start_server(workers, Path(folder) / f"log-{workers}.sqlite")
            try:
                for connections in args.connections:
                    reference = None
                    for name, (path, script) in scenarios.items():
                        before = cpu_seconds(server.pid)
                        result = load(url + path, script, args.duration, connections, Path(folder))
                        after = cpu_seconds(server.pid)
                        rps = result["requests"] / result["seconds"]
                        reference = reference or rps
                        cpu = None if before is None or after is None else round((after - before) * 1000 / result["requests"], 3)
                        emit(scenario=name, workers=workers, connections=connections, requests=result["requests"],
                             requests_per_s=round(rps), p50_ms=result["p50_us"] / 1000, p99_ms=result["p99_us"] / 1000,
                             non_2xx=result["non_2xx"], socket_errors=result["errors"], ratio_to_healthz=round(rps / reference, 3),
                             server_cpu_ms_per_request=cpu)
            finally:
                server.terminate()
                server.wait(timeout=30)
        verified = subprocess.run([ENDUSE, "log", "verify", "--log", str(Path(folder) / f"log-{args.workers[-1]}.sqlite")],
                                  capture_output=True, text=True, check=False)
        emit(log_verify_exit_code=verified.returncode, log_verify=verified.stdout.strip().split(";")[0])


if __name__ == "__main__":
    main()
