"""A closed-loop HTTP/1.1 load generator on loopback, and where the CPU went meanwhile.

One task per keep-alive connection sends its next request as soon as the
previous answer is read, until the phase's deadline or request budget runs out;
the connections are kept from one phase to the next. The default client is a minimal one over asyncio
streams (pre-encoded requests, ``Content-Length`` bodies only) so that the load
generator takes as little as possible of the cores it shares with the server;
``httpx2`` (``AsyncClient``) is there to compare.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter

import httpx2

HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0  # seconds; a request taking longer counts as an error
MAX_HEAD = 64 * 1024
OPENING_PAUSE = 0.02  # seconds between opening two connections
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


Send = Callable[[Request], Awaitable[Answer]]


class RawConnection:
    """One keep-alive HTTP/1.1 connection over asyncio streams; reopened after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._encoded: dict[Request, bytes] = {}

    def _encode(self, request: Request) -> bytes:
        encoded = self._encoded.get(request)
        if encoded is None:
            head = f"{request.method} {request.path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in request.headers)
            if request.method != "GET":
                head += f"Content-Type: application/json\r\nContent-Length: {len(request.body)}\r\n"
            encoded = self._encoded[request] = (head + "\r\n").encode() + request.body
        return encoded

    async def send(self, request: Request) -> Answer:
        try:
            return await self._exchange(request)
        except BaseException:
            self.close()  # whatever state it was left in
            raise

    async def _exchange(self, request: Request) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(HOST, self.port, limit=MAX_HEAD)
        reader, writer = self._streams
        writer.write(self._encode(request))
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in head[1:] if line)
        )
        if "content-length" not in headers:
            raise ValueError(f"no Content-Length in the answer: {head[:3]}")
        body = await reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Answer(status, body)

    def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


# --- CPU accounting (Linux /proc; figures are CPU-seconds) -------------------------------------


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...


def processes() -> dict[int, tuple[int, float]]:
    """Every process: its parent and the CPU-seconds it has used (utime + stime)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            found[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK)
    return found


def descendants(root: int) -> list[int]:
    """``root``'s child processes, and theirs."""
    parents = {pid: parent for pid, (parent, _cpu) in processes().items()}
    found, frontier = [], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        found.extend(children)
        frontier = children
    return found


def cpu_sample() -> dict[int, float]:
    """CPU-seconds used so far by every process of the machine."""
    return {pid: cpu for pid, (_parent, cpu) in processes().items()}


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """CPU-seconds each process used between two samples (all of it, if it started between)."""
    return {pid: cpu - before.get(pid, 0.0) for pid, cpu in after.items()}


# --- phases ----------------------------------------------------------------------------------


@dataclass
class Phase:
    label: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # of every answer, 2xx or not
    not_2xx: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # no answer: connection, timeout, protocol
    answers: dict[int, set[bytes]] = field(default_factory=dict)  # request index → 2xx bodies
    cpu: dict[int, float] = field(default_factory=dict)  # CPU-seconds spent, per process

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


async def run_phase(
    phase: Phase,
    senders: Sequence[Send],
    requests: Sequence[Request],
    *,
    seconds: float,
    budget: int,
    watch: Callable[[], object],
    keep: bool = False,
) -> Phase:
    """One closed loop per sender, taking ``requests`` in turn, for ``seconds`` or ``budget``
    requests in all, whichever comes first; ``keep``: the distinct 2xx bodies per request."""
    sent = 0

    async def loop(send: Send) -> None:
        nonlocal sent
        while perf_counter() < deadline and sent < budget:
            index = sent % len(requests)  # one rotation shared by all connections
            sent += 1
            start = perf_counter()
            try:
                answer = await asyncio.wait_for(send(requests[index]), REQUEST_TIMEOUT)
            except (
                OSError,
                TimeoutError,
                ValueError,
                EOFError,
                asyncio.LimitOverrunError,
                httpx2.HTTPError,
            ) as error:
                phase.errors.append(f"{type(error).__name__}: {error}")
                continue
            phase.latencies.append(perf_counter() - start)
            if not 200 <= answer.status < 300:
                phase.not_2xx.append(
                    f"{answer.status} {answer.body[:300].decode(errors='replace')}"
                )
            elif keep:
                phase.answers.setdefault(index, set()).add(answer.body)

    watch()
    before = cpu_sample()
    start = perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(loop(send) for send in senders))
    phase.seconds = perf_counter() - start
    phase.cpu = cpu_spent(before, cpu_sample())
    watch()
    return phase


async def open_raw_connections(port: int, count: int) -> list[RawConnection]:
    """``count`` connections kept for every phase, opened one after another, each answered once
    (GET /healthz) before the next: opened all at once, they would all go to the one worker
    that wakes first on the shared listening socket. Which worker gets which is the kernel's
    choice; the CPU-seconds per worker show how it went."""
    connections = []
    for _ in range(count):
        connection = RawConnection(port)
        await asyncio.wait_for(connection.send(Request("GET", "/healthz")), REQUEST_TIMEOUT)
        connections.append(connection)
        await asyncio.sleep(OPENING_PAUSE)
    return connections


def httpx2_client(port: int, concurrency: int) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx2.AsyncClient(
        base_url=f"http://{HOST}:{port}", limits=limits, timeout=REQUEST_TIMEOUT, trust_env=False
    )


def httpx2_sender(client: httpx2.AsyncClient) -> Send:
    """Sends through ``client`` (its pool opens and keeps the connections)."""

    async def send(request: Request) -> Answer:
        headers = dict(request.headers)
        if request.body:
            headers["content-type"] = "application/json"
        response = await client.request(
            request.method, request.path, content=request.body or None, headers=headers
        )
        return Answer(response.status_code, response.content)

    return send
