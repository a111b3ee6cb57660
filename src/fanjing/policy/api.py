"""``POST /api/v1/check``: the entry check over HTTP, open to anyone, keeping nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from fanjing.audit.cache import RevisionCache
from fanjing.infra.clock import Clock
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.policy.core.pack import Pack
from fanjing.policy.schemas import DecisionOut, SituationBody
from fanjing.web.deps import ClockDep, GazetteerDep, PacksCacheDep, RegistryCacheDep, checker_now

router = APIRouter(prefix="/api/v1", tags=["进京检查"])


@router.post(
    "/check", response_model=DecisionOut, summary="进京检查：能否进京、须做什么、依据哪一条"
)
async def check(
    body: SituationBody,
    packs: PacksCacheDep,
    registry: RegistryCacheDep,
    gazetteer: GazetteerDep,
    clock: ClockDep,
) -> Response:
    """The decision for one situation, with the registry's designations. No personal data is kept
    or logged."""
    # the checker and the decision on one trip through the thread pool: as a dependency of a
    # blocking route the checker took a trip of its own, and under load each trip costs more
    # than the decision
    situation = body.model_dump(by_alias=True, exclude_unset=True)
    answer = await run_in_threadpool(_decided, packs, registry, gazetteer, clock, situation)
    return Response(answer, media_type="application/json")


def _decided(
    packs: RevisionCache[list[Pack]],
    registry: RevisionCache[Registry],
    gazetteer: Gazetteer,
    clock: Clock,
    situation: dict[str, Any],
) -> bytes:
    """The decision's own JSON (its dataclasses are the contract): no second pass through the
    response model, which documents the same shape and which the API tests hold it to."""
    return checker_now(packs, registry, gazetteer, clock).check(situation).to_json_bytes()
