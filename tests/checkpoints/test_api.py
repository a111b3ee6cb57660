"""Checkpoints over HTTP: who may do what, a commuter registered and checked against the
pack's 14-day rule, results recorded once even when sent again, and the audit entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanjing.audit.store import AuditEntryRow
from fanjing.checkpoints.service import add_checkpoint, bind_staff
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from fanjing.users.store import UserRow
from fanjing.web.app import create_app
from tests.api_helpers import COMMUNITY, ROLES, bearer

TODAY = Clock().today()
ID = "11010519491231002X"
NOW = datetime.now(UTC)


@pytest.fixture
def client(engine, tmp_path, tokens, gazetteer):
    with session_scope(engine) as session:
        checkpoint = add_checkpoint(
            session=session,
            name="白庙检查站",
            district="北京市通州区",
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        staff = session.scalar(select(UserRow).where(UserRow.role == "checkpoint"))
        bind_staff(session=session, user=staff, checkpoint=checkpoint, actor="test", now=NOW)
    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=TODAY),
        engine=engine,
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def result(client_id="abcdef0123", outcome="pass", colour="green", **fields):
    return {
        "client_id": client_id,
        "outcome": outcome,
        "colour": colour,
        "popup": False,
        "masked_name": "张*",
        "pass_expires_at": (NOW + timedelta(minutes=5)).isoformat(),
        "temperature": 36.5,
        "checked_at": (NOW - timedelta(minutes=1)).isoformat(),
        **fields,
    }


def register_commuter(client, tokens, home="河北省廊坊市三河市燕郊镇"):
    account = {"name": "张三", "document_number": ID, "community": COMMUNITY}
    client.post("/api/v1/healthkit/account", json=account, headers=bearer(tokens["citizen"]))
    body = {"employer": "北京某科技有限公司", "home": home}
    return client.post(
        "/api/v1/checkpoints/commuters", json=body, headers=bearer(tokens["citizen"])
    )


def test_every_other_role_is_refused(client, tokens):
    for role in set(ROLES) - {"checkpoint"}:
        headers = bearer(tokens[role])
        posted = client.post(
            "/api/v1/checkpoints/results", json={"results": [result()]}, headers=headers
        )
        assert posted.status_code == 403, (role, posted.text)
        assert client.get("/api/v1/checkpoints/results", headers=headers).status_code == 403
        check = {"number": ID, "temperature": 36.5}
        assert (
            client.post(
                "/api/v1/checkpoints/commuter-check", json=check, headers=headers
            ).status_code
            == 403
        )
    for role in set(ROLES) - {"citizen"}:
        body = {"employer": "某单位", "home": "河北省廊坊市三河市"}
        answer = client.post(
            "/api/v1/checkpoints/commuters", json=body, headers=bearer(tokens[role])
        )
        assert answer.status_code == 403, role


def test_a_result_sent_twice_is_kept_once_and_audited(client, tokens, engine):
    headers = bearer(tokens["checkpoint"])
    first = client.post(
        "/api/v1/checkpoints/results", json={"results": [result()]}, headers=headers
    )
    assert first.status_code == 200, first.text
    assert first.json()[0]["new"] is True
    again = client.post(
        "/api/v1/checkpoints/results", json={"results": [result()]}, headers=headers
    )
    assert again.json()[0]["new"] is False and again.json()[0]["id"] == first.json()[0]["id"]
    listed = client.get("/api/v1/checkpoints/results", headers=headers).json()
    assert [r["client_id"] for r in listed] == ["abcdef0123"]
    with session_scope(engine) as session:
        actions = session.scalars(
            select(AuditEntryRow.action).where(AuditEntryRow.action == "checkpoint_result.record")
        ).all()
    assert len(actions) == 1


def test_a_red_code_cannot_be_recorded_as_passed_and_nothing_is_kept(client, tokens):
    headers = bearer(tokens["checkpoint"])
    batch = {"results": [result("goodone123"), result("badone1234", colour="red")]}
    refused = client.post("/api/v1/checkpoints/results", json=batch, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "outcome"
    assert client.get("/api/v1/checkpoints/results", headers=headers).json() == []


def test_a_home_outside_the_surrounding_area_is_refused(client, tokens):
    refused = register_commuter(client, tokens, home="河南省郑州市二七区")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "not_surrounding_area"
    assert register_commuter(client, tokens, home="天津市武清区").status_code == 200


def test_the_checkpoint_sees_whether_the_last_negative_test_is_within_14_days(client, tokens):
    assert register_commuter(client, tokens).status_code == 200
    headers = bearer(tokens["checkpoint"])
    check = {"number": ID, "temperature": 36.5}
    none = client.post("/api/v1/checkpoints/commuter-check", json=check, headers=headers).json()
    assert none["last_negative_test"] is None and none["allowed"] is False
    assert none["rule"] == "entry.commuter_test" and "14天内核酸检测阴性证明" in none["clause"]
    stale = {**check, "proof_on": (TODAY - timedelta(days=14)).isoformat()}
    assert (
        client.post("/api/v1/checkpoints/commuter-check", json=stale, headers=headers).json()[
            "allowed"
        ]
        is False
    )
    fresh = {**check, "proof_on": (TODAY - timedelta(days=13)).isoformat()}
    answer = client.post("/api/v1/checkpoints/commuter-check", json=fresh, headers=headers).json()
    assert answer["allowed"] is True and answer["rule"] is None
    # a proof recorded with a result counts at the next check
    commuter_id = answer["commuter_id"]
    kept = result(commuter_id=commuter_id, test_proof_on=fresh["proof_on"])
    client.post("/api/v1/checkpoints/results", json={"results": [kept]}, headers=headers)
    later = client.post("/api/v1/checkpoints/commuter-check", json=check, headers=headers).json()
    assert later["allowed"] is True and later["last_negative_test"] == fresh["proof_on"]
    feverish = {**check, "temperature": 38.2}
    hot = client.post("/api/v1/checkpoints/commuter-check", json=feverish, headers=headers).json()
    assert hot["allowed"] is False


def test_an_unregistered_person_is_not_found(client, tokens):
    headers = bearer(tokens["checkpoint"])
    answer = client.post(
        "/api/v1/checkpoints/commuter-check",
        json={"number": ID, "temperature": 36.5},
        headers=headers,
    )
    assert answer.status_code == 404 and "110105********002X" in answer.json()["detail"]


def test_staff_see_their_own_checkpoint_only_and_unbound_staff_nothing(
    client, tokens, engine, gazetteer
):
    cipher = load_field_cipher(Settings(var_dir=client.app.state.settings.var_dir, database_url=""))

    def add_staff(session, name):  # type: ignore[no-untyped-def]
        return add_user(
            session=session,
            cipher=cipher,
            name=name,
            role="checkpoint",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )

    with session_scope(engine) as session:
        other = add_checkpoint(
            session=session,
            name="京津检查站",
            district="北京市大兴区",
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        staff, other_token = add_staff(session, "京津站员")
        _, unbound_token = add_staff(session, "未绑定站员")
        bind_staff(session=session, user=staff, checkpoint=other, actor="test", now=NOW)
    posted = client.post(
        "/api/v1/checkpoints/results",
        json={"results": [result("otherstation1")]},
        headers=bearer(other_token),
    )
    assert posted.status_code == 200, posted.text
    mine = client.get("/api/v1/checkpoints/results", headers=bearer(tokens["checkpoint"])).json()
    theirs = client.get("/api/v1/checkpoints/results", headers=bearer(other_token)).json()
    assert mine == [] and [r["client_id"] for r in theirs] == ["otherstation1"]
    assert client.get("/api/v1/checkpoints/mine", headers=bearer(other_token)).json()["name"] == (
        "京津检查站"
    )
    refused = client.get("/api/v1/checkpoints/results", headers=bearer(unbound_token))
    assert refused.status_code == 403 and "尚未绑定检查站" in refused.json()["detail"]


def test_a_negative_result_the_community_recorded_counts_and_a_later_positive_voids_it(
    client, tokens
):
    assert register_commuter(client, tokens).status_code == 200
    days = {n: (TODAY - timedelta(days=n)).isoformat() for n in (6, 5, 3, 1)}
    situation = {
        "as_of": TODAY.isoformat(),
        "arrival": days[6],
        "contact": {"role": "close_contact", "last_contact": days[5]},
    }
    reported = client.post(
        "/api/v1/community/reports",
        json={"community": COMMUNITY, "situation": situation},
        headers=bearer(tokens["citizen"]),
    )
    assert reported.status_code == 201, reported.text
    tests = f"/api/v1/community/cases/{reported.json()['case_id']}/tests"
    worker = bearer(tokens["community_worker"])
    recorded = client.post(tests, json={"day": days[3], "result": "negative"}, headers=worker)
    assert recorded.status_code < 300, recorded.text
    check = {"number": ID, "temperature": 36.5}
    headers = bearer(tokens["checkpoint"])
    seen = client.post("/api/v1/checkpoints/commuter-check", json=check, headers=headers).json()
    assert (seen["last_negative_test"], seen["rule"]) == (days[3], None)
    client.post(tests, json={"day": days[1], "result": "positive"}, headers=worker)
    voided = client.post("/api/v1/checkpoints/commuter-check", json=check, headers=headers).json()
    assert voided["last_negative_test"] is None and voided["rule"] == "entry.commuter_test"
