"""CDC's pages: the dashboard (charts drawn server-side), and what CDC's other pages share (who
may see and write, the parts they are drawn with, messages for the next page); the risk areas'
pages are cdc_areas.py, the policy packs' cdc_packs.py. CDC staff write; administrators may
look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from fanjing.audit.cache import RevisionCache
from fanjing.common.days import day_of
from fanjing.community.core import KIND_ZH
from fanjing.community.dashboard import (
    LEVEL_ZH,
    LEVELS,
    arrivals_by_level,
    followed_by_community,
)
from fanjing.errors import Code, FanjingError
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.places.followers import DesignationFollowers
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.settings import Settings
from fanjing.users.core import Role
from fanjing.users.store import UserRow
from fanjing.web.deps import (
    CipherDep,
    ClockDep,
    DbSession,
    FollowersDep,
    GazetteerDep,
    RegistryCacheDep,
    SettingsDep,
)
from fanjing.web.pages.charts import grouped_bars, stacked_columns
from fanjing.web.pages.session import render, require_page

router = APIRouter(include_in_schema=False)
Viewer = Annotated[UserRow, Depends(require_page(Role.CDC, Role.ADMIN))]
Writer = Annotated[UserRow, Depends(require_page(Role.CDC))]  # writes are CDC's, as in the API
DayText = Annotated[str, Query(max_length=10)]

LEVEL_OF_AREA_ZH = {"high": "高风险", "medium": "中风险", "cases": "有病例"}
ORIGIN_ZH = {"national_list": "全国名单", "csv": "CSV", "manual": "疾控指定"}
FOLLOWED_ZH = {"observation": "集中或居家观察", "monitoring": "健康监测"}
WHAT_ZH = {"added": "新增", "removed": "取消", "changed": "改变"}
STATUS_ZH = {"draft": "草稿（待批准）", "approved": "已批准", "withdrawn": "已撤回"}
DASHBOARD_DAYS = 14
MAX_UPLOAD_BYTES = 512 * 1024
FLASH = "cdc_flash"
DESIGNATED = "已指定：{level} {area}（{day} 起）"
LIFTED = "已解除：{area}（最后一天 {day}）"
UPLOADED = "已存为草稿：{pack} {version}，请预览后批准"
LIFTS_CONFIRMED = "已确认解除暂缓的 {n} 个地区"
REOPENED = "已撤销解除：{area} 重新生效"
# texts the templates show through _() that come from here (the catalogue test reads them)
TEXTS = (
    DESIGNATED,
    LIFTED,
    UPLOADED,
    LIFTS_CONFIRMED,
    REOPENED,
    *LEVEL_OF_AREA_ZH.values(),
    *ORIGIN_ZH.values(),
    *FOLLOWED_ZH.values(),
    *WHAT_ZH.values(),
    *STATUS_ZH.values(),
    *LEVEL_ZH.values(),
    *KIND_ZH.values(),
)


def day_or(text: str, default: date, field: str) -> date:
    return day_of(text, field) if text.strip() else default


def flash_next(request: Request, text: str, **fields: str) -> None:
    """A message for the next page: its Chinese text (translated there) and its fields."""
    request.session[FLASH] = {"text": text, "fields": fields}


def take_flash(request: Request) -> dict[str, Any] | None:
    message = request.session.pop(FLASH, None)
    return message if isinstance(message, dict) else None


@dataclass(frozen=True)
class CdcKit:
    """What CDC's pages are drawn and changed with."""

    settings: Settings
    cipher: FieldCipher
    gazetteer: Gazetteer
    registry: RevisionCache[Registry]
    clock: Clock
    followers: DesignationFollowers


def _cdc_kit(
    settings: SettingsDep,
    cipher: CipherDep,
    gazetteer: GazetteerDep,
    registry: RegistryCacheDep,
    clock: ClockDep,
    followers: FollowersDep,
) -> CdcKit:
    return CdcKit(settings, cipher, gazetteer, registry, clock, followers)


Kit = Annotated[CdcKit, Depends(_cdc_kit)]


async def text_of(text: str, upload: UploadFile | None) -> tuple[str, str | None]:
    """The form's text, or the uploaded file's (UTF-8, a BOM allowed) when one was chosen."""
    if upload is not None and upload.filename:
        content = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(content) > MAX_UPLOAD_BYTES:
            raise FanjingError(Code.PAYLOAD_TOO_LARGE, "文件不能超过 512 KB")
        try:
            return content.decode("utf-8-sig"), upload.filename
        except UnicodeDecodeError:
            raise FanjingError(Code.BAD_ENCODING, "文件应为 UTF-8 编码的文本") from None
    return text, None


# ---------------------------------------------------------------- dashboard


@router.get("/cdc", response_class=HTMLResponse)
def dashboard(
    request: Request, session: DbSession, user: Viewer, kit: Kit, day: DayText = ""
) -> Response:
    on = day_or(day, kit.clock.today(), "day")
    first = on - timedelta(days=DASHBOARD_DAYS - 1)
    arrivals = arrivals_by_level(session, first, on)
    followed = followed_by_community(session, on)
    arrivals_chart = stacked_columns(
        [(d.day.isoformat(), d.day.strftime("%m-%d"), d.counts) for d in arrivals], LEVELS
    )
    followed_chart = grouped_bars(
        [
            (c.community, {"observation": c.observation, "monitoring": c.monitoring})
            for c in followed
        ],
        tuple(FOLLOWED_ZH),
    )
    return render(
        request,
        "cdc_dashboard.html",
        user=user,
        day=on,
        first=first,
        arrivals=arrivals,
        arrivals_chart=arrivals_chart,
        followed=followed,
        followed_chart=followed_chart,
        levels=LEVELS,
        level_zh=LEVEL_ZH,
        followed_zh=FOLLOWED_ZH,
        total_arrivals=sum(d.total for d in arrivals),
    )
