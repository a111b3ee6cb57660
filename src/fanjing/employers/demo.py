"""The demo's employer (``fanjing demo``): 北京示例科技有限公司, its login, and three linked
employees whose arrival reports the demo then makes (李四 monitored, 赵六 under observation)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.common.identity import read_document
from fanjing.employers.service import add_employer_user, link_employer, register_employer
from fanjing.healthkit.service import create_account
from fanjing.infra.crypto import FieldCipher
from fanjing.places.gazetteer import Gazetteer
from fanjing.users.service import add_user
from fanjing.users.store import UserRow

CREDIT_CODE = "91110000600037341L"
EMPLOYEES = (("李四", "110101199003071233"), ("赵六", "110105198001011238"))


def seed_employer(
    *,
    session: Session,
    cipher: FieldCipher,
    gazetteer: Gazetteer,
    citizen_id: int,
    community: str,
    day: date,
    now: datetime,
    real_now: datetime,
) -> str:
    """The employer and its user (the token returned); the citizen ``citizen_id`` and 李四 and
    赵六 (accounts of their own in ``community``) linked the day before ``now``, so that the
    reports made at ``now`` reach the employer. The users are added at ``real_now``, the real
    moment: tokens expire by the real clock, not the demo's."""
    employer = register_employer(
        session=session,
        name="北京示例科技有限公司",
        credit_code=CREDIT_CODE,
        district="朝阳区",
        parse_place=gazetteer.parse,
        actor="demo",
        now=now,
    )
    _, token = add_employer_user(
        session=session,
        cipher=cipher,
        employer=employer,
        name="demo-employer",
        parse_place=gazetteer.parse,
        actor="demo",
        now=real_now,
    )
    staff = [session.get_one(UserRow, citizen_id)]
    for name, number in EMPLOYEES:
        user, _ = add_user(
            session=session,
            cipher=cipher,
            name=name,
            role="citizen",
            community=None,
            parse_place=gazetteer.parse,
            actor="demo",
            now=real_now,
        )
        create_account(
            session=session,
            cipher=cipher,
            user_id=user.id,
            name=name,
            document=read_document("resident_id", number, today=day),
            community=community,
            now=now,
        )
        staff.append(user)
    for user in staff:
        link_employer(session=session, user=user, code=employer.code, now=now - timedelta(days=1))
    return token
