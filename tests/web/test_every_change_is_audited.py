"""Every endpoint that can change state (POST, PUT, PATCH, DELETE, found by walking the app's
routes, so a new one cannot be forgotten) writes an audit entry when it succeeds, unless it
is on the allow-list below with the reason it changes nothing kept. Each endpoint, API and
page form, is called for real, in an order that makes each possible."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import Engine, func, select

from fanjing.audit.store import AuditEntryRow
from fanjing.checkpoints.service import add_checkpoint, bind_staff
from fanjing.healthkit.sender import LogSender
from fanjing.healthkit.store import AccountRow, PopupRow, RedMarkRow
from fanjing.infra.clock import Clock
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from fanjing.vaccination.store import AppointmentRow
from fanjing.web.app import create_app
from tests.api_helpers import CLINIC_STREET, COMMUNITY, bearer
from tests.community.test_reevaluate import second_version
from tests.workorders.audit_steps import workorder_steps

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
AREA = "河南省郑州市二七区京广路街道"
ID = "11010519491231002X"
PHONE = "13912345678"

# (method, path): why a success leaves nothing to audit
NOTHING_KEPT = {
    ("POST", "/api/v1/check"): "the entry check answers; nothing is stored",
    ("POST", "/check"): "the entry check's page: answers, stores nothing",
    ("POST", "/api/v1/pass/verify"): "verifies a signed pass; nothing is stored",
    ("POST", "/api/v1/checkpoints/commuter-check"): "answers the 14-day test rule; stores nothing",
    ("POST", "/checkpoint/commuter-check"): "the checkpoint page's commuter check, as the API's",
    (
        "POST",
        "/api/v1/vaccination/eligibility",
    ): "answers whether a dose may be had; stores nothing",
    ("POST", "/login"): "sets the signed session cookie; nothing in the database",
    ("POST", "/logout"): "clears the session cookie; nothing in the database",
    ("POST", "/api/v1/healthkit/phones"): "a one-time code pending (hashed, expiring): nothing is "
    "bound until it is confirmed, which is audited",
    ("POST", "/healthkit/phones"): "the page's one-time code, as the API's",
    ("POST", "/healthkit/vaccination/eligibility"): "the page's eligibility answer, as the API's",
}


def changing_endpoints(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) of the app that may change state."""

    def routes(candidates: Any) -> Iterator[Any]:
        for route in candidates:
            if hasattr(route, "effective_route_contexts"):  # an included router (FastAPI ≥ 0.130)
                yield from route.effective_route_contexts()
            else:
                yield route

    return {
        (method, route.path)
        for route in routes(app.routes)
        for method in (getattr(route, "methods", None) or set()) & CHANGING
    }


@pytest.fixture
def sender() -> LogSender:
    return LogSender()


