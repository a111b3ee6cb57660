"""The work orders' part of the audit walk (tests/web/test_every_change_is_audited.py): every
state-changing route, API and page, called for real, with the audit action it must add."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select

from fanjing.common.identity import read_document
from fanjing.healthkit.status import mark_red
from fanjing.healthkit.store import PhoneBindingRow, PopupRow
from fanjing.infra.db import session_scope
from fanjing.places.store import DesignationRow
from tests.api_helpers import CLINIC, COMMUNITY

Step = tuple[str, str, str, Callable[[], None]]
BASE = "/api/v1/workorders"
MOMENT = datetime(2021, 8, 7, 3, tzinfo=UTC)


def workorder_steps(
    story: Any, page: Callable[..., Any], *, phone: str, document: str
) -> list[Step]:
    c, ids, app = story.call, story.ids, story.client.app
    today = date(2021, 8, 7)

    def account_id() -> int:
        with session_scope(app.state.engine) as session:
            found = session.scalar(
                select(PhoneBindingRow.account_id).where(
                    PhoneBindingRow.phone_hash == app.state.cipher.lookup_hash(phone)
                )
            )
        assert found is not None
        return found

    def popup() -> None:
        """A pop-up still to clear, from a designation the account has none of."""
        account = account_id()
        with session_scope(app.state.engine) as session:
            designation = session.scalar(
                select(DesignationRow.id).where(
                    ~exists().where(
                        PopupRow.account_id == account, PopupRow.designation_id == DesignationRow.id
                    )
                )
            )
            assert designation is not None
            session.add(
                PopupRow(
                    account_id=account,
                    designation_id=designation,
                    city="河南省郑州市",
                    last_visit=today,
                    raised_at=MOMENT,
                )
            )

    def red() -> None:
        with session_scope(app.state.engine) as session:
            ids["red_mark"] = mark_red(
                session=session,
                cipher=app.state.cipher,
                document=read_document("resident_id", document, today=today),
                kind="close_contact",
                reason="密接",
                actor="test",
                today=today,
                now=MOMENT,
            ).id

    def form(category: str, **more: Any) -> dict[str, Any]:
        return {
            "caller_name": "张三",
            "caller_phone": "13800001111",
            "category": category,
            "description": "误弹窗",
            "address": COMMUNITY,
            "concerns_phone": phone,
            **more,
        }

    def opened(name: str, category: str, **more: Any) -> None:
        ids[name] = c("hotline", "POST", BASE, json=form(category, **more))["id"]

    def page_opened(name: str, category: str) -> None:
        answer = page("hotline", "/hotline/workorders", form(category))
        ids[name] = answer.headers["location"].rsplit("/", 1)[-1]

    dose = {"name": "张三", "document_number": document, "reason": "姓名登记错误"}
    return [
        ("POST", BASE, "workorders.order.open", lambda: opened("wo", "popup_appeal")),
        (
            "POST",
            BASE + "/{order_id}/respond",
            "workorders.order.respond",
            lambda: c("community_worker", "POST", BASE + "/{wo}/respond", json={"text": "已核实"}),
        ),
        (
            "POST",
            BASE + "/{order_id}/popups/clear",
            "workorders.order.popup_clear",
            lambda: (
                popup(),
                c("community_worker", "POST", BASE + "/{wo}/popups/clear", json={"reason": "误判"}),
            ),
        ),
        (
            "POST",
            BASE + "/{order_id}/resolve",
            "workorders.order.resolve",
            lambda: c("community_worker", "POST", BASE + "/{wo}/resolve", json={"text": "已清除"}),
        ),
        (
            "POST",
            BASE + "/{order_id}/close",
            "workorders.order.close",
            lambda: c("hotline", "POST", BASE + "/{wo}/close", json={"satisfaction": "satisfied"}),
        ),
        (
            "POST",
            BASE + "/{order_id}/dose-identity",
            "workorders.order.dose_identity",
            lambda: (
                opened("wo_dose", "vaccination_missing", clinic=CLINIC),
                c(
                    "clinic",
                    "POST",
                    BASE + "/{wo_dose}/dose-identity",
                    json={**dose, "dose_id": ids["dose_id"]},
                ),
            ),
        ),
        (
            "POST",
            BASE + "/{order_id}/red-marks/lift",
            "workorders.order.red_mark_lift",
            lambda: (
                red(),
                opened("wo_red", "colour_appeal"),
                c(
                    "cdc",
                    "POST",
                    BASE + "/{wo_red}/red-marks/lift",
                    json={"mark_id": ids["red_mark"], "reason": "解除"},
                ),
            ),
        ),
        (
            "POST",
            "/hotline/workorders",
            "workorders.order.dispatch",
            lambda: page_opened("pwo", "popup_appeal"),
        ),
        (
            "POST",
            "/workorders/{order_id}/respond",
            "workorders.order.respond",
            lambda: page("community_worker", "/workorders/{pwo}/respond", {"text": "已核实"}),
        ),
        (
            "POST",
            "/workorders/{order_id}/popups/clear",
            "workorders.order.popup_clear",
            lambda: (
                popup(),
                page("community_worker", "/workorders/{pwo}/popups/clear", {"reason": "误判"}),
            ),
        ),
        (
            "POST",
            "/workorders/{order_id}/resolve",
            "workorders.order.resolve",
            lambda: page("community_worker", "/workorders/{pwo}/resolve", {"text": "已清除"}),
        ),
        (
            "POST",
            "/hotline/workorders/{order_id}/close",
            "workorders.order.close",
            lambda: page(
                "hotline", "/hotline/workorders/{pwo}/close", {"satisfaction": "dissatisfied"}
            ),
        ),
        (
            "POST",
            "/workorders/{order_id}/dose-identity",
            "workorders.order.dose_identity",
            lambda: (
                opened("pwo_dose", "vaccination_missing", clinic=CLINIC),
                page(
                    "clinic",
                    "/workorders/{pwo_dose}/dose-identity",
                    {**dose, "dose_id": str(ids["dose_id"])},
                ),
            ),
        ),
        (
            "POST",
            "/workorders/{order_id}/red-marks/lift",
            "workorders.order.red_mark_lift",
            lambda: (
                red(),
                opened("pwo_red", "colour_appeal"),
                page(
                    "cdc",
                    "/workorders/{pwo_red}/red-marks/lift",
                    {"mark_id": str(ids["red_mark"]), "reason": "解除"},
                ),
            ),
        ),
    ]
