"""``/api/v1/faq``: search open to all, edits for hotline operators only, audited."""

from __future__ import annotations

import pytest

from tests.api_helpers import ROLES, bearer

ENTRY = {
    "question": "行程卡带星能进京吗？",
    "answer": "需确认是否经过中高风险区域。",
    "date": "2021-08-07",
}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "hotline"])
def test_only_hotline_operators_edit(client, tokens, role):
    response = client.post("/api/v1/faq/entries", json=ENTRY, headers=bearer(tokens[role]))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert client.post("/api/v1/faq/entries", json=ENTRY).status_code == 401


def test_operator_adds_changes_and_removes_and_search_follows(client, tokens):
    operator = bearer(tokens["hotline"])
    created = client.post("/api/v1/faq/entries", json=ENTRY, headers=operator)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    found = client.get("/api/v1/faq/search", params={"q": "行程碼帶星號能回北京嗎"}).json()
    assert found["answers"][0]["id"] == entry_id
    assert found["about_entry"] is True and found["entry_check"] == "/api/v1/check"
    assert found["entry_check_page"] == "/check"
    assert "最早可进京日" in found["entry_check_says"]
    changed = client.put(
        f"/api/v1/faq/entries/{entry_id}",
        json={**ENTRY, "answer": "先确认是否去过中高风险地区。"},
        headers=operator,
    )
    assert changed.status_code == 200
    found = client.get("/api/v1/faq/search", params={"q": "行程卡带星"}).json()
    assert found["answers"][0]["answer"] == "先确认是否去过中高风险地区。"
    assert client.delete(f"/api/v1/faq/entries/{entry_id}", headers=operator).status_code == 204
    assert client.get("/api/v1/faq/search", params={"q": "行程卡带星"}).json()["answers"] == []
    audit = client.get(
        "/api/v1/audit", params={"entity": "faq_entry"}, headers=bearer(tokens["admin"])
    ).json()
    assert [e["action"] for e in audit] == ["faq.delete", "faq.update", "faq.create"]
    assert all(e["actor"] == "hotline-user" for e in audit)
    assert audit[1]["before"]["answer"] == ENTRY["answer"]
    assert audit[1]["after"]["answer"] == "先确认是否去过中高风险地区。"


def test_same_question_same_day_is_a_conflict(client, tokens):
    operator = bearer(tokens["hotline"])
    assert client.post("/api/v1/faq/entries", json=ENTRY, headers=operator).status_code == 201
    again = client.post("/api/v1/faq/entries", json=ENTRY, headers=operator)
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "entry_exists"


def test_bad_input_is_problem_json(client, tokens):
    empty = client.get("/api/v1/faq/search", params={"q": ""})
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["field"] == "q"
    blank = client.get("/api/v1/faq/search", params={"q": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["code"] == "empty_query"
    missing = client.get("/api/v1/faq/entries/99")
    assert missing.status_code == 404
    bad_day = client.post(
        "/api/v1/faq/entries",
        json={**ENTRY, "date": "2021-02-30"},
        headers=bearer(tokens["hotline"]),
    )
    assert bad_day.status_code == 422 and bad_day.json()["errors"][0]["field"] == "date"
