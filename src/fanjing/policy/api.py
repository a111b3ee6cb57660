"""``POST /api/v1/check``: the entry check over HTTP, open to anyone, keeping nothing."""

from __future__ import annotations

from fastapi import APIRouter, Response

from fanjing.policy.schemas import DecisionOut, SituationBody
from fanjing.web.deps import CheckerDep

router = APIRouter(prefix="/api/v1", tags=["进京检查"])


@router.post(
    "/check", response_model=DecisionOut, summary="进京检查：能否进京、须做什么、依据哪一条"
)
def check(body: SituationBody, checker: CheckerDep) -> Response:
    """The decision for one situation, with the registry's designations. No personal data is kept
    or logged."""
    decision = checker.check(body.model_dump(by_alias=True, exclude_unset=True))
    # the decision's own JSON (its dataclasses are the contract): no second pass through
    # the response model, which documents the same shape and which the API tests hold it to
    return Response(decision.to_json_bytes(), media_type="application/json")
