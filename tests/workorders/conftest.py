"""A world for the work-order tests: the citizen's account in 松榆里社区 with a bound number,
a pop-up from a designated area, a red mark, and a dose at the clinic recorded under a
misspelt name; an app on the same keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from fanjing.common.identity import read_document
from fanjing.healthkit.popups import raise_popups
from fanjing.healthkit.service import create_account
from fanjing.healthkit.status import mark_red
from fanjing.healthkit.store import PhoneBindingRow, PopupRow
from fanjing.infra.crypto import FieldCipher, load_field_cipher
from fanjing.infra.db import session_scope
from fanjing.places.service import designate
from fanjing.settings import Settings
from fanjing.users.store import UserRow
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import DoseEntry, Identity, clinic_of, record_dose
from fanjing.web.app import create_app
from tests.api_helpers import CLINIC, COMMUNITY
from tests.builders import add_visit

ID = "11010519491231002X"
PHONE = "13912345678"
CALLER_PHONE = "13800001111"
AREA = "河南省郑州市二七区京广路街道"
TODAY = date(2021, 8, 7)
NOW = datetime(2021, 8, 7, 2, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    account_id: int
    popup_ids: list[int]
    mark_id: int
    dose_id: int


@pytest.fixture
def cipher(tmp_path) -> FieldCipher:
    return load_field_cipher(Settings(var_dir=tmp_path / "var", database_url=""))


@pytest.fixture
def client(engine, tmp_path, tokens):
    settings = Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=TODAY)
    with TestClient(create_app(settings, engine=engine), raise_server_exceptions=False) as test:
        yield test


@pytest.fixture
def world(engine, tokens, cipher, gazetteer) -> World:
    document = read_document("resident_id", ID, today=TODAY)
    with session_scope(engine) as session:
        citizen = session.scalar(select(UserRow).where(UserRow.role == "citizen"))
        assert citizen is not None
        account = create_account(
            session=session,
            cipher=cipher,
            user_id=citizen.id,
            name="张三",
            document=document,
            community=COMMUNITY,
            now=NOW,
        )
        session.add(
            PhoneBindingRow(
                account_id=account.id,
                phone_encrypted=cipher.encrypt(PHONE),
                phone_hash=cipher.lookup_hash(PHONE),
                platform="wechat",
                state="active",
                bound_at=NOW,
            )
        )
        add_visit(session, cipher.lookup_hash(PHONE), "河南省郑州市", TODAY)
        session.flush()
        designation = designate(
            session=session,
            level="high",
            area=AREA,
            start=date(2021, 8, 1),
            end=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        raise_popups(session=session, designation=designation, today=TODAY, now=NOW)
        mark = mark_red(
            session=session,
            cipher=cipher,
            document=document,
            kind="close_contact",
            reason="密接",
            actor="test",
            today=TODAY,
            now=NOW,
        )
        dose = record_dose(
            session=session,
            cipher=cipher,
            products=builtin_products(),
            clinic=clinic_of(session, CLINIC),
            identity=Identity("张山", document),
            entry=DoseEntry(next(iter(builtin_products())), 1, date(2021, 7, 1)),
            actor="test",
            now=NOW,
            today=TODAY,
        )
        session.flush()
        popups = list(session.scalars(select(PopupRow.id).where(PopupRow.account_id == account.id)))
        return World(account.id, popups, mark.id, dose.id)
