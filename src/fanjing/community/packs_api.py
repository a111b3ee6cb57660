"""Policy packs over HTTP (M10, CDC staff): upload a new version as a draft, list them,
preview what it changes in the open community cases, approve it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from fanjing.community.core import KIND_ZH, Measure
from fanjing.community.reevaluate import Preview, approve_and_publish, preview_pack
from fanjing.community.reevaluate_store import uploaded_packs
from fanjing.policy.packstore import load_pack_in_time, store_pack
from fanjing.policy.store import PolicyPackRow
from fanjing.users.core import Role
from fanjing.web.deps import (
    Caller,
    CheckerDep,
    ClockDep,
    DbSession,
    PacksCacheDep,
    RowId,
    SettingsDep,
    require,
)

router = APIRouter(prefix="/api/v1/policy/packs", tags=["政策包"])
Cdc = Annotated[Caller, Depends(require(Role.CDC))]


class PackUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # no max_length: the pack reader's cap answers 413, as the pages do (the body's 2 MiB
    # limit bounds what is read)
    text: str = Field(min_length=1, description="政策包 YAML（至多 512 KB）")
    file: str = Field("upload.yaml", max_length=200, description="文件名（报错时用）")


class PackRead(BaseModel):
    id: int
    pack_id: str
    version: str
    title: str
    in_force_from: date
    status: Literal["draft", "approved", "withdrawn"]
    uploaded_by: str
    approved_by: str | None


class PeriodRead(BaseModel):
    start: date
    until: date | None


class MeasureChangeRead(BaseModel):
    kind: str
    kind_zh: str
    what: Literal["added", "removed", "changed"]
    before: PeriodRead | None
    after: PeriodRead | None


class CaseChangeRead(BaseModel):
    case_id: int
    changes: list[MeasureChangeRead]


class PreviewRead(BaseModel):
    pack: PackRead
    cases: int = Field(description="重新评估的在管个案数")
    changed: int = Field(description="有变化的个案数")
    failed: list[dict[str, Any]]
    changes: list[CaseChangeRead] = Field(description="有变化的个案（至多 limit 个）")


def _pack_read(row: PolicyPackRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "pack_id": row.pack_id,
        "version": row.version,
        "title": row.title,
        "in_force_from": row.in_force_from,
        "status": row.status,
        "uploaded_by": row.uploaded_by,
        "approved_by": row.approved_by,
    }


def _period(measure: Measure | None) -> dict[str, Any] | None:
    return None if measure is None else {"start": measure.start, "until": measure.until}


def _preview_read(preview: Preview, limit: int) -> dict[str, Any]:
    return {
        "pack": _pack_read(preview.pack),
        "cases": preview.cases,
        "changed": len(preview.changes),
        "failed": [{"case_id": case_id, "reason": why} for case_id, why in preview.failed],
        "changes": [
            {
                "case_id": change.case_id,
                "changes": [
                    {
                        "kind": c.kind,
                        "kind_zh": KIND_ZH.get(c.kind, c.kind),
                        "what": c.what,
                        "before": _period(c.before),
                        "after": _period(c.after),
                    }
                    for c in change.changes
                ],
            }
            for change in preview.changes[:limit]
        ],
    }


@router.post("", response_model=PackRead, status_code=201, summary="上传政策包（校验后存为草稿）")
async def upload(
    body: PackUpload, session: DbSession, user: Cdc, clock: ClockDep
) -> dict[str, Any]:
    pack = await load_pack_in_time(body.text, file=body.file)
    row = await run_in_threadpool(
        store_pack,
        session=session,
        pack=pack,
        text=body.text,
        file=body.file,
        actor=user.name,
        now=clock.now(),
    )
    return _pack_read(row)


@router.get("", response_model=list[PackRead], summary="上传的政策包")
def packs(session: DbSession, user: Cdc) -> list[dict[str, Any]]:
    return [_pack_read(row) for row in uploaded_packs(session)]


@router.get(
    "/{pack_row_id}/preview",
    response_model=PreviewRead,
    summary="预览：新政策包会改变哪些在管个案、怎样改变",
)
def preview(
    pack_row_id: RowId,
    session: DbSession,
    user: Cdc,
    checker: CheckerDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
) -> dict[str, Any]:
    found = preview_pack(
        session=session,
        checker=checker,
        row_id=pack_row_id,
        dask_scheduler=settings.dask_scheduler,
    )
    return _preview_read(found, limit)


@router.post(
    "/{pack_row_id}/approve",
    response_model=PreviewRead,
    summary="批准政策包：生效，并按预览更新在管个案（逐个留痕）",
)
def approve(
    pack_row_id: RowId,
    session: DbSession,
    user: Cdc,
    checker: CheckerDep,
    clock: ClockDep,
    settings: SettingsDep,
    pack_cache: PacksCacheDep,
    limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
) -> dict[str, Any]:
    applied = approve_and_publish(
        session=session,
        checker=checker,
        row_id=pack_row_id,
        actor=user.name,
        now=clock.now(),
        packs=pack_cache,
        dask_scheduler=settings.dask_scheduler,
    )
    return _preview_read(applied, limit)
