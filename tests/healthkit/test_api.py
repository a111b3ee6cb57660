"""The health kit over HTTP: own account only, masked, and nothing in clear at rest or in logs."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from fanjing.healthkit.sender import LogSender
from fanjing.settings import Settings
from fanjing.web.app import create_app
from tests.api_helpers import COMMUNITY, ROLES, bearer

ID = "11010519491231002X"
PHONE = "13912345678"


@pytest.fixture
def sender() -> LogSender:
    return LogSender()


@pytest.fixture
def client(engine, sender, tmp_path):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    app = create_app(settings, engine=engine, sender=sender)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def register(client, token, number=ID, name="张三"):
    body = {"name": name, "document_number": number, "community": COMMUNITY}
    return client.post("/api/v1/healthkit/account", json=body, headers=bearer(token))


def test_a_citizen_binds_a_phone_and_sees_everything_masked(client, tokens, sender, engine, caplog):
    caplog.set_level(logging.DEBUG)
    token = tokens["citizen"]
    created = register(client, token)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "张*" and created.json()["document"] == "110105********002X"
    assert (
        client.post(
            "/api/v1/healthkit/phones",
            json={"phone": PHONE, "platform": "wechat"},
            headers=bearer(token),
        ).status_code
        == 202
    )
    code = sender.sent[-1][1]
    bound = client.post(
        "/api/v1/healthkit/phones/confirm",
        json={"phone": PHONE, "platform": "wechat", "code": code},
        headers=bearer(token),
    ).json()
    assert bound["phones"] == [
        {"number": "139****5678", "platform": "wechat", "state": "active", "delete_on": None}
    ]
    wrong = client.post(
        "/api/v1/healthkit/phones/unbind",
        json={"phone": PHONE, "platform": "alipay"},
        headers=bearer(token),
    )
    assert wrong.status_code == 422 and "请在微信端" in wrong.json()["detail"]
    grey = client.post(
        "/api/v1/healthkit/phones/unbind",
        json={"phone": PHONE, "platform": "wechat"},
        headers=bearer(token),
    ).json()
    assert grey["phones"][0]["state"] == "grey" and grey["phones"][0]["delete_on"] is not None
    # neither the ID nor the phone number is anywhere in clear: database, logs
    with engine.connect() as connection:
        from sqlalchemy import text

        tables = ["healthkit_account", "phone_binding", "one_time_code", "audit_entry", "app_user"]
        stored = " ".join(
            str(v)
            for t in tables
            for row in connection.execute(text(f"SELECT * FROM {t}"))
            for v in row
        )
    if engine.url.get_backend_name() == "sqlite":
        with open(engine.url.database, "rb") as database_file:
            stored += database_file.read().decode("latin-1")
    logged = caplog.text
    for secret in (ID, PHONE):
        assert secret not in stored and secret not in logged


def test_only_citizens_have_accounts_and_workers_see_their_community(client, tokens):
    for role in set(ROLES) - {"citizen"}:
        assert register(client, tokens[role]).status_code == 403
    assert register(client, tokens["citizen"]).status_code == 201
    assert (
        register(client, tokens["citizen"]).json()["type"] == "urn:fanjing:problem:account_exists"
    )
    seen = client.get(
        "/api/v1/healthkit/community/accounts", headers=bearer(tokens["community_worker"])
    )
    assert seen.status_code == 200 and [a["name"] for a in seen.json()] == ["张*"]
    assert (
        client.get(
            "/api/v1/healthkit/community/accounts", headers=bearer(tokens["cdc"])
        ).status_code
        == 403
    )


def test_bad_identity_and_phone_are_problems_naming_the_field(client, tokens):
    bad_id = register(client, tokens["citizen"], number="110105194912310021")
    assert bad_id.status_code == 422 and bad_id.json()["errors"][0]["field"] == "document_number"
    assert "110105194912310021" not in bad_id.text
    register(client, tokens["citizen"])
    bad_phone = client.post(
        "/api/v1/healthkit/phones",
        json={"phone": "010-12345678", "platform": "wechat"},
        headers=bearer(tokens["citizen"]),
    )
    assert bad_phone.status_code == 422 and bad_phone.json()["errors"][0]["field"] == "phone"


def test_the_server_purges_grey_numbers_when_it_starts(engine, gazetteer, tmp_path):
    import time
    from datetime import UTC, date, datetime

    from sqlalchemy import select

    from fanjing.healthkit.store import AccountRow, PhoneBindingRow
    from fanjing.infra.db import session_scope
    from tests.healthkit.test_bindings import bind, make_account

    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url))
    app = create_app(settings, engine=engine)
    cipher = app.state.cipher
    account_id = make_account(engine, gazetteer, cipher)
    bind(engine, cipher, account_id)
    with session_scope(engine) as session:
        binding = session.scalars(select(PhoneBindingRow)).one()
        binding.state, binding.unbound_on, binding.delete_on = (
            "grey",
            date(2021, 8, 1),
            date(2021, 8, 15),
        )
    assert datetime.now(UTC).date() > date(2021, 8, 15)
    with TestClient(app):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with session_scope(engine) as session:
                if not session.scalars(select(PhoneBindingRow)).all():
                    break
            time.sleep(0.05)
    with session_scope(engine) as session:
        assert session.scalars(select(PhoneBindingRow)).all() == []
        assert session.get(AccountRow, account_id) is not None


@pytest.mark.on_shards
def test_a_declaration_is_checked_against_every_number_s_card(
    client, tokens, sender, engine, shards, gazetteer
):
    from sqlalchemy import select

    from fanjing.healthkit.store import DeclarationRow

    citizen = tokens["citizen"]
    register(client, citizen)
    for phone in (PHONE, "13800138000"):
        client.post(
            "/api/v1/healthkit/phones",
            json={"phone": phone, "platform": "wechat"},
            headers=bearer(citizen),
        )
        code = sender.sent[-1][1]
        client.post(
            "/api/v1/healthkit/phones/confirm",
            json={"phone": phone, "platform": "wechat", "code": code},
            headers=bearer(citizen),
        )
    # the second number is unbound: grey, but still checked
    client.post(
        "/api/v1/healthkit/phones/unbind",
        json={"phone": "13800138000", "platform": "wechat"},
        headers=bearer(citizen),
    )
    cdc = tokens["cdc"]
    client.post(
        "/api/v1/risk-areas",
        json={"level": "high", "area": "河南省郑州市二七区京广路街道", "from": "2021-07-31"},
        headers=bearer(cdc),
    )
    feed = "phone,city,day\n13800138000,郑州市,2021-08-01\n13912345678,江苏省南京市,2021-08-02\n"
    import_visits(engine, shards, feed, client.app.state.cipher, gazetteer)

    situation = {
        "as_of": "2021-08-07",
        "arrival": "2021-08-07",
        "stays": [{"place": "江苏省南京市鼓楼区", "from": "2021-08-01", "to": "2021-08-02"}],
    }
    first = client.post("/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["undeclared_cities"] == ["河南省郑州市"] and body["allowed"] is False
    assert {c["city"]: c["starred"] for c in body["card"]} == {
        "河南省郑州市": True,
        "江苏省南京市": False,
    }

    situation["stays"].append(
        {"place": "河南省郑州市二七区京广路街道", "from": "2021-07-31", "to": "2021-08-01"}
    )
    second = client.post(
        "/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen)
    ).json()
    assert second["undeclared_cities"] == []
    assert (
        second["decision"]["entry"]["allowed"] is False
        and second["decision"]["entry"]["earliest"] == "2021-08-15"
    )
    with engine.connect() as connection:
        stored = connection.execute(
            select(DeclarationRow.pack_id, DeclarationRow.pack_version, DeclarationRow.allowed)
        ).all()
    assert [tuple(r) for r in stored] == [("beijing-2021-08", "2021.08.07", False)] * 2


@pytest.mark.on_shards
def test_designating_an_area_raises_pop_ups_set_wise_and_the_community_clears_them(
    client, tokens, sender, engine, shards, gazetteer
):

    citizen = tokens["citizen"]
    register(client, citizen)
    client.post(
        "/api/v1/healthkit/phones",
        json={"phone": PHONE, "platform": "alipay"},
        headers=bearer(citizen),
    )
    client.post(
        "/api/v1/healthkit/phones/confirm",
        json={"phone": PHONE, "platform": "alipay", "code": sender.sent[-1][1]},
        headers=bearer(citizen),
    )
    feed = "phone,city,day\n13912345678,郑州市,2021-08-01\n13912345678,郑州市,2021-07-25\n13700000000,郑州市,2021-08-02\n"
    import_visits(engine, shards, feed, client.app.state.cipher, gazetteer)
    assert client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json() == {
        "colour": "green",
        "colour_zh": "绿码：未见异常",
        "popup": False,
        "popups": [],
        "history": [],
    }
    area = {"level": "high", "area": "河南省郑州市二七区京广路街道", "from": "2021-08-04"}
    client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
    status = client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()
    (popup,) = status["popups"]
    assert (popup["city"], popup["last_visit"], popup["postpone_until"]) == (
        "河南省郑州市",
        "2021-08-01",
        "2021-08-15",
    )
    assert "与所在社区（村）或单位联系" in popup["what_to_do"]

    worker = tokens["community_worker"]
    listed = client.get("/api/v1/healthkit/community/popups", headers=bearer(worker)).json()
    assert [p["id"] for p in listed] == [popup["id"]]
    path = f"/api/v1/healthkit/popups/{popup['id']}/clear"
    assert client.post(path, json={"reason": ""}, headers=bearer(worker)).status_code == 422
    assert (
        client.post(
            path, json={"reason": "已核实：8月1日只在郑州东站换乘"}, headers=bearer(worker)
        ).status_code
        == 200
    )
    assert client.post(path, json={"reason": "again"}, headers=bearer(worker)).status_code == 409
    assert client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()["popups"] == []


@pytest.mark.on_shards
def test_raising_pop_ups_twice_adds_nothing_and_old_visits_do_not_count(
    engine, shards, gazetteer, tmp_path
):
    from datetime import UTC, date, datetime

    from sqlalchemy import func, select

    from fanjing.healthkit.popups import raise_popups
    from fanjing.healthkit.store import PopupRow
    from fanjing.infra.db import session_scope
    from fanjing.places.service import designate
    from tests.healthkit.test_bindings import bind, make_account

    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=str(engine.url)), engine=engine
    )
    cipher = app.state.cipher
    recent = make_account(engine, gazetteer, cipher)
    old = make_account(engine, gazetteer, cipher, name="李四", number="110101199003071233")
    bind(engine, cipher, recent, phone="13912345678")
    bind(engine, cipher, old, phone="13600000000")
    feed = "phone,city,day\n13912345678,郑州市,2021-08-01\n13600000000,郑州市,2021-07-10\n"
    import_visits(engine, shards, feed, cipher, gazetteer)
    now = datetime(2021, 8, 7, tzinfo=UTC)
    with session_scope(engine) as session:
        row = designate(
            session=session,
            level="medium",
            area="郑州市二七区京广路街道",
            start=date(2021, 8, 4),
            end=None,
            parse_place=gazetteer.parse,
            actor="cdc",
            now=now,
        )
        assert raise_popups(session=session, designation=row, today=date(2021, 8, 7), now=now) == 1
        assert raise_popups(session=session, designation=row, today=date(2021, 8, 7), now=now) == 0
        assert session.scalar(select(func.count()).select_from(PopupRow)) == 1
        assert session.scalar(select(PopupRow.account_id)) == recent


def import_visits(engine, shards, feed, cipher, gazetteer):  # type: ignore[no-untyped-def]
    """The carriers' feed (CSV text) into the itinerary, its shards' if it has any."""
    from fanjing.itinerary.feed import FeedReader
    from fanjing.itinerary.service import import_feed

    reader = FeedReader(parse_place=gazetteer.parse, lookup_hash=cipher.lookup_hash)
    lines = feed.splitlines(keepends=True)
    import_feed(engine=engine, lines=lines, jsonl=False, reader=reader, shards=shards)


def bind_phone(client, token, sender, phone=PHONE, platform="wechat"):
    client.post(
        "/api/v1/healthkit/phones",
        json={"phone": phone, "platform": platform},
        headers=bearer(token),
    )
    client.post(
        "/api/v1/healthkit/phones/confirm",
        json={"phone": phone, "platform": platform, "code": sender.sent[-1][1]},
        headers=bearer(token),
    )


def test_a_declared_stay_raises_a_pop_up_when_its_city_is_designated(client, tokens):
    citizen = tokens["citizen"]
    register(client, citizen)
    situation = {
        "as_of": "2021-08-05",
        "stays": [{"place": "河南省郑州市金水区", "from": "2021-08-01", "to": "2021-08-03"}],
    }
    assert (
        client.post(
            "/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen)
        ).status_code
        == 201
    )
    assert client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()["popup"] is False
    area = {"level": "medium", "area": "河南省郑州市二七区京广路街道", "from": "2021-08-04"}
    client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
    status = client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()
    assert status["popup"] is True
    assert [(p["city"], p["last_visit"]) for p in status["popups"]] == [
        ("河南省郑州市", "2021-08-03")
    ]
    # an area in another city touches nobody
    other = {"level": "high", "area": "江苏省扬州市邗江区", "from": "2021-08-04"}
    client.post("/api/v1/risk-areas", json=other, headers=bearer(tokens["cdc"]))
    assert (
        len(client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()["popups"]) == 1
    )


def test_cdc_marks_red_and_lifts_it_with_reasons_kept_in_history_and_audit(client, tokens):
    from fanjing.infra.clock import Clock

    citizen, cdc = tokens["citizen"], tokens["cdc"]
    register(client, citizen)
    body = {"document_number": ID, "kind": "close_contact", "reason": "与确诊病例同乘航班"}
    for role in set(ROLES) - {"cdc"}:
        refused = client.post(
            "/api/v1/healthkit/red-marks", json=body, headers=bearer(tokens[role])
        )
        assert refused.status_code == 403, role
    marked = client.post("/api/v1/healthkit/red-marks", json=body, headers=bearer(cdc))
    assert marked.status_code == 201, marked.text
    mark = marked.json()
    assert (mark["kind_zh"], mark["marked_on"]) == ("密切接触者", Clock().today().isoformat())
    status = client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()
    assert status["colour"] == "red" and status["colour_zh"].startswith("红码")
    assert status["history"] == [
        {"day": Clock().today().isoformat(), "colour": "red", "colour_zh": status["colour_zh"]}
    ]
    listed = client.get("/api/v1/healthkit/red-marks", headers=bearer(cdc)).json()
    assert [m["id"] for m in listed] == [mark["id"]]

    lift = f"/api/v1/healthkit/red-marks/{mark['id']}/lift"
    lifted = client.post(lift, json={"reason": "核酸检测阴性，排除"}, headers=bearer(cdc))
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "核酸检测阴性，排除"
    assert client.post(lift, json={"reason": "again"}, headers=bearer(cdc)).status_code == 409
    # lifted on the day it was set: the red day is gone from the colour
    assert (
        client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()["colour"] == "green"
    )
    assert client.get("/api/v1/healthkit/red-marks", headers=bearer(cdc)).json() == []

    audit = client.get("/api/v1/audit", headers=bearer(cdc)).json()
    actions = [(e["action"], e["entity"]) for e in audit]
    assert ("mark_red", "red_mark") in actions and ("lift_red", "red_mark") in actions
    assert ID not in str(audit)

    unknown = {**body, "document_number": "110101199003071233"}
    missing = client.post("/api/v1/healthkit/red-marks", json=unknown, headers=bearer(cdc))
    assert missing.status_code == 404 and "110101********1233" in missing.text


def test_the_own_pass_carries_colour_and_pop_up_and_verifies(client, tokens, sender):
    citizen, cdc = tokens["citizen"], tokens["cdc"]
    assert client.get("/api/v1/healthkit/pass", headers=bearer(citizen)).status_code == 404
    register(client, citizen)
    green = client.get("/api/v1/healthkit/pass?qr=svg", headers=bearer(citizen)).json()
    assert green["colour"] == "green" and green["popup"] is False
    assert qr_text(green["qr_svg"]) == green["token"]
    # unasked, the code is left to the app, which draws it from the token
    plain = client.get("/api/v1/healthkit/pass", headers=bearer(citizen)).json()
    assert plain["qr_svg"] is None and plain["colour"] == "green"
    assert client.post("/api/v1/pass/verify", json={"token": plain["token"]}).json()["valid"]
    wrong = client.get("/api/v1/healthkit/pass?qr=png", headers=bearer(citizen))
    assert wrong.status_code == 422 and "qr" in wrong.text
    checked = client.post("/api/v1/pass/verify", json={"token": green["token"]}).json()
    assert checked["valid"] is True and checked["masked_name"] == "张*"
    assert (checked["colour"], checked["popup"]) == ("green", False)
    assert checked["version"] == green["version"] == 0  # a new account's status

    body = {"document_number": ID, "kind": "confirmed_case", "reason": "确诊"}
    client.post("/api/v1/healthkit/red-marks", json=body, headers=bearer(cdc))
    red = client.get("/api/v1/healthkit/pass", headers=bearer(citizen)).json()
    verified = client.post("/api/v1/pass/verify", json={"token": red["token"]}).json()
    assert verified["colour"] == "red"
    assert verified["version"] == red["version"] == 1  # the mark moved the status once
    for role in set(ROLES) - {"citizen"}:
        assert client.get("/api/v1/healthkit/pass", headers=bearer(tokens[role])).status_code == 403


def test_an_observation_decided_on_a_declaration_is_yellow_in_the_history(client, tokens):
    citizen = tokens["citizen"]
    register(client, citizen)
    area = {"level": "high", "area": "河南省郑州市二七区京广路街道", "from": "2021-07-31"}
    client.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
    situation = {
        "as_of": "2021-08-07",
        "arrival": "2021-08-07",
        "stays": [
            {"place": "河南省郑州市二七区京广路街道", "from": "2021-08-01", "to": "2021-08-06"}
        ],
    }
    declared = client.post(
        "/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen)
    ).json()
    (observation,) = [
        m for m in declared["decision"]["measures"] if m["kind"].endswith("_observation")
    ]
    status = client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()
    assert [(c["day"], c["colour"]) for c in status["history"]] == [
        (observation["start"], "yellow"),
        (observation["end"], "green"),
    ]
    assert status["colour"] == "green"  # today is long after August 2021


def test_under_a_fixed_day_the_pass_and_the_status_agree_on_it(engine, tokens, tmp_path):
    """FANJING_TODAY fixes the day of the status and of the pass alike: on 10 August 2021 an
    observation decided on the 7th makes both yellow (by the real day, long after, both green)."""
    settings = Settings(
        var_dir=tmp_path / "var", database_url=str(engine.url), today=date(2021, 8, 10)
    )
    with TestClient(create_app(settings, engine=engine)) as fixed:
        citizen = tokens["citizen"]
        register(fixed, citizen)
        area = {"level": "high", "area": "河南省郑州市二七区京广路街道", "from": "2021-07-31"}
        fixed.post("/api/v1/risk-areas", json=area, headers=bearer(tokens["cdc"]))
        situation = {
            "as_of": "2021-08-07",
            "arrival": "2021-08-07",
            "stays": [
                {"place": "河南省郑州市二七区京广路街道", "from": "2021-08-01", "to": "2021-08-06"}
            ],
        }
        fixed.post("/api/v1/healthkit/declarations", json=situation, headers=bearer(citizen))
        status = fixed.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()
        issued = fixed.get("/api/v1/healthkit/pass", headers=bearer(citizen)).json()
        verified = fixed.post("/api/v1/pass/verify", json={"token": issued["token"]}).json()
    assert status["colour"] == issued["colour"] == verified["colour"] == "yellow"


def test_the_status_and_the_pass_are_read_on_the_event_loop_on_postgresql(client, tokens, engine):
    """On PostgreSQL the server reads status rows on its event loop, without the thread pool's
    engine; on SQLite through that engine. A row that does not hold for today (the daily job
    not yet run) is computed from the sources either way: here a red mark the stale row,
    made green, does not show."""
    citizen = tokens["citizen"]
    register(client, citizen)
    on_postgresql = engine.dialect.name == "postgresql"
    assert (client.app.state.awaited_read_engine is not None) is on_postgresql
    blocking = client.app.state.read_engine
    if on_postgresql:  # a pool that cannot connect: only the event loop's reads can answer
        client.app.state.read_engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/x")
    assert client.get("/api/v1/healthkit/status", headers=bearer(citizen)).json()["colour"] == (
        "green"
    )
    assert client.get("/api/v1/healthkit/pass", headers=bearer(citizen)).json()["version"] == 0
    client.app.state.read_engine = blocking

    body = {"document_number": ID, "kind": "confirmed_case", "reason": "确诊"}
    client.post("/api/v1/healthkit/red-marks", json=body, headers=bearer(tokens["cdc"]))
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE healthkit_status SET colour = 'green', valid_until = '2000-01-01'")
        )
    for path in ("/api/v1/healthkit/status", "/api/v1/healthkit/pass"):
        assert client.get(path, headers=bearer(citizen)).json()["colour"] == "red", path


def qr_text(data_uri: str) -> str:
    """What a QR reader finds in the pass's SVG: its rectangles drawn into pixels and read
    with zxing-cpp's reader."""
    import base64
    import re

    import numpy
    import zxingcpp

    assert data_uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(data_uri.split(",", 1)[1]).decode()
    size = int(re.search(r'<svg width="(\d+)"', svg).group(1))
    pixels = numpy.full((size, size), 255, dtype=numpy.uint8)
    for x, y, width, height in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+Z", svg):
        left, top = int(x), int(y)
        pixels[top : top + int(height), left : left + int(width)] = 0
    found = zxingcpp.read_barcode(pixels)
    assert found is not None, "no QR code in the SVG"
    return found.text
