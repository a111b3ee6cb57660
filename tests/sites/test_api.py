"""The observation sites end to end over HTTP: queue, assignment (one and the whole queue),
the rules refused with 409, checks, tests and a positive escalated, checkout to the community's
health monitoring, early release, transfer, the dashboard; and each role's refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fanjing.infra.db import session_scope
from fanjing.sites.store import EscalationRow, RoomRow
from tests.api_helpers import ROLES, bearer
from tests.community.helpers import AREA, report
from tests.sites.conftest import rooms

IDS = ["110101199003074514", "110101199003070417", "110101199003075074", "11010519491231002X"]
OTHER_AREA = "江苏省南京市江宁区禄口街道"


def _report(client, tokens, number, *, arrival="2021-08-04", place=AREA):
    situation = {
        "as_of": arrival,
        "arrival": arrival,
        "stays": [{"place": place, "from": "2021-08-01", "to": "2021-08-02"}],
    }
    made = report(
        client, tokens["community_worker"], number=number, phone=None, situation=situation
    )
    assert made.status_code == 201, made.text
    return made.json()["case_id"]


def _as(tokens, role="cdc"):
    return bearer(tokens[role])


def test_a_queued_case_is_assigned_and_the_rules_hold(client, tokens, site):
    first = _report(client, tokens, IDS[0])
    other_day = _report(client, tokens, IDS[1], arrival="2021-08-03")
    queue = client.get("/api/v1/sites/queue/cases", headers=_as(tokens, "site_manager")).json()
    assert {q["case_id"] for q in queue} == {first, other_day}
    assert {q["start"] for q in queue} == {"2021-08-04", "2021-08-03"}
    single = site["rooms"][0]["id"]
    placed = client.post(
        "/api/v1/sites/placements",
        json={"case_id": first, "room_id": single},
        headers=_as(tokens, "site_manager"),
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["last_day"] == "2021-08-15"  # 14 days from leaving on 08-02
    again = client.post(
        "/api/v1/sites/placements",
        json={"case_id": other_day, "room_id": single},
        headers=_as(tokens),
    )
    assert again.status_code == 409 and again.json()["type"].endswith("room_refused")
    # a household room takes one household, started the same day, from the same area
    household = site["rooms"][1]["id"]
    marked = client.post(
        f"/api/v1/sites/rooms/{household}/household", json={"capacity": 3}, headers=_as(tokens)
    )
    assert marked.status_code == 200, marked.text
    family = client.post(
        "/api/v1/sites/placements",
        json={"case_id": other_day, "room_id": household, "household": "王家"},
        headers=_as(tokens),
    )
    assert family.status_code == 201, family.text
    same_day_family = _report(client, tokens, IDS[2])
    mixed = client.post(
        "/api/v1/sites/placements",
        json={"case_id": same_day_family, "room_id": household, "household": "王家"},
        headers=_as(tokens),
    )
    assert mixed.status_code == 409
    assert "观察开始日不同" in mixed.json()["detail"]
    queue = client.get("/api/v1/sites/queue/cases", headers=_as(tokens)).json()
    assert [q["case_id"] for q in queue] == [same_day_family]


def test_the_whole_queue_is_assigned_to_free_single_rooms(client, tokens, site):
    cases = [_report(client, tokens, number) for number in IDS]
    assigned = client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["placed"] == 4 and assigned.json()["waiting"] == 0
    placements = assigned.json()["placements"]
    assert sorted(p["case_id"] for p in placements) == sorted(cases)
    assert len({p["room_id"] for p in placements}) == 4
    detail = client.get(f"/api/v1/sites/{site['id']}", headers=_as(tokens)).json()
    assert sum(r["occupancy"] for r in detail["rooms"]) == 4
    assert max(r["occupancy"] for r in detail["rooms"]) == 1
    assert client.get("/api/v1/sites/queue/cases", headers=_as(tokens)).json() == []


def test_a_positive_result_escalates_and_flags_the_neighbours(client, tokens, site, engine):
    for number in IDS[:3]:
        _report(client, tokens, number)
    client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    residents = client.get(
        f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens, "site_manager")
    ).json()
    assert [(r["floor"], r["number"]) for r in residents] == [(1, 1), (1, 2), (1, 3)]
    assert residents[0]["day_of_observation"] == 2  # 08-04 is day 1
    middle = residents[1]["placement_id"]
    result = client.post(
        f"/api/v1/sites/placements/{middle}/tests",
        json={"day": "2021-08-05", "result": "positive"},
        headers=_as(tokens, "site_manager"),
    )
    assert result.status_code == 201, result.text
    with session_scope(engine) as session:
        raised = {(e.placement_id, e.kind) for e in session.scalars(select(EscalationRow))}
    assert raised == {
        (middle, "positive"),
        (residents[0]["placement_id"], "neighbour"),
        (residents[2]["placement_id"], "neighbour"),
    }
    worklist = client.get(
        "/api/v1/community/worklist?day=2021-08-05", headers=_as(tokens, "community_worker")
    ).json()
    assert any(item["what"] == "test_positive" for item in worklist["items"])


def test_checks_twice_a_day_and_the_community_sees_the_first(client, tokens, site):
    _report(client, tokens, IDS[0])
    client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    placement = client.get(f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens)).json()[0]
    path = f"/api/v1/sites/placements/{placement['placement_id']}/checks"
    for slot in ("morning", "afternoon"):
        made = client.post(
            path,
            json={"day": "2021-08-05", "slot": slot, "temperature": "36.6"},
            headers=_as(tokens, "site_manager"),
        )
        assert made.status_code == 201, made.text
    twice = client.post(
        path,
        json={"day": "2021-08-05", "slot": "morning", "temperature": "36.6"},
        headers=_as(tokens),
    )
    assert twice.status_code == 409
    bad = client.post(
        path,
        json={"day": "2021-08-05", "slot": "morning", "temperature": "hot"},
        headers=_as(tokens),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "temperature"
    residents = client.get(f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens)).json()
    assert residents[0]["checks_done"] == ["morning", "afternoon"]


def test_checkout_only_when_observation_ends_early_release_by_cdc(client, tokens, site, engine):
    case_id = _report(client, tokens, IDS[0])
    client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    placement = client.get(f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens)).json()[0]
    base = f"/api/v1/sites/placements/{placement['placement_id']}"
    early = client.post(f"{base}/checkout", headers=_as(tokens, "site_manager"))
    assert early.status_code == 409 and early.json()["type"].endswith("observation_not_over")
    refused = client.post(
        f"{base}/release", json={"reason": "误判"}, headers=_as(tokens, "site_manager")
    )
    assert refused.status_code == 403
    released = client.post(f"{base}/release", json={"reason": "排除风险"}, headers=_as(tokens))
    assert released.status_code == 200, released.text
    assert released.json()["end_kind"] == "early_release"
    with session_scope(engine) as session:
        room = session.get(RoomRow, placement["room_id"])
        assert room.occupancy == 0 and room.disinfected_until is not None
    case = client.get(f"/api/v1/community/cases/{case_id}", headers=_as(tokens)).json()
    observation = next(m for m in case["measures"] if m["kind"] == "centralized_observation")
    assert observation["ended_on"] == "2021-08-05"
    # the room is being disinfected: the next person cannot take it
    other = _report(client, tokens, IDS[1])
    again = client.post(
        "/api/v1/sites/placements",
        json={"case_id": other, "room_id": placement["room_id"]},
        headers=_as(tokens),
    )
    assert again.status_code == 409 and "消毒" in again.json()["detail"]


def test_transfer_to_another_site(client, tokens, site):
    _report(client, tokens, IDS[0])
    client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    body = {
        "name": "朝阳二号观察点",
        "district": "朝阳区",
        "address": "朝阳区某路2号",
        "rooms": rooms(1, 1),
    }
    second = client.post("/api/v1/sites", json=body, headers=_as(tokens)).json()
    room = client.get(f"/api/v1/sites/{second['id']}", headers=_as(tokens)).json()["rooms"][0]
    placement = client.get(f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens)).json()[0]
    moved = client.post(
        f"/api/v1/sites/placements/{placement['placement_id']}/transfer",
        json={"room_id": room["id"], "reason": "一号点关闭消毒"},
        headers=_as(tokens),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["room_id"] == room["id"]
    assert client.get(f"/api/v1/sites/{site['id']}/residents", headers=_as(tokens)).json() == []
    # the manager of the first site sees nothing of the second
    assert (
        client.get(
            f"/api/v1/sites/{second['id']}/residents", headers=_as(tokens, "site_manager")
        ).status_code
        == 404
    )


def test_the_dashboard_counts_occupancy_forecast_and_disinfection(client, tokens, site):
    _report(client, tokens, IDS[0])
    _report(client, tokens, IDS[1])
    before = client.get("/api/v1/sites/capacity/overview", headers=_as(tokens)).json()
    assert before["arrivals"]["朝阳区"][0] == 2
    client.post("/api/v1/sites/queue/assign", json={}, headers=_as(tokens))
    after = client.get(
        "/api/v1/sites/capacity/overview", headers=_as(tokens, "site_manager")
    ).json()
    (load,) = after["sites"]
    assert (load["rooms"], load["occupied"], load["free_rooms"]) == (6, 2, 4)
    assert after["arrivals"]["朝阳区"] == [0] * 7
    assert after["districts"][0]["occupied"] == 2


def test_a_site_in_another_city_district_is_refused(client, tokens):
    body = {"name": "某点", "district": "浦东新区", "address": "某路", "rooms": rooms(1, 1)}
    made = client.post("/api/v1/sites", json=body, headers=_as(tokens))
    assert made.status_code == 422 and made.json()["errors"][0]["field"] == "district"


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("cdc", "site_manager")])
def test_other_roles_are_refused(client, tokens, site, role):
    for method, path in (
        ("GET", "/api/v1/sites"),
        ("GET", "/api/v1/sites/queue/cases"),
        ("POST", "/api/v1/sites/queue/assign"),
        ("GET", "/api/v1/sites/capacity/overview"),
        ("GET", f"/api/v1/sites/{site['id']}/residents"),
    ):
        answer = client.request(method, path, json={}, headers=_as(tokens, role))
        assert answer.status_code == 403, (method, path, answer.text)


def test_only_cdc_registers_and_marks_households(client, tokens, site):
    body = {"name": "某点", "district": "朝阳区", "address": "某路", "rooms": []}
    made = client.post("/api/v1/sites", json=body, headers=_as(tokens, "site_manager"))
    assert made.status_code == 403
    room = site["rooms"][0]["id"]
    marked = client.post(
        f"/api/v1/sites/rooms/{room}/household",
        json={"capacity": 2},
        headers=_as(tokens, "site_manager"),
    )
    assert marked.status_code == 403
