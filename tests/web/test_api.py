"""The HTTP API per endpoint and role, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from fanjing.policy.schemas import DecisionOut
from fanjing.web.app import MAX_BODY_BYTES
from tests.api_helpers import COMMUNITY, ROLES, bearer

LIST_0804 = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "sources"
    / "risk-lists"
    / "national-list-20210804.txt"
)
EXAMPLE = {
    "as_of": "2021-08-07",
    "arrival": "2021-08-07",
    "stays": [{"place": "河南省郑州市二七区京广路街道", "from": "2021-07-28", "to": "2021-08-01"}],
}


def designate(
    client, tokens, area="河南省郑州市二七区京广路街道", level="high", start="2021-07-31"
):
    response = client.post(
        "/api/v1/risk-areas",
        json={"level": level, "area": area, "from": start},
        headers=bearer(tokens["cdc"]),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_check_follows_the_contract_with_the_registry(client, tokens):
    assert client.post("/api/v1/check", json=EXAMPLE).json()["entry"]["allowed"] is True
    designate(client, tokens)
    decision = client.post("/api/v1/check", json=EXAMPLE).json()
    assert decision["entry"]["allowed"] is False and decision["entry"]["earliest"] == "2021-08-15"
    assert [(m["kind"], m["start"], m["end"]) for m in decision["measures"]][:2] == [
        ("centralized_observation", "2021-08-07", "2021-08-15"),
        ("health_monitoring", "2021-08-15", "2021-08-22"),
    ]
    assert decision["policy"]["id"] == "beijing-2021-08"
    planned = client.post("/api/v1/check", json={**EXAMPLE, "arrival": "2021-08-20"}).json()
    assert planned["entry"]["allowed"] is True and planned["entry"]["earliest"] == "2021-08-20"
    assert planned["entry"]["earliest_possible"] == "2021-08-15"  # whatever the planned day
    DecisionOut.model_validate(planned)
    DecisionOut.model_validate(
        decision
    )  # the documented shape, which the route does not re-validate


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        pytest.param({**EXAMPLE, "as_of": "2021/08/07"}, "as_of", "bad_date", id="date-not-iso"),
        pytest.param({**EXAMPLE, "colour": "red"}, "colour", "extra_forbidden", id="unknown-field"),
        pytest.param(
            {**EXAMPLE, "health_code": "blue"}, "health_code", "literal_error", id="unknown-code"
        ),
        pytest.param(
            {**EXAMPLE, "stays": [{"place": "朝阳区", "from": "2021-08-01", "to": "2021-08-02"}]},
            "stays[0].place",
            "ambiguous_place",
            id="ambiguous-place",
        ),
        pytest.param(
            {**EXAMPLE, "stays": [{"place": "郑州市", "from": "2021-08-03", "to": "2021-08-01"}]},
            "stays[0].from",
            "dates_out_of_order",
            id="dates-out-of-order",
        ),
    ],
)
def test_bad_situations_are_problems_naming_the_field(client, body, field, code):
    response = client.post("/api/v1/check", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["detail"]
    assert {"field": field, "code": code} in [
        {"field": e["field"], "code": e["code"]} for e in problem["errors"]
    ]


def test_oversized_and_malformed_bodies(client):
    response = client.post(
        "/api/v1/check",
        content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
        headers={"content-type": "application/json"},
    )
    assert (
        response.status_code == 413
        and response.json()["type"] == "urn:fanjing:problem:payload_too_large"
    )
    response = client.post(
        "/api/v1/check", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert (
        response.status_code == 422
        and response.headers["content-type"] == "application/problem+json"
    )


# Who may call what: every other role is refused (403), anyone without a token 401.
ENDPOINTS = [
    ("get", "/api/v1/risk-areas?as_of=2021-08-05", None, {"cdc"}),
    (
        "post",
        "/api/v1/risk-areas",
        {"level": "medium", "area": "江苏省南京市江宁区禄口街道", "from": "2021-08-01"},
        {"cdc"},
    ),
    (
        "post",
        "/api/v1/risk-areas/import",
        {"text": "level,area,from,to\ncases,江苏省扬州市,2021-07-28,\n"},
        {"cdc"},
    ),
    ("get", "/api/v1/audit", None, {"cdc", "admin"}),
    (
        "get",
        "/api/v1/communities/risk-areas?as_of=2021-08-05&community=" + COMMUNITY,
        None,
        {"cdc", "community_worker"},
    ),
    ("get", "/api/v1/me", None, set(ROLES)),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    ENDPOINTS,
    ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ENDPOINTS],
)
def test_each_endpoint_lets_in_only_its_roles(client, tokens, method, path, body, allowed):
    for role in ROLES:
        response = client.request(method, path, json=body, headers=bearer(tokens[role]))
        if role in allowed:
            assert response.status_code < 300, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["type"] == "urn:fanjing:problem:forbidden"
    anonymous = client.request(method, path, json=body)
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert client.request(method, path, json=body, headers=bearer("fj_wrong")).status_code == 401


def test_lift_is_cdc_only(client, tokens):
    designation = designate(client, tokens)
    path = f"/api/v1/risk-areas/{designation['id']}/lift"
    for role in set(ROLES) - {"cdc"}:
        assert (
            client.post(path, json={"to": "2021-08-20"}, headers=bearer(tokens[role])).status_code
            == 403
        )
    lifted = client.post(path, json={"to": "2021-08-20"}, headers=bearer(tokens["cdc"]))
    assert lifted.status_code == 200 and lifted.json()["to"] == "2021-08-20"
    later = client.post(path, json={"to": "2021-08-25"}, headers=bearer(tokens["cdc"]))
    assert later.status_code == 409  # already lifted: a lift cannot extend a designation
    earlier = client.post(path, json={"to": "2021-08-19"}, headers=bearer(tokens["cdc"]))
    assert earlier.status_code == 200 and earlier.json()["to"] == "2021-08-19"  # a correction
    assert (
        client.post(
            "/api/v1/risk-areas/999999/lift",
            json={"to": "2021-08-20"},
            headers=bearer(tokens["cdc"]),
        ).status_code
        == 404
    )


def test_a_community_worker_sees_only_their_own_community(client, tokens):
    designate(client, tokens, area=COMMUNITY, level="medium")
    designate(client, tokens, area="北京市房山区阎村镇乐活家园社区", level="medium")
    own = client.get(
        "/api/v1/communities/risk-areas?as_of=2021-08-05",
        headers=bearer(tokens["community_worker"]),
    )
    assert own.status_code == 200 and [d["area"] for d in own.json()] == [COMMUNITY]
    other = client.get(
        "/api/v1/communities/risk-areas?as_of=2021-08-05&community=北京市房山区阎村镇乐活家园社区",
        headers=bearer(tokens["community_worker"]),
    )
    assert other.status_code == 403
    seen_by_cdc = client.get(
        "/api/v1/communities/risk-areas?as_of=2021-08-05&community=北京市房山区阎村镇乐活家园社区",
        headers=bearer(tokens["cdc"]),
    )
    assert [d["area"] for d in seen_by_cdc.json()] == ["北京市房山区阎村镇乐活家园社区"]


def test_changes_are_in_the_audit_log(client, tokens):
    designation = designate(client, tokens)
    client.post(
        f"/api/v1/risk-areas/{designation['id']}/lift",
        json={"to": "2021-08-20"},
        headers=bearer(tokens["cdc"]),
    )
    log = client.get("/api/v1/audit?entity=designation", headers=bearer(tokens["admin"])).json()
    assert [(e["action"], e["actor"]) for e in log][:2] == [
        ("designation.lift", "cdc-user"),
        ("designation.open", "cdc-user"),
    ]
    assert log[0]["before"]["to"] is None and log[0]["after"]["to"] == "2021-08-20"


def test_importing_a_daily_list_over_http(client, tokens):
    body = {"text": LIST_0804.read_text(encoding="utf-8"), "file": LIST_0804.name}
    report = client.post(
        "/api/v1/risk-areas/import", json=body, headers=bearer(tokens["cdc"])
    ).json()
    assert report["list_date"] == "2021-08-04" and report["declared"] == {"high": 4, "medium": 144}
    assert len(report["opened"]) == 148 and report["unplaced"] == []
    listed = client.get("/api/v1/risk-areas?as_of=2021-08-05", headers=bearer(tokens["cdc"])).json()
    assert len(listed) == 148
    again = client.post(
        "/api/v1/risk-areas/import", json=body, headers=bearer(tokens["cdc"])
    ).json()
    assert again["opened"] == [] and again["unchanged"] == 148


def test_a_truncated_list_over_http_holds_lifts_until_cdc_confirms(client, tokens):
    cdc = bearer(tokens["cdc"])
    full = {"text": LIST_0804.read_text(encoding="utf-8"), "file": LIST_0804.name}
    assert client.post("/api/v1/risk-areas/import", json=full, headers=cdc).status_code == 200
    later = LIST_0804.with_name("national-list-20210810.txt").read_text(encoding="utf-8")
    cut = {"text": "\n".join(later.splitlines()[:120]), "file": "cut.txt"}
    report = client.post("/api/v1/risk-areas/import", json=cut, headers=cdc).json()
    assert report["lifts_held"] is True and report["incomplete"].keys() == {"medium"}
    held = len(report["held"])
    in_force = len(client.get("/api/v1/risk-areas?as_of=2021-08-10", headers=cdc).json())

    confirm = f"/api/v1/risk-areas/imports/{report['import_id']}/confirm-lifts"
    assert client.post(confirm, headers=bearer(tokens["community_worker"])).status_code == 403
    confirmed = client.post(confirm, headers=cdc)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["lifts_confirmed_by"] == "cdc-user"
    assert confirmed.json()["lifts_held"] is False
    after = client.get("/api/v1/risk-areas?as_of=2021-08-10", headers=cdc).json()
    assert len(after) == in_force - held
    again = client.post(confirm, headers=cdc)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:fanjing:problem:already_confirmed"
    log = client.get("/api/v1/audit?entity=registry_import", headers=bearer(tokens["admin"])).json()
    assert [(e["action"], e["actor"]) for e in log] == [
        ("registry_import.confirm_lifts", "cdc-user")
    ]
