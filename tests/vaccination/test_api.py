"""Vaccination over HTTP: who may do what (every other role gets 403), a dose from the clinic to
the citizen's health kit after a sync, a correction releasing a held dose, eligibility with its
reasons, appointments, and problem+json for bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fanjing.infra.clock import Clock
from fanjing.settings import Settings
from fanjing.vaccination.sync import sync_to_healthkit
from fanjing.web.app import create_app
from tests.api_helpers import CLINIC, CLINIC_STREET, ROLES, bearer
from tests.vaccination.helpers import bad_id_number, id_number

# Fixed for the whole run, and handed to the app: a run that crosses midnight in Beijing must not
# see a "future" dose become today's.
TODAY = Clock().today()
FIRST_DAY = TODAY - timedelta(days=30)


@pytest.fixture
def client(engine, tmp_path):
    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=TODAY),
        engine=engine,
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def sync(client) -> None:
    state = client.app.state
    report = sync_to_healthkit(
        engine=state.engine, cipher=state.cipher, clock=lambda: datetime.now(UTC)
    )
    assert not report.skipped


def dose_body(serial: int = 1, name: str = "张三", **changes):
    return {
        "name": name,
        "document_number": id_number(serial),
        "product_code": "bibp_inactivated",
        "dose_number": 1,
        "day": FIRST_DAY.isoformat(),
        **changes,
    }


def open_account(client, token, serial: int = 1, name: str = "张三") -> None:
    body = {"name": name, "document_number": id_number(serial)}
    answer = client.post("/api/v1/healthkit/account", json=body, headers=bearer(token))
    assert answer.status_code == 201, answer.text


OPERATIONS = [
    ("POST", "/api/v1/vaccination/doses", {"clinic"}),
    ("GET", "/api/v1/vaccination/doses", {"clinic", "cdc"}),
    ("GET", "/api/v1/vaccination/held", {"clinic", "cdc"}),
    ("POST", "/api/v1/vaccination/doses/1/identity", {"clinic"}),
    ("GET", "/api/v1/healthkit/vaccinations", {"citizen"}),
    ("POST", "/api/v1/vaccination/eligibility", {"citizen"}),
    ("PUT", "/api/v1/vaccination/capacity", {"community_worker", "cdc", "admin"}),
    ("POST", "/api/v1/vaccination/appointments", {"citizen"}),
    ("GET", "/api/v1/vaccination/appointments", {"citizen"}),
    ("POST", "/api/v1/vaccination/appointments/1/cancel", {"citizen"}),
    ("POST", "/api/v1/vaccination/clinics", {"cdc", "admin"}),
]


@pytest.mark.parametrize(
    ("method", "path", "allowed"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_every_other_role_is_refused(client, tokens, method, path, allowed):
    for role in ROLES:
        answer = client.request(method, path, headers=bearer(tokens[role]), json={})
        if role in allowed:
            assert answer.status_code != 403, (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)
            assert answer.headers["content-type"] == "application/problem+json"
    assert client.request(method, path, json={}).status_code == 401


def test_a_dose_reaches_the_citizens_health_kit_after_the_sync(client, tokens):
    open_account(client, tokens["citizen"])
    recorded = client.post(
        "/api/v1/vaccination/doses", json=dose_body(), headers=bearer(tokens["clinic"])
    )
    assert recorded.status_code == 201, recorded.text
    shown = recorded.json()
    assert shown["name"] == "张*" and shown["document"].startswith("110101********")
    assert shown["clinic"] == CLINIC and shown["sync_state"] == "pending"
    mine = bearer(tokens["citizen"])
    assert client.get("/api/v1/healthkit/vaccinations", headers=mine).json() == []
    sync(client)
    kit = client.get("/api/v1/healthkit/vaccinations", headers=mine).json()
    assert [(v["dose_number"], v["day"], v["clinic"]) for v in kit] == [
        (1, FIRST_DAY.isoformat(), "潘家园接种门诊")
    ]
    assert "北京生物" in kit[0]["maker"]


def test_a_held_dose_is_shown_to_its_clinic_and_released_by_a_correction(client, tokens):
    open_account(client, tokens["citizen"], serial=2)
    clinic = bearer(tokens["clinic"])
    dose = client.post("/api/v1/vaccination/doses", json=dose_body(1), headers=clinic).json()
    sync(client)
    queue = client.get("/api/v1/vaccination/held", headers=clinic).json()
    assert [(d["id"], d["held_reason"]) for d in queue] == [(dose["id"], "no_account")]
    fixed = client.post(
        f"/api/v1/vaccination/doses/{dose['id']}/identity",
        json={"name": "张三", "document_number": id_number(2), "reason": "身份证号登记错误"},
        headers=clinic,
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["corrected_at"] is not None
    sync(client)
    assert client.get("/api/v1/vaccination/held", headers=clinic).json() == []
    kit = client.get("/api/v1/healthkit/vaccinations", headers=bearer(tokens["citizen"])).json()
    assert len(kit) == 1
    audit = client.get(
        "/api/v1/audit", params={"entity": "vaccination_dose"}, headers=bearer(tokens["cdc"])
    )
    assert "vaccination.dose.correct_identity" in audit.text and id_number(2) not in audit.text


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"day": (TODAY + timedelta(days=1)).isoformat()}, 422, "day"),
        ({"document_number": bad_id_number()}, 422, "document_number"),
        ({"product_code": "pfizer"}, 422, "product_code"),
        ({"product_code": "cansino_ad5", "dose_number": 2}, 422, "dose_number"),
        ({"dose_number": 9}, 422, "dose_number"),
        ({"day": "2021-13-01"}, 422, "day"),
    ],
    ids=["future", "bad-id", "unknown-product", "dose-2-of-1", "dose-9", "bad-date"],
)
def test_a_bad_dose_is_a_problem_naming_the_field(client, tokens, changes, status, field):
    answer = client.post(
        "/api/v1/vaccination/doses", json=dose_body(**changes), headers=bearer(tokens["clinic"])
    )
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == [field]


def test_eligibility_and_booking_through_the_street(client, tokens):
    citizen = bearer(tokens["citizen"])
    open_account(client, tokens["citizen"])
    client.post("/api/v1/vaccination/doses", json=dose_body(), headers=bearer(tokens["clinic"]))
    day = TODAY + timedelta(days=1)
    ask = {"product_code": "bibp_inactivated", "dose_number": 2, "day": day.isoformat()}
    before = client.post("/api/v1/vaccination/eligibility", json=ask, headers=citizen).json()
    assert before["eligible"] is False
    assert [r["code"] for r in before["reasons"]] == ["appointment_required"]
    slot = {"street": CLINIC_STREET, "day": day.isoformat(), "capacity": 1}
    put = client.put("/api/v1/vaccination/capacity", json=slot, headers=bearer(tokens["cdc"]))
    assert put.status_code == 200 and put.json()["booked"] == 0
    wanted = {"street": "北京市朝阳区潘家园街道", "day": day.isoformat()}
    wanted |= {"product_code": "bibp_inactivated", "dose_number": 2}
    made = client.post("/api/v1/vaccination/appointments", json=wanted, headers=citizen)
    assert made.status_code == 201, made.text
    after = client.post("/api/v1/vaccination/eligibility", json=ask, headers=citizen).json()
    assert after["eligible"] is True and after["reasons"] == []
    too_soon = ask | {"day": (FIRST_DAY + timedelta(days=20)).isoformat()}
    early = client.post("/api/v1/vaccination/eligibility", json=too_soon, headers=citizen).json()
    assert "interval_too_short" in [r["code"] for r in early["reasons"]]
    assert early["earliest_day"] == (FIRST_DAY + timedelta(days=21)).isoformat()
    cancelled = client.post(
        f"/api/v1/vaccination/appointments/{made.json()['id']}/cancel", headers=citizen
    )
    assert cancelled.json()["state"] == "cancelled"
    shown = client.get(
        "/api/v1/vaccination/capacity",
        params={"street": CLINIC_STREET, "day": day.isoformat()},
        headers=citizen,
    ).json()
    assert shown["booked"] == 0 and shown["capacity"] == 1


def test_a_full_day_is_a_conflict(client, tokens, gazetteer):
    day = (TODAY + timedelta(days=2)).isoformat()
    slot = {"street": CLINIC_STREET, "day": day, "capacity": 0}
    client.put("/api/v1/vaccination/capacity", json=slot, headers=bearer(tokens["admin"]))
    wanted = {"street": CLINIC_STREET, "day": day, "product_code": "cansino_ad5", "dose_number": 1}
    answer = client.post(
        "/api/v1/vaccination/appointments", json=wanted, headers=bearer(tokens["citizen"])
    )
    assert answer.status_code == 409 and answer.json()["type"].endswith("slot_full")


def test_a_past_appointment_is_shown_expired_and_cannot_be_cancelled(client, tokens):
    citizen = bearer(tokens["citizen"])
    day = TODAY + timedelta(days=1)
    slot = {"street": CLINIC_STREET, "day": day.isoformat(), "capacity": 1}
    client.put("/api/v1/vaccination/capacity", json=slot, headers=bearer(tokens["cdc"]))
    wanted = {"street": CLINIC_STREET, "day": day.isoformat()}
    wanted |= {"product_code": "bibp_inactivated", "dose_number": 1}
    made = client.post("/api/v1/vaccination/appointments", json=wanted, headers=citizen)
    assert made.status_code == 201, made.text
    settings = client.app.state.settings  # the server's clock moves to the day after
    client.app.state.settings = settings.model_copy(update={"today": day + timedelta(days=1)})
    client.app.state.clock = client.app.state.settings.clock
    mine = client.get("/api/v1/vaccination/appointments", headers=citizen).json()
    assert [a["state"] for a in mine] == ["expired"]
    refused = client.post(
        f"/api/v1/vaccination/appointments/{made.json()['id']}/cancel", headers=citizen
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("appointment_past")
