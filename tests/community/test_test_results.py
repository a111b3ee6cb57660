"""Two results for the same case and day (a positive, then a negative): the last recorded
stands, the earlier is kept as history, both are in the audit log, and the worklist goes by
the standing one."""

from __future__ import annotations

from tests.api_helpers import bearer
from tests.community.helpers import report


def _record(client, worker, case_id, day, result):
    done = client.post(
        f"/api/v1/community/cases/{case_id}/tests",
        json={"day": day, "result": result},
        headers=bearer(worker),
    )
    assert done.status_code == 201, done.text


def _positives(client, worker, day):
    items = client.get(
        "/api/v1/community/worklist", params={"day": day}, headers=bearer(worker)
    ).json()["items"]
    return [i["detail"] for i in items if i["what"] == "test_positive"]


def test_a_later_result_for_the_same_day_supersedes_the_earlier(client, tokens):
    worker = tokens["community_worker"]
    case_id = report(client, worker).json()["case_id"]
    _record(client, worker, case_id, "2021-08-06", "positive")
    assert _positives(client, worker, "2021-08-07") == [
        "2021-08-06 的核酸检测结果为阳性：请立即报告疾控"
    ]
    _record(client, worker, case_id, "2021-08-06", "negative")
    case = client.get(f"/api/v1/community/cases/{case_id}", headers=bearer(worker)).json()
    assert case["tests"] == [
        {"day": "2021-08-06", "result": "positive", "superseded": True},
        {"day": "2021-08-06", "result": "negative", "superseded": False},
    ]
    assert _positives(client, worker, "2021-08-07") == []
    audit = client.get(
        "/api/v1/audit", params={"entity": "nucleic_acid_test"}, headers=bearer(tokens["cdc"])
    ).json()
    negative, positive = audit
    assert (positive["before"], positive["after"]["result"]) == (None, "positive")
    assert negative["before"] == {
        "id": int(positive["entity_id"]),
        "day": "2021-08-06",
        "result": "positive",
    }
    assert negative["after"] == {"case_id": case_id, "day": "2021-08-06", "result": "negative"}
    assert negative["actor"] == "community_worker-user"
