"""Helpers of the employer tests: organisations registered by CDC, their users, citizens with
health-kit accounts, links."""

from __future__ import annotations

from datetime import UTC, datetime

from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import session_scope
from fanjing.settings import Settings
from fanjing.users.service import add_user
from tests.api_helpers import COMMUNITY, bearer

CREDIT_CODE = "91110108600037341D"  # 海淀区
OTHER_CREDIT_CODE = "91110105MA01ABCD13"  # 朝阳区
ID = "11010519491231002X"
OTHER_ID = "110101199003074514"


def register(client, cdc_token, credit_code=CREDIT_CODE, name="北京海淀某科技有限公司"):
    body = {"name": name, "credit_code": credit_code, "district": "海淀区"}
    answer = client.post("/api/v1/employers", json=body, headers=bearer(cdc_token))
    assert answer.status_code == 201, answer.text
    return answer.json()


def employer_user(client, cdc_token, employer_id, name="单位人事"):
    answer = client.post(
        f"/api/v1/employers/{employer_id}/users", json={"name": name}, headers=bearer(cdc_token)
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def citizen(engine, tmp_path, gazetteer, name):
    """A citizen user of the test app (its keys under ``tmp_path / 'var'``): their token."""
    cipher = load_field_cipher(Settings(var_dir=tmp_path / "var", database_url=""))
    with session_scope(engine) as session:
        _, token = add_user(
            session=session,
            cipher=cipher,
            name=name,
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=datetime.now(UTC),
        )
    return token


def open_account(client, token, name="张三", number=ID):
    body = {"name": name, "document_number": number, "community": COMMUNITY}
    answer = client.post("/api/v1/healthkit/account", json=body, headers=bearer(token))
    assert answer.status_code == 201, answer.text


def link(client, token, code):
    return client.post("/api/v1/healthkit/employer", json={"code": code}, headers=bearer(token))
