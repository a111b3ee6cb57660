"""Builders for the vaccination tests: keys, valid ID numbers, a clinic, citizens with accounts,
and recorded doses."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

from cryptography.fernet import Fernet
from sqlalchemy import Engine
from stdnum.cn import ric

from fanjing.common.identity import read_document
from fanjing.healthkit.service import create_account
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.service import add_user
from fanjing.vaccination.products import builtin_products
from fanjing.vaccination.service import DoseEntry, Identity, add_clinic, clinic_of, record_dose
from tests.api_helpers import CLINIC, CLINIC_STREET

NOW = datetime(2021, 8, 7, 2, tzinfo=UTC)
TODAY = date(2021, 8, 7)
DATA_KEY = Fernet.generate_key()
LOOKUP_KEY = b"0123456789abcdef0123456789abcdef"


def cipher() -> FieldCipher:
    return FieldCipher([DATA_KEY], LOOKUP_KEY)


def key_environment() -> dict[str, str]:
    """The same keys for a ``fanjing`` subprocess."""
    return {
        "FANJING_DATA_KEYS": DATA_KEY.decode("ascii"),
        "FANJING_LOOKUP_KEY": base64.urlsafe_b64encode(LOOKUP_KEY).decode("ascii"),
    }


def id_number(serial: int) -> str:
    """A valid resident ID number (东城区, born 1980-01-01), distinct per ``serial`` < 1000."""
    body = f"11010119800101{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def bad_id_number() -> str:
    """``id_number(1)`` with a wrong check digit."""
    good = id_number(1)
    return good[:17] + ("1" if good[17] == "0" else "0")


def identity(serial: int, name: str = "张三") -> Identity:
    return Identity(name, read_document("resident_id", id_number(serial), today=TODAY))


def add_test_clinic(engine: Engine, gazetteer: Gazetteer, code: str = CLINIC) -> None:
    with session_scope(engine) as session:
        add_clinic(
            session=session,
            code=code,
            name=f"{code} 接种门诊",
            street=CLINIC_STREET,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )


def add_citizen(engine: Engine, gazetteer: Gazetteer, serial: int, name: str = "张三") -> int:
    """A citizen with a health-kit account for ID ``serial``; the account's id."""
    with session_scope(engine) as session:
        user, _ = add_user(
            session=session,
            cipher=cipher(),
            name=f"citizen-{serial}",
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="test",
            now=NOW,
        )
        account = create_account(
            session=session,
            cipher=cipher(),
            user_id=user.id,
            name=name,
            document=identity(serial).document,
            community=None,
            now=NOW,
        )
        return account.id


def record(
    engine: Engine,
    serial: int,
    *,
    name: str = "张三",
    dose: int = 1,
    day: date = date(2021, 7, 1),
    product: str = "bibp_inactivated",
    clinic: str = CLINIC,
) -> int:
    """Record a dose at ``clinic``; its id."""
    with session_scope(engine) as session:
        row = record_dose(
            session=session,
            cipher=cipher(),
            products=builtin_products(),
            clinic=clinic_of(session, clinic),
            identity=identity(serial, name),
            entry=DoseEntry(product, dose, day),
            actor="nurse",
            now=NOW,
            today=TODAY,
        )
        return row.id
