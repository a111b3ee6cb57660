"""Three CDC staff approve the same draft at once: exactly one approval wins, on SQLite and
on PostgreSQL; the others are refused as no longer a draft (409 over HTTP)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from fanjing.community.reevaluate import approve_pack
from fanjing.errors import Code, FanjingError
from fanjing.infra.db import session_scope
from fanjing.policy.service import Checker
from tests.api_helpers import bearer
from tests.community.test_reevaluate import second_version

APPROVERS = 3
# every approver has read the draft before any applies it (a plain read takes no lock on
# SQLite, so a check of the status in Python lets each of them through); an approval held
# back by the database never arrives, and the others go on after the timeout
ALL_HAVE_READ = threading.Barrier(APPROVERS)


@dataclass(frozen=True)
class HesitantChecker(Checker):
    """Waits for the other approvers when the approval pins the draft's pack, which it does
    once it has the draft in hand (with no open case, nothing else is called)."""

    def __post_init__(self) -> None:
        if self.pinned_pack is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                ALL_HAVE_READ.wait(timeout=3)


def test_of_three_parallel_approvals_exactly_one_succeeds(client, tokens, engine):
    uploaded = client.post(
        "/api/v1/policy/packs", json={"text": second_version()}, headers=bearer(tokens["cdc"])
    )
    pack_row = uploaded.json()["id"]
    state = client.app.state
    checker = HesitantChecker(
        state.packs.get(), state.registry.get(), state.gazetteer.parse, state.clock.today()
    )
    ALL_HAVE_READ.reset()
    start = threading.Barrier(APPROVERS)
    outcomes: list[str] = []

    def approve(number: int) -> None:
        start.wait()
        try:
            with session_scope(engine) as session:
                approve_pack(
                    session=session,
                    checker=checker,
                    row_id=pack_row,
                    actor=f"疾控{number}",
                    now=datetime.now(UTC),
                )
            outcomes.append("approved")
        except FanjingError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=approve, args=(n,)) for n in range(APPROVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["approved", "pack_not_draft", "pack_not_draft"]
    assert Code.PACK_NOT_DRAFT.status == 409
    audit = client.get("/api/v1/audit", headers=bearer(tokens["cdc"])).json()
    assert [e["action"] for e in audit].count("approve_pack") == 1
