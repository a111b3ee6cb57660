"""``python -m bench api [--seconds S] [--concurrency C] [--client raw|httpx2]``: the HTTP API.

``POST /api/v1/check``, ``GET /api/v1/healthkit/status`` and ``GET /api/v1/healthkit/pass``
throughput, each as a ratio to ``GET /healthz`` on the same server in the same run (targets
≥ 0.5, ≥ 0.8 and ≥ 0.6). On a
new database of a PostgreSQL server (``FANJING_TEST_PG_URL`` or
``--database-url``; run it as ``scripts/with-postgres .venv/bin/python -m bench
api``): the three national lists are imported, ``fanjing serve --workers 2`` is
started on 127.0.0.1, and this process loads it with a closed-loop generator: a
warm-up, then S seconds each of /healthz, of the check over ~1,000 varied
situations (in rotation), of the status of ~1,000 citizens (each with an account
and declarations; some with pop-ups or red), of their signed passes, and of /healthz
again (drift). The
server is stopped and the database dropped at the end, whatever happens. The
load generator runs on the same cores as the workers; the CPU-seconds of each
process are printed beside each phase.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import monotonic, sleep
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Engine, select, text
from stdnum.cn.ric import calc_check_digit

from bench.databases import PG_HINT, describe, postgres_database, timed_import
from bench.load import (
    HOST,
    Phase,
    Request,
    descendants,
    httpx2_client,
    httpx2_sender,
    open_raw_connections,
    run_phase,
)
from bench.situations import RISK_LISTS, build_pools, situation_lines
from fanjing.common.identity import read_document
from fanjing.errors import FanjingError
from fanjing.healthkit.declaration import declare
from fanjing.healthkit.service import create_account
from fanjing.healthkit.status_row import refresh_status
from fanjing.healthkit.store import PopupRow, RedMarkRow
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import create_db_engine, open_database, session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.store import DesignationRow, registry_in_database
from fanjing.policy.packfile import builtin_packs
from fanjing.policy.schemas import DecisionOut
from fanjing.policy.service import Checker
from fanjing.users.service import add_user

TARGET_RATIOS = {"check": 0.5, "status": 0.8, "pass": 0.6}  # of GET /healthz, by phase
STARTUP_SECONDS = 120.0  # at most, for the server to answer /healthz
STOP_SECONDS = 20.0  # at most, for it to stop after SIGTERM (then SIGKILL)
MAX_REQUESTS = 2_000_000  # per phase, whatever its length
NAGLE_SUSPECT = 0.030  # seconds: /healthz slower than this at the median means waiting, not work
WARMUP_PASSES = 3  # over the situations, so that both workers parse every place text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured phase (10)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=60.0,
        help=f"at most, for the warm-up: {WARMUP_PASSES} passes over the situations (60)",
    )
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (2)")
    parser.add_argument("--situations", type=int, default=1_000, help="in rotation (1000)")
    parser.add_argument("--citizens", type=int, default=1_000, help="for status lookups (1000)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed (2021)")
    parser.add_argument(
        "--client", choices=("raw", "httpx2"), default="raw", help="load generator's client (raw)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to create the database on (default: FANJING_TEST_PG_URL)",
    )


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Situations:
    bodies: list[bytes]  # JSON, as posted
    expected: list[dict[str, Any] | None]  # the decision in-process (one thread), as the API
    # gives it; None for a situation refused as bad input
    citizens: list[str]  # bearer tokens of citizens with health-kit accounts
    keys: dict[str, str]  # FANJING_DATA_KEYS and FANJING_LOOKUP_KEY the citizens' data is under


def _as_api(decision: Any) -> dict[str, Any]:
    """A decision as ``POST /api/v1/check`` shapes it (``DecisionOut``), comparable."""
    if isinstance(decision, bytes):
        return DecisionOut.model_validate_json(decision).model_dump(mode="json")
    return DecisionOut.model_validate(decision).model_dump(mode="json")


def _prepare(url: str, count: int, arguments_citizens: int, seed: int) -> Situations:
    """Migrate, import the national lists in date order, build situations against the
    designations now in the database (``bench.situations``' place pools), and decide each
    in-process, one at a time, as the reference for the server's answers."""
    engine = open_database(url)
    gazetteer = Gazetteer()
    try:
        for path in sorted(RISK_LISTS.glob("national-list-*.txt")):
            report, seconds = timed_import(engine, path, gazetteer.parse)
            print(f"imported {path.name} in {seconds:.2f} s: {describe(report)}")
        with session_scope(engine) as session:
            registry = registry_in_database(session)
    finally:
        engine.dispose()
    pools = build_pools(registry.designations, gazetteer.parse)
    lines = situation_lines(count, seed, pools)
    checker = Checker(builtin_packs(), registry, gazetteer.parse, Clock().today())
    expected: list[dict[str, Any] | None] = []
    for line in lines:
        try:
            expected.append(_as_api(checker.check(json.loads(line)).to_json()))
        except FanjingError:
            expected.append(None)
    data_key, lookup_key = Fernet.generate_key(), secrets.token_bytes(32)
    cipher = FieldCipher((data_key,), lookup_key)
    citizens = _citizens(url, arguments_citizens, lines, checker, cipher, seed)
    sizes = sum(len(line.encode()) for line in lines) / len(lines)
    print(
        f"registry: {len(registry.designations)} designations; stay places: designated "
        f"{len(pools.designated)}, inside {len(pools.inside)}, same city {len(pools.same_city)}, "
        f"unrelated {len(pools.unrelated)}, city only {len(pools.city_only)}; "
        f"{len(lines):,} situations, {sizes:.0f} bytes each on average, "
        f"{expected.count(None)} refused in-process as bad input; {len(citizens):,} citizens "
        "with accounts and declarations"
    )
    keys = {
        "FANJING_DATA_KEYS": data_key.decode("ascii"),
        "FANJING_LOOKUP_KEY": base64.urlsafe_b64encode(lookup_key).decode("ascii"),
    }
    return Situations([line.encode() for line in lines], expected, citizens, keys)


def _citizens(
    url: str, count: int, lines: list[str], checker: Checker, cipher: FieldCipher, seed: int
) -> list[str]:
    """``count`` citizens, each with an account, one or two travel declarations (situations
    in rotation), one in ten with a pop-up and one in twenty marked red: what a status
    lookup reads. Their tokens, for ``GET /api/v1/healthkit/status``; their data is under
    ``cipher``'s keys, which the server is given (the pass shows the masked name)."""
    randomly = random.Random(seed)
    engine = open_database(url)
    tokens = []
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            designations = list(session.scalars(select(DesignationRow.id)))
            for index in range(count):
                user, token = add_user(
                    session=session,
                    cipher=cipher,
                    name=f"bench-citizen-{index}",
                    role="citizen",
                    community=None,
                    parse_place=checker.parse_place,
                    actor="bench",
                    now=now,
                )
                tokens.append(token)
                body = f"110101{19600101 + index % 28 + 100 * (index % 12):08d}{index % 1000:03d}"
                number = body + calc_check_digit(body + "0")  # stdnum drops the last digit
                account = create_account(
                    session=session,
                    cipher=cipher,
                    user_id=user.id,
                    name=f"市民{index}",
                    document=read_document("resident_id", number, today=checker.today),
                    community=None,
                    now=now,
                )
                for _ in range(randomly.choice((1, 2))):
                    with suppress(FanjingError):
                        declare(
                            session=session,
                            checker=checker,
                            account=account,
                            situation=json.loads(randomly.choice(lines)),
                            now=now,
                        )
                if index % 10 == 0 and designations:
                    session.add(
                        PopupRow(
                            account_id=account.id,
                            designation_id=randomly.choice(designations),
                            city="河南省郑州市",
                            last_visit=checker.today,
                            raised_at=now,
                        )
                    )
                if index % 20 == 0:
                    session.add(
                        RedMarkRow(
                            account_id=account.id,
                            kind="close_contact",
                            reason="bench",
                            marked_on=checker.today,
                            marked_by="bench",
                        )
                    )
                session.flush()  # the rows above, written directly, onto the status row
                refresh_status(session=session, account_id=account.id, today=checker.today)
    finally:
        engine.dispose()
    return tokens


def _compare(phase: Phase, situations: Situations) -> None:
    """How many situations got an answer other than the in-process decision, or several."""
    wrong = [
        i
        for i, bodies in phase.answers.items()
        if any(_as_api(body) != situations.expected[i] for body in bodies)
    ]
    varying = [i for i, bodies in phase.answers.items() if len(bodies) > 1]
    print(
        f"    answers checked: {len(phase.answers)} situations; differing from the in-process "
        f"decision: {len(wrong)}; answered differently on different requests: {len(varying)}"
    )
    for index in wrong[:3]:
        want = situations.expected[index] or {}
        for got in (_as_api(body) for body in phase.answers[index]):
            if got != want:
                fields = [key for key in got if got[key] != want.get(key)]
                extra = [r for r in got["reasons"] if r not in want.get("reasons", [])]
                lacks = [r for r in want.get("reasons", []) if r not in got["reasons"]]
                shown = f"adds “{extra[0][:100]}…”" if extra else ""
                shown = shown or (f"lacks “{lacks[0][:100]}…”" if lacks else "")
                print(
                    f"    situation {index}: {', '.join(fields)} differ; entry allowed "
                    f"{got['entry']['allowed']} (in-process: {want.get('entry', {}).get('allowed')})"
                    f"; the server's answer {shown}"
                )
                break


# --- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _tail(log: Path) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-20:])


@contextmanager
def serving(
    url: str, workers: int, keys: dict[str, str]
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``fanjing serve`` on a free loopback port, answering /healthz; stopped on exit."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as folder:
        log = Path(folder) / "server.log"
        environment = {
            **os.environ,
            **keys,
            "FANJING_DATABASE_URL": url,
            "FANJING_VAR_DIR": folder,
        }
        command = [sys.executable, "-m", "fanjing", "serve", "--host", HOST, "--port", str(port)]
        command += ["--workers", str(workers)]
        print("server: " + " ".join(command[1:]))
        with log.open("wb") as output:
            server = subprocess.Popen(
                command,
                cwd=Path(__file__).resolve().parent.parent,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: ours to end, and only it
            )
        try:
            start = monotonic()
            while not _healthy(port):
                if server.poll() is not None:
                    raise RuntimeError(f"fanjing serve exited ({server.returncode}):\n{_tail(log)}")
                if monotonic() - start > STARTUP_SECONDS:
                    raise RuntimeError(f"no answer on /healthz in {STARTUP_SECONDS:.0f} s")
                sleep(0.2)
            print(
                f"server pid {server.pid} on port {port}, answering after {monotonic() - start:.1f} s"
            )
            yield server, port
        finally:
            _stop(server)
            if server.returncode not in (0, -signal.SIGTERM):
                print(f"server ended with {server.returncode}; its log:\n{_tail(log)}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            print("server did not stop in time: SIGKILL to its process group")
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # any worker left behind
    server.wait(STOP_SECONDS)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Watched:
    """Names for the processes whose CPU is shown: the server's, the database's backends."""

    server: int
    engine: Engine
    labels: dict[int, str]

    def __call__(self) -> None:
        for pid in descendants(self.server):
            with suppress(OSError):
                tracker = b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
                self.labels.setdefault(pid, "resource tracker" if tracker else f"worker {pid}")
        with self.engine.connect() as connection:
            backends = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalars()
            for pid in backends:
                self.labels.setdefault(pid, "postgres backends")

    def sessions(self) -> int:
        """Sessions opened on the database so far (PostgreSQL's statistics, lagging a little)."""
        with self.engine.connect() as connection:
            opened = connection.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
            ).scalar()
        return int(opened or 0)


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def _report(phase: Phase, labels: dict[int, str]) -> None:
    print(
        f"{phase.label}: {len(phase.latencies):,} answers in {phase.seconds:.1f} s = "
        f"{phase.per_second:,.0f}/s; latency ms p50 {_milliseconds(phase.percentile(0.5))}, "
        f"p95 {_milliseconds(phase.percentile(0.95))}, p99 {_milliseconds(phase.percentile(0.99))}, "
        f"max {_milliseconds(max(phase.latencies, default=0.0))}; "
        f"non-2xx {len(phase.not_2xx)}, errors {len(phase.errors)}"
    )
    for problem in [*phase.not_2xx[:3], *phase.errors[:3]]:
        print(f"    {problem}")
    spent = dict.fromkeys([*labels.values(), "other processes"], 0.0)
    for pid, seconds in phase.cpu.items():
        label = labels.get(pid, "other processes")
        spent[label] = spent.get(label, 0.0) + seconds
    unused = (os.cpu_count() or 1) * phase.seconds - sum(spent.values())
    shown = ", ".join(f"{label} {seconds:.1f}" for label, seconds in spent.items())
    print(f"    CPU-s: {shown}; unused ≈ {unused:.1f}")


async def _load(
    port: int, situations: Situations, arguments: argparse.Namespace, watch: Watched
) -> None:
    healthz = [Request("GET", "/healthz")]
    checks = [Request("POST", "/api/v1/check", body) for body in situations.bodies]
    statuses = [
        Request("GET", "/api/v1/healthkit/status", headers=(("Authorization", f"Bearer {token}"),))
        for token in situations.citizens
    ]
    passes = [
        Request("GET", "/api/v1/healthkit/pass", headers=(("Authorization", f"Bearer {token}"),))
        for token in situations.citizens
    ]
    client, connections = None, []
    if arguments.client == "httpx2":
        client = httpx2_client(port, arguments.concurrency)
        senders = [httpx2_sender(client)] * arguments.concurrency
    else:
        connections = await open_raw_connections(port, arguments.concurrency)
        senders = [connection.send for connection in connections]

    async def phase(
        label: str, requests: list[Request], seconds: float, budget: int = MAX_REQUESTS
    ) -> Phase:
        sessions = watch.sessions()
        done = await run_phase(
            Phase(label),
            senders,
            requests,
            seconds=seconds,
            budget=budget,
            watch=watch,
            keep=requests is checks,
        )
        await asyncio.sleep(1.0)  # let PostgreSQL's statistics catch up
        _report(done, watch.labels)
        print(f"    PostgreSQL sessions opened meanwhile: {watch.sessions() - sessions}")
        if done.answers:
            _compare(done, situations)
        return done

    try:
        await phase("warm-up GET /healthz", healthz, 2.0)
        warm_up = f"warm-up POST /api/v1/check, {WARMUP_PASSES} passes (place caches fill)"
        await phase(warm_up, checks, arguments.warmup, WARMUP_PASSES * len(checks))
        before = await phase("GET /healthz", healthz, arguments.seconds)
        check = await phase("POST /api/v1/check", checks, arguments.seconds)
        status = await phase("GET /api/v1/healthkit/status", statuses, arguments.seconds)
        issued = await phase("GET /api/v1/healthkit/pass", passes, arguments.seconds)
        after = await phase("GET /healthz again", healthz, arguments.seconds)
    finally:
        for connection in connections:
            connection.close()
        if client is not None:
            await client.aclose()
    _summary(before, {"check": check, "status": status, "pass": issued}, after)


def _summary(before: Phase, measured: dict[str, Phase], after: Phase) -> None:
    for name, phase in measured.items():
        target = TARGET_RATIOS[name]

        def ratio(baseline: float, phase: Phase = phase) -> float:
            return phase.per_second / baseline if baseline else 0.0

        mean = ratio((before.per_second + after.per_second) / 2)
        print(
            f"ratio {phase.label}/healthz: {mean:.2f} against the mean of both /healthz runs "
            f"({ratio(before.per_second):.2f} against the first, {ratio(after.per_second):.2f} "
            f"against the second); target ≥ {target}: "
            f"{'meets' if mean >= target else 'BELOW'}"
        )
    bad = sum(len(p.not_2xx) + len(p.errors) for p in (before, *measured.values(), after))
    print(f"non-2xx answers and errors in the measured phases: {bad} (should be 0)")
    if before.percentile(0.5) >= NAGLE_SUSPECT:
        print(
            f"note: /healthz takes {_milliseconds(before.percentile(0.5))} ms at the median with "
            "CPU to spare: each answer waits for the client's delayed ACK (Nagle's algorithm on: "
            "fanjing serve binds its socket as TCP to avoid it, uvicorn issue #3149), so both rates are "
            "capped by that wait and the ratio says little"
        )


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def run(arguments: argparse.Namespace) -> None:
    server_url = arguments.database_url or os.environ.get("FANJING_TEST_PG_URL")
    if not server_url:
        raise SystemExit("bench api " + PG_HINT.format(command="api"))
    print(
        f"{os.cpu_count()} cores, shared by {arguments.workers} uvicorn workers, PostgreSQL and "
        f"this load generator ({arguments.client} client, {arguments.concurrency} connections): "
        "what the generator and anything else running takes is taken from the server; see the "
        "CPU-seconds under each phase"
    )
    signal.signal(signal.SIGTERM, _terminated)  # so that the finally blocks below run
    with postgres_database(server_url, "bench_api") as url:
        situations = _prepare(url, arguments.situations, arguments.citizens, arguments.seed)
        engine = create_db_engine(url, pool_size=1)
        try:
            with serving(url, arguments.workers, situations.keys) as (server, port):
                labels = {os.getpid(): "load generator (this process)", server.pid: "supervisor"}
                watch = Watched(server.pid, engine, labels)
                asyncio.run(_load(port, situations, arguments, watch))
        finally:
            engine.dispose()
