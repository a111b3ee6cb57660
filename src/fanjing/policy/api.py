"""``POST /api/v1/check``: the entry check over HTTP, open to anyone, keeping nothing."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from fanjing.infra.clock import today_in_china
from fanjing.policy.schemas import DecisionOut, SituationBody
from fanjing.policy.service import Checker

router = APIRouter(prefix="/api/v1", tags=["进京检查"])


@router.post(
    "/check", response_model=DecisionOut, summary="进京检查：能否进京、须做什么、依据哪一条"
)
def check(body: SituationBody, request: Request) -> Response:
    """The decision for one situation, with the registry's designations. No personal data is kept
    or logged."""
    state = request.app.state
    checker = Checker(
        state.packs.get(), state.registry.get(), state.gazetteer.parse, today_in_china()
    )
    decision = checker.check(body.model_dump(by_alias=True, exclude_unset=True))
    # the decision's own JSON (its dataclasses are the contract): no second pass through
    # the response model, which documents the same shape and which the API tests hold it to
    return Response(decision.to_json_bytes(), media_type="application/json")
