"""Throughput under gunicorn (2 sync workers) and wrk, on this machine's 2 cores.

Each configuration starts its own gunicorn: the response cache off (a dummy cache) or
on (Redis, ``CACHE_URL=redis://127.0.0.1:6379/1``), and reads from the primary or from
the streaming replica on port 5433 (``.ci/replica`` starts it). The mixed reads during
imports are the load test's (``tests/load/run.sh``), run on its own database.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from django.db import connection

REPO = Path(__file__).resolve().parents[2]
PORT = 8765
REPLICA_PORT = 5433
REDIS_URL = "redis://127.0.0.1:6379/1"
# The connections of issue 19's mixed-read target.
MIXED_CONNECTIONS = 32

# wrk's --latency gives no 95th percentile; this script prints it with the totals.
_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %d, \\"seconds\\": %f, \\"p95_us\\": %f, \\"non2xx\\": %d, " ..
    "\\"socket_errors\\": %d}\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(95), errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
"""


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on {port}")


class _Server:
    def __init__(self, **env):
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings", **env}

    def __enter__(self):
        self.process = subprocess.Popen(
            [
                str(REPO / ".venv/bin/gunicorn"),
                "-c",
                "python:archive.gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--access-logfile",
                "/dev/null",
                "archive.wsgi",
            ],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(PORT)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def _wrk(url: str, seconds: int, script: Path) -> dict:
    output = subprocess.run(
        ["wrk", "-t1", "-c4", f"-d{seconds}s", "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    if figures["non2xx"] or figures["socket_errors"]:
        raise RuntimeError(f"{url}: {figures}")
    return {
        "requests_per_s": figures["requests"] / figures["seconds"],
        "p95_ms": figures["p95_us"] / 1000,
        "seconds": seconds,
    }


def measure(options, authors, slugs, bounds) -> dict:
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    base = f"http://127.0.0.1:{PORT}"
    urls = {
        "list": f"{base}/api/v1/articles/?author={authors[0][1]}&{bounds}",
        "tuned DRF list": f"{base}/baseline/tuned/?author={authors[0][1]}&{bounds}",
        "detail": f"{base}/api/v1/articles/{slugs[0]}/",
    }
    database = connection.settings_dict
    configurations = [("cache off", {}, ("list", "tuned DRF list", "detail"))]
    if options.scaling:
        replica = (
            f"postgres://{database['USER']}@{database['HOST']}:{REPLICA_PORT}/{database['NAME']}"
        )
        configurations += [
            (
                "Redis cache on",
                {"BENCHMARK_RESPONSE_CACHE": "on", "CACHE_URL": REDIS_URL},
                ("list", "detail"),
            ),
            ("replica reads, cache off", {"DATABASE_REPLICA_URLS": replica}, ("list", "detail")),
        ]
    results = {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_SCRIPT)
        script.flush()
        for configuration, env, cases in configurations:
            with _Server(**env):
                for case in cases:
                    _wrk(urls[case], 2, Path(script.name))  # warm up the workers
                    results[f"http {case}: {configuration}"] = _wrk(
                        urls[case], options.http_seconds, Path(script.name)
                    )
    api, tuned = results["http list: cache off"], results["http tuned DRF list: cache off"]
    api.update(ratio=api["requests_per_s"] / tuned["requests_per_s"], ratio_to="tuned DRF")
    for configuration, _, cases in configurations[1:]:
        for case in cases:
            result = results[f"http {case}: {configuration}"]
            off = results[f"http {case}: cache off"]
            result.update(ratio=result["requests_per_s"] / off["requests_per_s"], ratio_to="off")
    return results


def measure_mixed(options) -> dict:
    """Mixed reads (lists, details, searches, filtered lists) from 32 connections while
    batches of new issues are imported and an editor saves through the admin: the load
    test, in production mode with the Redis response cache, on its own archive of
    ``--mixed-articles``. It fails if anything was lost or any request failed."""
    batches = 10
    with tempfile.TemporaryDirectory() as work:
        figures_file = Path(work) / "figures.json"
        env = {
            **os.environ,
            "LOAD_DURATION": str(options.mixed_seconds),
            "LOAD_ARTICLES": str(options.mixed_articles),
            "LOAD_BATCHES": str(batches),
            # Whole issues of 20 articles, about a tenth of the archive in all.
            "LOAD_BATCH_ARTICLES": str(max(20, options.mixed_articles // 10 // batches // 20 * 20)),
            "LOAD_CONNECTIONS": str(MIXED_CONNECTIONS),
            # 32 connections queue for 2 workers: a slow answer is a figure (p99), not an
            # error, unless it takes this long.
            "LOAD_TIMEOUT": "10",
            "LOAD_RESULTS": str(figures_file),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        run = subprocess.run(
            [str(REPO / "tests/load/run.sh")], env=env, cwd=REPO, capture_output=True, text=True
        )
        if run.returncode:
            raise RuntimeError(
                f"tests/load/run.sh failed:\n{run.stdout[-4000:]}{run.stderr[-4000:]}"
            )
        figures = json.loads(figures_file.read_text())
    answered = figures["hits"] + figures["misses"]
    return {
        "http mixed reads during imports": {
            "requests_per_s": figures["requests"] / figures["seconds"],
            "p50_ms": figures["p50_us"] / 1000,
            "p99_ms": figures["p99_us"] / 1000,
            "hit_ratio": figures["hits"] / answered if answered else None,
            "connections": MIXED_CONNECTIONS,
            "seconds": options.mixed_seconds,
            "articles": options.mixed_articles,
        }
    }
