"""``fanjing serve --workers 2``: the workers count into var/prometheus/ and any of them
answers /metrics for all."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import httpx2 as httpx
import pytest


def _requests_to(text: str, route: str) -> float:
    pattern = re.compile(
        r'^fanjing_http_requests_total\{method="GET",route="'
        + re.escape(route)
        + r'",status="200"\} (\S+)$',
        re.MULTILINE,
    )
    found = pattern.search(text)
    return float(found.group(1)) if found else 0.0


def test_several_workers_report_one_count(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    var = tmp_path / "var"
    (var / "prometheus").mkdir(parents=True)
    (var / "prometheus" / "counter_999999.db").write_bytes(b"stale")  # a previous run's
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANJING_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(FANJING_VAR_DIR=str(var), FANJING_DATABASE_URL=f"sqlite:///{tmp_path / 'f.db'}")
    command = [sys.executable, "-m", "fanjing", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while len(list((var / "prometheus").glob("counter_*.db"))) < 2 or not _up(base):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the workers did not start")
            time.sleep(0.2)
        for _ in range(20):
            assert (
                httpx.get(f"{base}/healthz", timeout=5).status_code == 200
            )  # a new connection each
        scrapes = [httpx.get(f"{base}/metrics", timeout=5) for _ in range(6)]
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert all(scrape.status_code == 200 for scrape in scrapes), output
    # every scrape, whichever worker answered it, counts the 20 (and the polls before them)
    counts = [_requests_to(scrape.text, "/healthz") for scrape in scrapes]
    assert len(set(counts)) == 1 and counts[0] >= 20, counts
    assert not (var / "prometheus" / "counter_999999.db").exists()
    pids = {path.stem.split("_")[1] for path in (var / "prometheus").glob("counter_*.db")}
    assert len(pids) >= 2  # two workers wrote their counts there


def _up(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        pytest.param("127.0.0.1", 200, id="from-the-trusted-proxy"),
        pytest.param("10.0.0.1", 403, id="from-anyone-else"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_the_trusted_proxy(tmp_path, trusted, expected):
    """/metrics allows 10.9.9.9 only; the test (on 127.0.0.1) claims to forward for it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANJING_")}
    env.update(
        FANJING_VAR_DIR=str(tmp_path / "var"),
        FANJING_DATABASE_URL=f"sqlite:///{tmp_path / 'f.db'}",
        FANJING_METRICS_ALLOW="10.9.9.9",
        FANJING_TRUSTED_PROXIES=trusted,
    )
    command = [sys.executable, "-m", "fanjing", "serve", "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _up(base):
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("the server did not start")
            time.sleep(0.2)
        forwarded = httpx.get(f"{base}/metrics", headers={"X-Forwarded-For": "10.9.9.9"}, timeout=5)
        direct = httpx.get(f"{base}/metrics", timeout=5)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
    assert forwarded.status_code == expected, output
    assert direct.status_code == 403  # 127.0.0.1 itself is not in this allow list
