"""M10: a new pack version uploaded by CDC, previewed against the open cases, approved; the
cases change only then, each change audited; checks use the new version from its day."""

from __future__ import annotations

from importlib import resources

from tests.api_helpers import ROLES, bearer
from tests.community.helpers import report

BUILTIN = (resources.files("fanjing.policy") / "packs" / "beijing-2021-08.yaml").read_text(
    encoding="utf-8"
)


def second_version(home_days: int = 21) -> str:
    """The August pack as CDC might revise it: home observation for medium-risk arrivals
    lengthened, from 2021-08-10."""
    head, medium = BUILTIN.split("  - id: arrival.medium_risk", 1)
    medium = medium.replace("days: 14", f"days: {home_days}", 1)
    text = head + "  - id: arrival.medium_risk" + medium
    return text.replace('version: "2021.08.07"', 'version: "2021.08.10"').replace(
        "in_force_from: 2021-08-07", "in_force_from: 2021-08-10"
    )


def test_a_new_pack_changes_open_cases_only_once_approved(client, tokens):
    worker, cdc = tokens["community_worker"], tokens["cdc"]
    case_id = report(client, worker).json()["case_id"]
    for role in set(ROLES) - {"cdc"}:
        refused = client.post(
            "/api/v1/policy/packs", json={"text": second_version()}, headers=bearer(tokens[role])
        )
        assert refused.status_code == 403, role
    uploaded = client.post(
        "/api/v1/policy/packs", json={"text": second_version()}, headers=bearer(cdc)
    )
    assert uploaded.status_code == 201, uploaded.text
    pack = uploaded.json()
    assert (pack["status"], pack["version"], pack["in_force_from"]) == (
        "draft",
        "2021.08.10",
        "2021-08-10",
    )
    again = client.post(
        "/api/v1/policy/packs", json={"text": second_version()}, headers=bearer(cdc)
    )
    assert again.status_code == 409

    preview = client.get(f"/api/v1/policy/packs/{pack['id']}/preview", headers=bearer(cdc)).json()
    assert (preview["cases"], preview["changed"]) == (1, 1)
    (change,) = preview["changes"]
    home = next(c for c in change["changes"] if c["kind"] == "home_observation")
    assert (home["before"]["until"], home["after"]["until"]) == ("2021-08-17", "2021-08-24")
    unchanged = client.get(f"/api/v1/community/cases/{case_id}", headers=bearer(worker)).json()
    assert (
        next(m for m in unchanged["measures"] if m["kind"] == "home_observation")["until"]
        == "2021-08-17"
    )
    # a decision of the check is still made with the old version until approval
    situation = {
        "as_of": "2021-08-12",
        "stays": [
            {"place": "河南省郑州市二七区京广路街道", "from": "2021-08-01", "to": "2021-08-03"}
        ],
    }
    assert client.post("/api/v1/check", json=situation).json()["policy"]["version"] == "2021.08.07"

    own = client.post(f"/api/v1/policy/packs/{pack['id']}/approve", headers=bearer(cdc))
    assert own.status_code == 403  # four eyes: the uploader cannot approve their own pack
    assert own.json()["type"].endswith("same_approver")
    approved = client.post(
        f"/api/v1/policy/packs/{pack['id']}/approve", headers=bearer(tokens["cdc2"])
    )
    assert approved.status_code == 200 and approved.json()["changed"] == 1
    after = client.get(f"/api/v1/community/cases/{case_id}", headers=bearer(worker)).json()
    kinds = {m["kind"]: m for m in after["measures"]}
    assert kinds["home_observation"]["until"] == "2021-08-24"
    assert (kinds["health_monitoring"]["start"], kinds["health_monitoring"]["until"]) == (
        "2021-08-24",
        "2021-08-31",
    )
    audit = client.get("/api/v1/audit", headers=bearer(cdc)).json()
    reevaluated = next(e for e in audit if e["action"] == "reevaluate_case")
    assert reevaluated["entity_id"] == str(case_id) and "2021.08.10" in reevaluated["after"]["pack"]
    assert any(e["action"] == "approve_pack" for e in audit)
    listed = client.get("/api/v1/policy/packs", headers=bearer(cdc)).json()
    assert [p["status"] for p in listed] == ["approved"]
    assert (
        client.post(
            f"/api/v1/policy/packs/{pack['id']}/approve", headers=bearer(tokens["cdc2"])
        ).status_code
        == 409
    )
    assert client.post("/api/v1/check", json=situation).json()["policy"]["version"] == "2021.08.10"


def test_a_bad_pack_is_refused_with_its_lines(client, tokens):
    broken = second_version().replace("in_force_from: 2021-08-10", "in_force_from: someday")
    refused = client.post(
        "/api/v1/policy/packs", json={"text": broken}, headers=bearer(tokens["cdc"])
    )
    assert refused.status_code == 422
    assert "in_force_from" in refused.text and "upload.yaml:" in refused.json()["detail"]
