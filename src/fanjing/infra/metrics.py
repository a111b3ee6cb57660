"""The process's Prometheus metrics (prometheus-client), counted where things happen.

With several workers, ``fanjing serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` (under var/)
before they start, and each worker's counts go to files there that a scrape of any worker
adds up. Facts the database already holds (the sync's lag, held doses) are read at scrape
time instead (``fanjing.web.metrics``), so every worker reports the same figure.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "fanjing_http_requests",
    "HTTP requests answered, by route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "fanjing_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
)
DECISIONS = Counter(
    "fanjing_decisions", "Entry-check decisions, by outcome (allowed or refused)", ["outcome"]
)
POPUPS_RAISED = Counter("fanjing_popups_raised", "Pop-ups raised by new designations")
RISK_IMPORTS = Counter(
    "fanjing_risk_imports", "Risk-area imports (national list or CSV), by result", ["result"]
)
JOB_RUNS = Counter("fanjing_job_runs", "Server jobs run, by job and result", ["job", "result"])
