"""The signed pass: issued, verified offline, refused with the reason; keys rotate with overlap."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from fanjing.errors import FanjingError
from fanjing.healthkit.core import Colour
from fanjing.healthkit.keys import OVERLAP, jwks, rotate_signing_key, stored_keys
from fanjing.healthkit.pass_token import VALIDITY, issue_pass, verify_pass
from fanjing.infra.db import open_database
from fanjing.settings import Settings
from fanjing.web.app import create_app

NOW = datetime(2021, 8, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{tmp_path / 'f.db'}")


def issued(settings, now=NOW, colour=Colour.YELLOW, popup=True) -> str:
    key = stored_keys(settings, now=now)[0].key
    return issue_pass(key=key, masked_name="张*", colour=colour, popup=popup, version=7, now=now)


def published(settings, now=NOW):
    return jwks(stored_keys(settings, now=now), now=now)


def test_a_pass_verifies_offline_within_five_minutes(settings):
    token = issued(settings)
    claims = verify_pass(token, jwks=published(settings), now=NOW + VALIDITY - timedelta(seconds=1))
    assert (claims.masked_name, claims.colour, claims.popup) == ("张*", Colour.YELLOW, True)
    assert claims.version == 7
    assert len(token) < 300  # compact enough for a QR code


def refusal(token, keys, now) -> str:
    with pytest.raises(FanjingError) as raised:
        verify_pass(token, jwks=keys, now=now)
    return raised.value.code


def test_tampered_expired_unknown_and_malformed_passes_are_refused_with_the_reason(
    settings, tmp_path
):
    token = issued(settings, colour=Colour.RED, popup=False)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["c"] = "green"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    keys = published(settings)
    assert refusal(f"{header}.{forged}.{signature}", keys, NOW) == "pass_tampered"
    assert refusal(token, keys, NOW + VALIDITY) == "pass_expired"
    assert refusal(token, keys, NOW - timedelta(minutes=5)) == "pass_not_yet_valid"
    stranger = Settings(var_dir=tmp_path / "elsewhere", database_url="sqlite://")
    assert refusal(token, published(stranger), NOW) == "pass_unknown_key"
    assert refusal("not a pass", keys, NOW) == "pass_malformed"


def test_rotation_keeps_the_old_key_published_for_the_overlap(settings):
    before = issued(settings)
    rotate_signing_key(settings, now=NOW + timedelta(minutes=1))
    after_rotation = NOW + timedelta(minutes=2)
    assert verify_pass(before, jwks=published(settings, after_rotation), now=after_rotation)
    newer = issued(settings, now=after_rotation)
    assert (
        json.loads(base64.urlsafe_b64decode(newer.split(".")[0] + "=="))["kid"]
        != json.loads(base64.urlsafe_b64decode(before.split(".")[0] + "=="))["kid"]
    )
    later = NOW + timedelta(minutes=1) + OVERLAP
    assert len(published(settings, later)["keys"]) == 1  # the old key is no longer published


def test_key_files_are_private(settings):
    stored_keys(settings, now=NOW)
    (path,) = (settings.var_dir / "keys" / "pass").glob("*.pem")
    assert path.stat().st_mode & 0o777 == 0o600


def test_jwks_and_verification_over_http(settings):
    open_database(settings.database_url).dispose()
    app = create_app(settings)
    with TestClient(app) as client:
        keys = client.get("/.well-known/jwks.json").json()
        assert keys["keys"][0]["kty"] == "OKP" and "d" not in keys["keys"][0]  # public half only
        now = datetime.now(UTC)
        token = issued(settings, now=now)
        answer = client.post("/api/v1/pass/verify", json={"token": token}).json()
        assert (
            answer["valid"] is True
            and answer["colour"] == "yellow"
            and answer["masked_name"] == "张*"
        )
        bad = client.post("/api/v1/pass/verify", json={"token": token[:-8] + "AAAAAAAA"}).json()
        assert bad["valid"] is False and bad["code"] in {"pass_tampered", "pass_malformed"}