@pytest.fixture
def client(engine, sender, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    app = create_app(settings, engine=engine, sender=sender)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _xlsx(
    name: str = "王五", number: str = "110101199003074514", phone: str = "13700000001"
) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "证件号码", "手机号", "到京日期", "途经地", "开始日期", "结束日期"])
    sheet.append([name, number, phone, "2021-08-04", AREA, "2021-08-01", "2021-08-03"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class Story:
    """The calls, in an order that makes each possible, and the audit action each must add."""

    def __init__(self, client: TestClient, tokens: dict[str, str], sender: LogSender) -> None:
        self.client, self.tokens, self.sender = client, tokens, sender
        self.ids: dict[str, Any] = {}

    def call(self, role: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**bearer(self.tokens[role]), **kwargs.pop("headers", {})}
        answer = self.client.request(method, path.format(**self.ids), headers=headers, **kwargs)
        assert answer.status_code < 300, (method, path, answer.status_code, answer.text)
        return answer.json() if answer.content else None

    def steps(self) -> list[tuple[str, str, str, Callable[[], None]]]:
        """(method, path, audit action, the call)."""
        day = Clock().today().isoformat()
        situation = {
            "as_of": "2021-08-07",
            "arrival": "2021-08-07",
            "stays": [{"place": AREA, "from": "2021-07-28", "to": "2021-08-01"}],
        }

        def keep(name: str, value: Any) -> None:
            self.ids[name] = value

        c = self.call
        return [
            (
                "POST",
                "/api/v1/healthkit/account",
                "healthkit.account.create",
                lambda: c(
                    "citizen",
                    "POST",
                    "/api/v1/healthkit/account",
                    json={"name": "张三", "document_number": ID, "community": COMMUNITY},
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/phones/confirm",
                "healthkit.phone.bind",
                lambda: (
                    c(
                        "citizen",
                        "POST",
                        "/api/v1/healthkit/phones",
                        json={"phone": PHONE, "platform": "wechat"},
                    ),
                    c(
                        "citizen",
                        "POST",
                        "/api/v1/healthkit/phones/confirm",
                        json={
                            "phone": PHONE,
                            "platform": "wechat",
                            "code": self.sender.sent[-1][1],
                        },
                    ),
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/declarations",
                "healthkit.declaration",
                lambda: c("citizen", "POST", "/api/v1/healthkit/declarations", json=situation),
            ),
            (
                "POST",
                "/api/v1/risk-areas",
                "designation.open",
                lambda: keep(
                    "designation_id",
                    c(
                        "cdc",
                        "POST",
                        "/api/v1/risk-areas",
                        json={"level": "medium", "area": AREA, "from": "2021-07-31"},
                    )["id"],
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/popups/{popup_id}/clear",
                "healthkit.popup.clear",
                lambda: (
                    keep(
                        "popup_id",
                        c("community_worker", "GET", "/api/v1/healthkit/community/popups")[0]["id"],
                    ),
                    c(
                        "community_worker",
                        "POST",
                        "/api/v1/healthkit/popups/{popup_id}/clear",
                        json={"reason": "已核实：只在郑州东站换乘"},
                    ),
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/phones/unbind",
                "healthkit.phone.unbind",
                lambda: c(
                    "citizen",
                    "POST",
                    "/api/v1/healthkit/phones/unbind",
                    json={"phone": PHONE, "platform": "wechat"},
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/red-marks",
                "mark_red",
                lambda: keep(
                    "mark_id",
                    c(
                        "cdc",
                        "POST",
                        "/api/v1/healthkit/red-marks",
                        json={"document_number": ID, "kind": "close_contact", "reason": "同乘航班"},
                    )["id"],
                ),
            ),
            (
                "POST",
                "/api/v1/healthkit/red-marks/{mark_id}/lift",
                "lift_red",
                lambda: c(
                    "cdc",
                    "POST",
                    "/api/v1/healthkit/red-marks/{mark_id}/lift",
                    json={"reason": "核酸阴性，排除"},
                ),
            ),
            (
                "POST",
                "/api/v1/risk-areas/{designation_id}/lift",
                "designation.lift",
                lambda: c(
                    "cdc", "POST", "/api/v1/risk-areas/{designation_id}/lift", json={"to": day}
                ),
            ),
            (
                "POST",
                "/api/v1/risk-areas/import",
                "designation.open",
                lambda: c(
                    "cdc",
                    "POST",
                    "/api/v1/risk-areas/import",
                    json={"text": "level,area,from,to\ncases,江苏省扬州市,2021-07-28,\n"},
                ),
            ),
            (
                "POST",
                "/api/v1/community/reports",
                "report_arrival",
                lambda: keep(
                    "report",
                    c(
                        "community_worker",
                        "POST",
                        "/api/v1/community/reports",
                        json={
                            "person": {"name": "李四", "document_number": ID, "phone": PHONE},
                            "situation": {
                                **situation,
                                "as_of": "2021-08-04",
                                "arrival": "2021-08-04",
                            },
                        },
                    ),
                ),
            ),
            (
                "POST",
                "/api/v1/community/arrivals/import",
                "report_arrival",
                lambda: c(
                    "community_worker",
                    "POST",
                    "/api/v1/community/arrivals/import",
                    content=_xlsx(),
                    headers={
                        "Content-Type": "application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet",
                    },
                ),
            ),
        ]


def test_every_state_changing_endpoint_writes_an_audit_entry(client, tokens, sender, engine):
    endpoints = changing_endpoints(client.app)
    assert ("POST", "/api/v1/healthkit/popups/{popup_id}/clear") in endpoints  # the walk works
    stale = set(NOTHING_KEPT) - endpoints
    assert stale == set(), "the allow-list names endpoints that no longer exist"
    story = Story(client, tokens, sender)
    exercised: set[tuple[str, str]] = set()
    steps = [
        *story.steps(),
        *more_steps(story),
        *page_steps(story),
        *checkpoint_steps(story),
        *employer_steps(story),
        *site_steps(story),
    ]
    for method, path, action, perform in steps:
        before = _last_id(engine)
        perform()
        added = _actions_after(engine, before)
        assert action in added, (method, path, action, added)
        exercised.add((method, path))
    unaudited = endpoints - exercised - set(NOTHING_KEPT)
    assert unaudited == set(), "state-changing endpoints with no audit check"
    with engine.connect() as connection:
        logged = " ".join(
            f"{actor} {before} {after}"
            for actor, before, after in connection.execute(
                select(AuditEntryRow.actor, AuditEntryRow.before, AuditEntryRow.after)
            )
        )
    for personal in (ID, PHONE, "110101199003071233", "13800138000", "张三", "李四", "赵六"):
        assert personal not in logged, personal  # masked (张*, 139****5678) or absent


def _csrf(client: TestClient, page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get(page).text)
    assert found is not None, page
    return found.group(1)


HOME = {
    "citizen": "/healthkit",
    "hotline": "/hotline",
    "cdc": "/cdc/areas",
    "community_worker": "/community",
    "clinic": "/clinic",
    "checkpoint": "/checkpoint",
}


def _log_in(client: TestClient, token: str) -> None:
    client.cookies.clear()
    client.post(
        "/login", data={"token": token, "csrf": _csrf(client, "/login")}, follow_redirects=False
    )


def checkpoint_steps(story: Story) -> list[tuple[str, str, str, Callable[[], None]]]:
    """A checkpoint's results (API and page) and a commuter's registration (API and page)."""
    client, c = story.client, story.call
    with session_scope(client.app.state.engine) as session:
        checkpoint = add_checkpoint(
            session=session,
            name="白庙检查站",
            district="北京市通州区",
            parse_place=client.app.state.gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )
        staff = session.scalar(select(UserRow).where(UserRow.role == "checkpoint"))
        bind_staff(
            session=session, user=staff, checkpoint=checkpoint, actor="test", now=datetime.now(UTC)
        )
    now = datetime.now(UTC)

    def result(client_id: str) -> dict[str, Any]:
        return {
            "client_id": client_id,
            "outcome": "pass",
            "colour": "green",
            "popup": False,
            "masked_name": "张*",
            "pass_expires_at": (now + timedelta(minutes=5)).isoformat(),
            "temperature": 36.5,
            "checked_at": (now - timedelta(minutes=1)).isoformat(),
        }

    def page_results() -> None:
        _log_in(client, story.tokens["checkpoint"])
        answer = client.post(
            "/checkpoint/results",
            json={"results": [result("page-result-1")]},
            headers={"X-CSRF-Token": _csrf(client, "/checkpoint")},
        )
        assert answer.status_code == 200, answer.text

    def page_commuter() -> None:
        _log_in(client, story.tokens["citizen"])
        answer = client.post(
            "/healthkit/commuter",
            data={
                "employer": "北京某单位",
                "home": "天津市武清区",
                "csrf": _csrf(client, "/healthkit"),
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    commuter = {"employer": "北京某科技有限公司", "home": "河北省廊坊市三河市燕郊镇"}
    return [
        (
            "POST",
            "/api/v1/checkpoints/results",
            "checkpoint_result.record",
            lambda: c(
                "checkpoint",
                "POST",
                "/api/v1/checkpoints/results",
                json={"results": [result("api-result-1")]},
            ),
        ),
        ("POST", "/checkpoint/results", "checkpoint_result.record", page_results),
        (
            "POST",
            "/api/v1/checkpoints/commuters",
            "commuter.register",
            lambda: c("citizen", "POST", "/api/v1/checkpoints/commuters", json=commuter),
        ),
        ("POST", "/healthkit/commuter", "commuter.register", page_commuter),
    ]


def page_steps(story: Story) -> list[tuple[str, str, str, Callable[[], None]]]:
    """Every page form, each after logging in with the role's token (a second citizen, so
    the first's account made over the API stays theirs)."""
    client, ids = story.client, story.ids
    with session_scope(client.app.state.engine) as session:
        _, story.tokens["citizen2"] = add_user(
            session=session,
            cipher=client.app.state.cipher,
            name="citizen-2",
            role="citizen",
            community=None,
            clinic=None,
            parse_place=client.app.state.gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )

    def login(role: str) -> None:
        client.cookies.clear()
        logged_in = client.post(
            "/login",
            data={"token": story.tokens[role], "csrf": _csrf(client, "/login")},
            follow_redirects=False,
        )
        assert logged_in.status_code == 303, logged_in.text

    def post(role: str, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        home = HOME[{"citizen2": "citizen", "cdc2": "cdc"}.get(role, role)]
        answer = client.post(
            path.format(**ids),
            data={**data, "csrf": _csrf(client, home)},
            follow_redirects=False,
            **kwargs,
        )
        assert answer.status_code < 400, (path, answer.status_code)
        return answer

    def page(role: str, path: str, data: dict[str, str], **kwargs: Any) -> Any:
        login(role)
        return post(role, path, data, **kwargs)

    def api(role: str, path: str) -> Any:
        return story.call(role, "GET", path)

    def keep(name: str, value: Any) -> None:
        ids[name] = value

    other_id, other_phone = "110101199003075074", "13600000002"
    xlsx = ("list.xlsx", _xlsx("孙七", "110101199003070417", "13700000003"))
    entry = {
        "question": "核酸检测报告几天有效？",
        "answer": "以当地要求为准。",
        "alternatives": "",
        "source": "12345",
        "url": "",
        "date": "",
        "author": "",
    }
    pack = second_version(home_days=28).replace('"2021.08.10"', '"2021.08.11"', 1)
    dose = {
        "product_code": "bibp_inactivated",
        "dose_number": "1",
        "day": (Clock().today() - timedelta(days=30)).isoformat(),
        "name": "钱八",
        "document_kind": "resident_id",
        "document_number": other_id,
    }

    def confirm() -> None:
        page("citizen2", "/healthkit/phones", {"phone": other_phone, "platform": "alipay"})
        post("citizen2", "/healthkit/phones/confirm", {"code": story.sender.sent[-1][1]})

    def open_popup_account() -> int:
        """An account of the community with an open pop-up."""
        with session_scope(client.app.state.engine) as session:
            return int(
                session.scalars(
                    select(PopupRow.account_id)
                    .join(AccountRow, AccountRow.id == PopupRow.account_id)
                    .where(AccountRow.community == COMMUNITY, PopupRow.cleared_at.is_(None))
                ).first()
            )

    def popup() -> None:
        keep("page_popup_account", open_popup_account())
        page(
            "community_worker",
            "/community/popups/people/{page_popup_account}/clear",
            {"reason": "已核实", "city": ""},
        )

    def designate(area: str) -> None:
        """A new area where the community's people declared stays: pop-ups to clear."""
        story.call(
            "cdc",
            "POST",
            "/api/v1/risk-areas",
            json={"level": "high", "area": area, "from": "2021-08-01"},
        )

    def bulk_popups() -> None:
        designate("河南省郑州市二七区淮河路街道")
        keep("popup_account", open_popup_account())
        story.call(
            "community_worker",
            "POST",
            "/api/v1/healthkit/community/accounts/{popup_account}/popups/clear",
            json={"reason": "已核实：只在郑州东站换乘"},
        )

    def national(day: str, declared: int, *areas: str) -> str:
        """A day's national list declaring ``declared`` high-risk areas and listing ``areas``."""
        return "\n".join(
            [
                f"根据“国务院客户端”APP，2021年8月{day}日08时，全国{declared}个高风险地区，0个中风险地区。",
                f"高风险地区({declared}个)",
                *areas,
            ]
        )

    def held_import_api() -> None:
        full = national("20", 1, "河南：1个", "郑州市二七区京广路街道")
        cut = national("21", 2, "河南：1个", "郑州市金水区")
        story.call("cdc", "POST", "/api/v1/risk-areas/import", json={"text": full})
        held = story.call("cdc", "POST", "/api/v1/risk-areas/import", json={"text": cut})
        assert held["lifts_held"], held
        keep("import_id", held["import_id"])
        story.call("cdc", "POST", "/api/v1/risk-areas/imports/{import_id}/confirm-lifts")

    def held_import_page() -> None:
        full = national("22", 2, "江苏：2个", "南京市江宁区禄口街道", "南京市江宁区湖熟街道")
        cut = national("23", 2, "江苏：1个", "南京市江宁区禄口街道")
        files = {"upload": ("", b"")}
        page("cdc", "/cdc/areas/import", {"text": full, "list_date": ""}, files=files)
        answer = post("cdc", "/cdc/areas/import", {"text": cut, "list_date": ""}, files=files)
        keep("page_import", answer.headers["location"].rsplit("/", 1)[-1])
        post("cdc", "/cdc/areas/imports/{page_import}/confirm-lifts", {})

    def newest(row: Any) -> int:
        with session_scope(client.app.state.engine) as session:
            return int(session.scalar(select(func.max(row.id))))

    def entry_id() -> None:
        found = [
            e for e in api("hotline", "/api/v1/faq/entries") if e["question"] == entry["question"]
        ]
        keep("entry_id", found[0]["id"])

    P = "POST"
    return [
        (
            P,
            "/healthkit/account",
            "healthkit.account.create",
            lambda: page(
                "citizen2",
                "/healthkit/account",
                {"name": "钱八", "document_number": other_id, "community": COMMUNITY},
            ),
        ),
        (P, "/healthkit/phones/confirm", "healthkit.phone.bind", confirm),
        (
            P,
            "/healthkit/declare",
            "healthkit.declaration",
            lambda: page(
                "citizen2",
                "/healthkit/declare",
                {
                    "as_of": "2021-08-07",
                    "arrival": "2021-08-07",
                    "place0": "河南省郑州市金水区",
                    "from0": "2021-08-01",
                    "to0": "2021-08-03",
                },
            ),
        ),
        (
            P,
            "/healthkit/phones/unbind",
            "healthkit.phone.unbind",
            lambda: page(
                "citizen2", "/healthkit/phones/unbind", {"phone": other_phone, "platform": "alipay"}
            ),
        ),
        (
            P,
            "/cdc/areas/designate",
            "designation.open",
            lambda: page(
                "cdc",
                "/cdc/areas/designate",
                {"level": "high", "area": "河南省郑州市金水区", "from": "2021-08-02"},
            ),
        ),
        (P, "/community/popups/people/{account_id}/clear", "healthkit.popup.clear", popup),
        (
            P,
            "/cdc/areas/{designation_id}/lift",
            "designation.lift",
            lambda: (
                keep(
                    "page_designation",
                    next(
                        d["id"]
                        for d in api("cdc", "/api/v1/risk-areas?as_of=2021-08-07")
                        if d["area"] == "河南省郑州市金水区"
                    ),
                ),
                page("cdc", "/cdc/areas/{page_designation}/lift", {"to": "2021-08-07"}),
            ),
        ),
        (
            P,
            "/cdc/areas/import",
            "designation.open",
            lambda: page(
                "cdc",
                "/cdc/areas/import",
                {"text": "level,area,from,to\ncases,江苏省南京市,2021-07-28,\n", "list_date": ""},
                files={"upload": ("", b"")},
            ),
        ),
        (
            P,
            "/cdc/packs",
            "upload_pack",
            lambda: keep(
                "page_pack",
                page("cdc", "/cdc/packs", {"text": pack}, files={"upload": ("", b"")})
                .headers["location"]
                .rsplit("/", 1)[-1],
            ),
        ),
        (
            P,
            "/cdc/packs/{pack_row_id}/approve",
            "approve_pack",
            lambda: page("cdc2", "/cdc/packs/{page_pack}/approve", {"confirm": "yes"}),
        ),
        (
            P,
            "/community/import",
            "report_arrival",
            lambda: page("community_worker", "/community/import", {}, files={"file": xlsx}),
        ),
        (
            P,
            "/community/cases/{case_id}/checks",
            "record_check",
            lambda: page(
                "community_worker",
                "/community/cases/{case_id}/checks",
                {"day": "2021-08-06", "temperature": "36.6"},
            ),
        ),
        (
            P,
            "/community/cases/{case_id}/tests",
            "record_test",
            lambda: page(
                "community_worker",
                "/community/cases/{case_id}/tests",
                {"day": "2021-08-05", "result": "positive"},
            ),
        ),
        (
            P,
            "/community/cases/{case_id}/measures/{measure_id}/end",
            "end_measure",
            lambda: page(
                "community_worker",
                "/community/cases/{case_id}/measures/{monitor_id}/end",
                {"day": "2021-08-30", "reason": "送医"},
            ),
        ),
        (
            P,
            "/hotline/entries",
            "faq.create",
            lambda: (page("hotline", "/hotline/entries", entry), entry_id()),
        ),
        (
            P,
            "/hotline/entries/{entry_id}",
            "faq.update",
            lambda: page(
                "hotline", "/hotline/entries/{entry_id}", {**entry, "answer": "以北京要求为准。"}
            ),
        ),
        (
            P,
            "/hotline/entries/{entry_id}/delete",
            "faq.delete",
            lambda: page("hotline", "/hotline/entries/{entry_id}/delete", {"confirm": "yes"}),
        ),
        (
            P,
            "/clinic/doses",
            "vaccination.dose.record",
            lambda: page("clinic", "/clinic/doses", dose),
        ),
        (
            P,
            "/clinic/doses/{dose_id}/identity",
            "vaccination.dose.correct_identity",
            lambda: (
                keep(
                    "page_dose",
                    next(
                        d["id"]
                        for d in api("clinic", "/api/v1/vaccination/doses")
                        if d["name"] == "钱*"
                    ),
                ),
                page(
                    "clinic",
                    "/clinic/doses/{page_dose}/identity",
                    {
                        "name": "钱八",
                        "document_kind": "resident_id",
                        "document_number": other_id,
                        "reason": "核对证件",
                    },
                ),
            ),
        ),
        (P, "/clinic/sync", "vaccination.sync.run", lambda: page("clinic", "/clinic/sync", {})),
        (
            P,
            "/api/v1/healthkit/community/accounts/{account_id}/popups/clear",
            "healthkit.popup.clear",
            bulk_popups,
        ),
        (
            P,
            "/api/v1/risk-areas/imports/{import_id}/confirm-lifts",
            "registry_import.confirm_lifts",
            held_import_api,
        ),
        (
            P,
            "/cdc/areas/imports/{import_id}/confirm-lifts",
            "registry_import.confirm_lifts",
            held_import_page,
        ),
        (
            P,
            "/cdc/areas/{designation_id}/reopen",
            "designation.reopen",
            lambda: page("cdc", "/cdc/areas/{page_designation}/reopen", {}),
        ),
        (
            P,
            "/cdc/cases/{case_id}/measures/{measure_id}/adjust",
            "adjust_measure",
            lambda: page(
                "cdc",
                "/cdc/cases/{case_id}/measures/{measure_id}/adjust",
                {"last_day": "2021-08-25", "reason": "流调显示有续发风险"},
            ),
        ),
        (
            P,
            "/cdc/cases/{case_id}/lift",
            "lift_measure",
            lambda: page(
                "cdc", "/cdc/cases/{case_id}/lift", {"day": "2021-08-08", "reason": "排除"}
            ),
        ),
        (
            P,
            "/cdc/red-marks",
            "mark_red",
            lambda: page(
                "cdc",
                "/cdc/red-marks",
                {
                    "document_kind": "resident_id",
                    "document_number": ID,
                    "kind": "close_contact",
                    "reason": "同乘航班",
                },
            ),
        ),
        (
            P,
            "/cdc/red-marks/{mark_id}/lift",
            "lift_red",
            lambda: (
                keep("page_mark", newest(RedMarkRow)),
                post("cdc", "/cdc/red-marks/{page_mark}/lift", {"reason": "核酸阴性，排除"}),
            ),
        ),
        (
            P,
            "/healthkit/vaccination/appointments",
            "vaccination.appointment.book",
            lambda: page(
                "citizen2",
                "/healthkit/vaccination/appointments",
                {
                    "product_code": "bibp_inactivated",
                    "dose_number": "1",
                    "day": (Clock().today() + timedelta(days=1)).isoformat(),
                    "street": CLINIC_STREET,
                },
            ),
        ),
        (
            P,
            "/healthkit/vaccination/appointments/{appointment_id}/cancel",
            "vaccination.appointment.cancel",
            lambda: (
                keep("page_appointment", newest(AppointmentRow)),
                post(
                    "citizen2", "/healthkit/vaccination/appointments/{page_appointment}/cancel", {}
                ),
            ),
        ),
        *workorder_steps(story, page, phone=PHONE, document=ID),
    ]


def _last_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.coalesce(func.max(AuditEntryRow.id), 0))) or 0


def _actions_after(engine: Engine, last: int) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(AuditEntryRow.action)
                .where(AuditEntryRow.id > last)
                .order_by(AuditEntryRow.id)
            )
        )


def more_steps(story: Story) -> list[tuple[str, str, str, Callable[[], None]]]:
    """The community's follow-up, packs, the hotline and vaccination."""
    c, ids = story.call, story.ids
    today = Clock().today()
    tomorrow = today.toordinal() + 1
    slot_day = date.fromordinal(tomorrow).isoformat()
    first_dose = (today - timedelta(days=30)).isoformat()

    def keep(name: str, value: Any) -> None:
        ids[name] = value

    def case_ids() -> None:
        ids["case_id"] = ids["report"]["case_id"]
        measures = ids["report"]["measures"]
        ids["measure_id"] = next(m["id"] for m in measures if m["kind"] == "home_observation")
        ids["monitor_id"] = next(m["id"] for m in measures if m["kind"] == "health_monitoring")

    contact = {
        "as_of": "2021-08-05",
        "arrival": "2021-08-04",
        "stays": [{"place": "江苏省南京市鼓楼区", "from": "2021-08-01", "to": "2021-08-02"}],
        "contact": {"role": "secondary_close_contact", "last_contact": "2021-08-03"},
    }
    person = {"name": "赵六", "document_number": "110101199003071233", "phone": "13800138000"}
    entry = {"question": "行程卡带星能进京吗？", "answer": "需确认是否经过中高风险区域。"}
    dose = {
        "name": "张三",
        "document_number": ID,
        "product_code": "bibp_inactivated",
        "dose_number": 1,
        "day": first_dose,
    }
    booking = {
        "street": CLINIC_STREET,
        "day": slot_day,
        "product_code": "bibp_inactivated",
        "dose_number": 2,
    }
    return [
        (
            "POST",
            "/api/v1/community/cases/{case_id}/checks",
            "record_check",
            lambda: (
                case_ids(),
                c(
                    "community_worker",
                    "POST",
                    "/api/v1/community/cases/{case_id}/checks",
                    json={"day": "2021-08-05", "temperature": "36.5"},
                ),
            ),
        ),
        (
            "POST",
            "/api/v1/community/cases/{case_id}/tests",
            "record_test",
            lambda: c(
                "community_worker",
                "POST",
                "/api/v1/community/cases/{case_id}/tests",
                json={"day": "2021-08-05", "result": "negative"},
            ),
        ),
        (
            "POST",
            "/api/v1/community/cases/{case_id}/measures/{measure_id}/end",
            "end_measure",
            lambda: c(
                "community_worker",
                "POST",
                "/api/v1/community/cases/{case_id}/measures/{measure_id}/end",
                json={"day": "2021-08-10", "reason": "转为集中观察"},
            ),
        ),
        (
            "POST",
            "/api/v1/community/measures/{measure_id}/adjust",
            "adjust_measure",
            lambda: c(
                "cdc",
                "POST",
                f"/api/v1/community/measures/{ids['monitor_id']}/adjust",
                json={"end": "2021-08-31", "reason": "疾控研判延长健康监测"},
            ),
        ),
        (
            "POST",
            "/api/v1/community/cases/{case_id}/lift",
            "lift_measure",
            lambda: (
                keep(
                    "contact_case",
                    c(
                        "community_worker",
                        "POST",
                        "/api/v1/community/reports",
                        json={"person": person, "situation": contact},
                    )["case_id"],
                ),
                c(
                    "cdc",
                    "POST",
                    f"/api/v1/community/cases/{ids['contact_case']}/lift",
                    json={"day": "2021-08-09", "reason": "流调排除次密接"},
                ),
            ),
        ),
        (
            "POST",
            "/api/v1/policy/packs",
            "upload_pack",
            lambda: keep(
                "pack_row_id",
                c("cdc", "POST", "/api/v1/policy/packs", json={"text": second_version()})["id"],
            ),
        ),
        (
            "POST",
            "/api/v1/policy/packs/{pack_row_id}/approve",
            "approve_pack",
            lambda: c("cdc2", "POST", "/api/v1/policy/packs/{pack_row_id}/approve"),
        ),
        (
            "POST",
            "/api/v1/faq/entries",
            "faq.create",
            lambda: keep("entry_id", c("hotline", "POST", "/api/v1/faq/entries", json=entry)["id"]),
        ),
        (
            "PUT",
            "/api/v1/faq/entries/{entry_id}",
            "faq.update",
            lambda: c(
                "hotline",
                "PUT",
                "/api/v1/faq/entries/{entry_id}",
                json={**entry, "answer": "先确认是否去过中高风险地区。"},
            ),
        ),
        (
            "DELETE",
            "/api/v1/faq/entries/{entry_id}",
            "faq.delete",
            lambda: c("hotline", "DELETE", "/api/v1/faq/entries/{entry_id}"),
        ),
        (
            "POST",
            "/api/v1/vaccination/clinics",
            "vaccination.clinic.add",
            lambda: c(
                "admin",
                "POST",
                "/api/v1/vaccination/clinics",
                json={"code": "cy-jsm", "name": "劲松接种门诊", "street": "北京市朝阳区劲松街道"},
            ),
        ),
        (
            "POST",
            "/api/v1/vaccination/doses",
            "vaccination.dose.record",
            lambda: keep(
                "dose_id", c("clinic", "POST", "/api/v1/vaccination/doses", json=dose)["id"]
            ),
        ),
        (
            "POST",
            "/api/v1/vaccination/doses/{dose_id}/identity",
            "vaccination.dose.correct_identity",
            lambda: c(
                "clinic",
                "POST",
                "/api/v1/vaccination/doses/{dose_id}/identity",
                json={"name": "张三", "document_number": ID, "reason": "姓名登记错误"},
            ),
        ),
        (
            "PUT",
            "/api/v1/vaccination/capacity",
            "vaccination.capacity.set",
            lambda: c(
                "cdc",
                "PUT",
                "/api/v1/vaccination/capacity",
                json={"street": CLINIC_STREET, "day": slot_day, "capacity": 2},
            ),
        ),
        (
            "POST",
            "/api/v1/vaccination/appointments",
            "vaccination.appointment.book",
            lambda: keep(
                "appointment_id",
                c("citizen", "POST", "/api/v1/vaccination/appointments", json=booking)["id"],
            ),
        ),
        (
            "POST",
            "/api/v1/vaccination/appointments/{appointment_id}/cancel",
            "vaccination.appointment.cancel",
            lambda: c(
                "citizen", "POST", "/api/v1/vaccination/appointments/{appointment_id}/cancel"
            ),
        ),
    ]


def employer_steps(story: Story) -> list[tuple[str, str, str, Callable[[], None]]]:
    """Employers: CDC registers one and its user; citizens link and unlink, over the API (the
    first citizen) and on the page (the second, whose account the page steps made)."""
    c, ids, client = story.call, story.ids, story.client
    body = {
        "name": "北京海淀某科技有限公司",
        "credit_code": "91110108600037341D",
        "district": "海淀区",
    }

    def register() -> None:
        made = c("cdc", "POST", "/api/v1/employers", json=body)
        ids["employer_id"], ids["employer_code"] = made["id"], made["code"]

    def page(path: str, data: dict[str, str]) -> None:
        client.cookies.clear()
        login = {"token": story.tokens["citizen2"], "csrf": _csrf(client, "/login")}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        answer = client.post(
            path,
            data={**data, "csrf": _csrf(client, "/healthkit/employer")},
            follow_redirects=False,
        )
        assert answer.status_code == 303, (path, answer.status_code, answer.text)

    P = "POST"
    users = "/api/v1/employers/{employer_id}/users"
    return [
        (P, "/api/v1/employers", "employer.register", register),
        (P, users, "employer.user.add", lambda: c("cdc", P, users, json={"name": "单位人事"})),
        (
            P,
            "/api/v1/healthkit/employer",
            "employer.link",
            lambda: c(
                "citizen", P, "/api/v1/healthkit/employer", json={"code": ids["employer_code"]}
            ),
        ),
        (
            P,
            "/api/v1/healthkit/employer/unlink",
            "employer.unlink",
            lambda: c("citizen", P, "/api/v1/healthkit/employer/unlink"),
        ),
        (
            P,
            "/healthkit/employer",
            "employer.link",
            lambda: page("/healthkit/employer", {"code": ids["employer_code"]}),
        ),
        (
            P,
            "/healthkit/employer/unlink",
            "employer.unlink",
            lambda: page("/healthkit/employer/unlink", {}),
        ),
    ]


def site_steps(story: Story) -> list[tuple[str, str, str, Callable[[], None]]]:
    """Observation sites: a site, a household room, two close contacts queued (one placed by
    hand, one with the queue), checks, a result, a transfer, an early release, a checkout."""
    c, ids = story.call, story.ids
    today = Clock().today()

    def keep(name: str, value: Any) -> None:
        ids[name] = value

    def contact(number: str, name: str) -> dict[str, Any]:
        return c(
            "community_worker",
            "POST",
            "/api/v1/community/reports",
            json={
                "person": {"name": name, "document_number": number, "phone": None},
                "situation": {
                    "as_of": today.isoformat(),
                    "arrival": today.isoformat(),
                    "contact": {
                        "role": "close_contact",
                        "last_contact": (today - timedelta(days=2)).isoformat(),
                    },
                },
            },
        )

    def site() -> None:
        made = c(
            "cdc",
            "POST",
            "/api/v1/sites",
            json={
                "name": "朝阳一号观察点",
                "district": "朝阳区",
                "address": "朝阳区某路1号",
                "rooms": [{"floor": 1, "number": n} for n in (1, 2, 3, 4)],
            },
        )
        rooms = c("cdc", "GET", f"/api/v1/sites/{made['id']}")["rooms"]
        keep("site_id", made["id"])
        keep("room_a", rooms[0]["id"])
        keep("room_c", rooms[2]["id"])
        keep("room_household", rooms[3]["id"])

    def place() -> None:
        keep("site_case", contact("110101199003070062", "周九")["case_id"])
        placed = c(
            "cdc",
            "POST",
            "/api/v1/sites/placements",
            json={"case_id": ids["site_case"], "room_id": ids["room_a"]},
        )
        keep("placement", placed["id"])

    def queue() -> None:
        contact("110101199003070150", "吴十")
        keep("queue_placement", c("cdc", "POST", "/api/v1/sites/queue/assign", json={}))

    def checkout() -> None:
        case = c("cdc", "GET", "/api/v1/community/cases/{site_case}")
        observation = next(m for m in case["measures"] if m["kind"] == "centralized_observation")
        end = (today + timedelta(days=1)).isoformat()
        c(
            "cdc",
            "POST",
            f"/api/v1/community/measures/{observation['id']}/adjust",
            json={"end": end, "reason": "疾控复核：今日期满"},
        )
        residents = c("cdc", "GET", "/api/v1/sites/{site_id}/residents")
        keep(
            "moved", next(r for r in residents if r["case_id"] == ids["site_case"])["placement_id"]
        )
        c("cdc", "POST", "/api/v1/sites/placements/{moved}/checkout")

    def release() -> None:
        residents = c("cdc", "GET", "/api/v1/sites/{site_id}/residents")
        keep(
            "other", next(r for r in residents if r["case_id"] != ids["site_case"])["placement_id"]
        )
        c("cdc", "POST", "/api/v1/sites/placements/{other}/release", json={"reason": "排除密接"})

    day = today.isoformat()
    return [
        ("POST", "/api/v1/sites", "site.register", site),
        (
            "POST",
            "/api/v1/sites/rooms/{room_id}/household",
            "site.room.household",
            lambda: c(
                "cdc",
                "POST",
                "/api/v1/sites/rooms/{room_household}/household",
                json={"capacity": 3},
            ),
        ),
        (
            "POST",
            "/api/v1/sites/{site_id}/status",
            "site.status",
            lambda: c("cdc", "POST", "/api/v1/sites/{site_id}/status", json={"status": "open"}),
        ),
        ("POST", "/api/v1/sites/placements", "site.assign", place),
        ("POST", "/api/v1/sites/queue/assign", "site.assign_queue", queue),
        (
            "POST",
            "/api/v1/sites/placements/{placement_id}/checks",
            "site.check",
            lambda: c(
                "cdc",
                "POST",
                "/api/v1/sites/placements/{placement}/checks",
                json={"day": day, "slot": "morning", "temperature": "36.5"},
            ),
        ),
        (
            "POST",
            "/api/v1/sites/placements/{placement_id}/tests",
            "record_test",
            lambda: c(
                "cdc",
                "POST",
                "/api/v1/sites/placements/{placement}/tests",
                json={"day": day, "result": "negative"},
            ),
        ),
        (
            "POST",
            "/api/v1/sites/placements/{placement_id}/transfer",
            "site.transfer",
            lambda: c(
                "cdc",
                "POST",
                "/api/v1/sites/placements/{placement}/transfer",
                json={"room_id": ids["room_c"], "reason": "换房"},
            ),
        ),
        ("POST", "/api/v1/sites/placements/{placement_id}/checkout", "site.checkout", checkout),
        ("POST", "/api/v1/sites/placements/{placement_id}/release", "site.early_release", release),
        *site_page_steps(story, contact),
    ]


def site_page_steps(
    story: Story, contact: Callable[[str, str], dict[str, Any]]
) -> list[tuple[str, str, str, Callable[[], None]]]:
    """The sites' page forms, as CDC: a new site, two more contacts placed (one by hand, one
    with the queue), a check, a result, a household room, a transfer, a checkout, a release."""
    client, c, ids = story.client, story.call, story.ids
    today = Clock().today()

    def post(path: str, data: dict[str, str]) -> None:
        client.cookies.clear()
        logged_in = client.post(
            "/login",
            data={"token": story.tokens["cdc"], "csrf": _csrf(client, "/login")},
            follow_redirects=False,
        )
        assert logged_in.status_code == 303, logged_in.text
        answer = client.post(
            path.format(**ids),
            data={**data, "csrf": _csrf(client, "/sites")},
            follow_redirects=False,
        )
        found = re.search(r"<li>(.*?)</li>", answer.text)
        assert answer.status_code == 303, (path, answer.status_code, found and found.group(1))

    def site() -> None:
        post(
            "/sites",
            {
                "name": "朝阳三号观察点",
                "district": "朝阳区",
                "address": "某路3号",
                "floors": "1",
                "per_floor": "6",
            },
        )
        made = next(s for s in c("cdc", "GET", "/api/v1/sites") if s["name"] == "朝阳三号观察点")
        rooms = c("cdc", "GET", f"/api/v1/sites/{made['id']}")["rooms"]
        ids.update(page_site=made["id"], page_rooms=[r["id"] for r in rooms])
        # the queue takes the next free rooms (other contacts of the walk wait in it too)
        ids.update(page_room=rooms[0]["id"], page_spare=rooms[4]["id"], page_family=rooms[5]["id"])

    def place() -> None:
        ids["page_case"] = contact("110101199003073001", "郑一")["case_id"]
        post("/sites/queue/{page_case}/assign", {"room_id": str(ids["page_room"])})
        residents = c("cdc", "GET", "/api/v1/sites/{page_site}/residents")
        ids["page_placement"] = residents[0]["placement_id"]

    def queue() -> None:
        contact("110101199003073028", "王二")
        post("/sites/queue/assign", {"district": "朝阳区"})

    def moved() -> None:
        post(
            "/sites/{page_site}/placements/{page_placement}/transfer",
            {"room_id": str(ids["page_spare"]), "reason": "换房"},
        )
        residents = c("cdc", "GET", "/api/v1/sites/{page_site}/residents")
        ids["page_moved"] = next(
            r["placement_id"] for r in residents if r["case_id"] == ids["page_case"]
        )
        ids["page_other"] = next(
            r["placement_id"] for r in residents if r["case_id"] != ids["page_case"]
        )

    def checkout() -> None:
        case = c("cdc", "GET", "/api/v1/community/cases/{page_case}")
        observation = next(m for m in case["measures"] if m["kind"] == "centralized_observation")
        c(
            "cdc",
            "POST",
            f"/api/v1/community/measures/{observation['id']}/adjust",
            json={"end": (today + timedelta(days=1)).isoformat(), "reason": "今日期满"},
        )
        post("/sites/{page_site}/placements/{page_moved}/checkout", {})

    base = "/sites/{site_id}/placements/{placement_id}"
    return [
        ("POST", "/sites", "site.register", site),
        ("POST", "/sites/queue/{case_id}/assign", "site.assign", place),
        ("POST", "/sites/queue/assign", "site.assign_queue", queue),
        (
            "POST",
            f"{base}/checks",
            "site.check",
            lambda: post(
                "/sites/{page_site}/placements/{page_placement}/checks",
                {"slot": "afternoon", "temperature": "36.4", "symptoms": ""},
            ),
        ),
        (
            "POST",
            f"{base}/tests",
            "record_test",
            lambda: post(
                "/sites/{page_site}/placements/{page_placement}/tests",
                {"day": today.isoformat(), "result": "negative"},
            ),
        ),
        (
            "POST",
            "/sites/{site_id}/rooms/{room_id}/household",
            "site.room.household",
            lambda: post("/sites/{page_site}/rooms/{page_family}/household", {"capacity": "2"}),
        ),
        ("POST", f"{base}/transfer", "site.transfer", moved),
        ("POST", f"{base}/checkout", "site.checkout", checkout),
        (
            "POST",
            f"{base}/release",
            "site.early_release",
            lambda: post("/sites/{page_site}/placements/{page_other}/release", {"reason": "排除"}),
        ),
    ]
