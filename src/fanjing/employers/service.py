"""Employers: registering an organisation and its users, employees linking their health-kit
accounts with the employer's code, and what the employer sees — its staff's measures and
return days, and the arrival reports its employees made while linked. Every change is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.employers.core import (
    CODE_ALPHABET,
    CODE_LENGTH,
    read_credit_code,
    read_employer_code,
)
from fanjing.employers.store import (
    EmployerRow,
    EmployerStaffRow,
    EmploymentRow,
    credit_code_taken,
    current_employment,
    employer_code_taken,
    employer_of_user,
    employer_with_code,
    employer_with_credit_code,
)
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.service import own_account
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place
from fanjing.users.core import TOKEN_DAYS, Role
from fanjing.users.service import add_user
from fanjing.users.store import UserRow


def register_employer(
    *,
    session: Session,
    name: str,
    credit_code: str,
    district: str,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
) -> EmployerRow:
    """An organisation in a district of Beijing, known by its unified social credit code (its
    check character verified); it gets an employer code, drawn at random, for its employees."""
    name = name.strip()
    if not name or len(name) > 200:
        raise FanjingError(Code.BAD_VALUE, "单位名称应为1到200个字符", Where(field="name"))
    code = read_credit_code(credit_code)
    county = _district(district, parse_place)
    if credit_code_taken(session, code):
        raise FanjingError(
            Code.EMPLOYER_EXISTS,
            f"统一社会信用代码“{code}”的单位已登记",
            Where(field="credit_code"),
        )
    employer = EmployerRow(
        name=name,
        credit_code=code,
        district=county,
        code=_new_employer_code(session),
        registered_at=now,
        registered_by=actor,
    )
    session.add(employer)
    try:
        session.flush()
    except IntegrityError:  # the same organisation registered at the same moment elsewhere
        raise FanjingError(
            Code.EMPLOYER_EXISTS,
            f"统一社会信用代码“{code}”的单位已登记",
            Where(field="credit_code"),
        ) from None
    record(
        session,
        actor=actor,
        at=now,
        action="employer.register",
        entity="employer",
        entity_id=employer.id,
        after={"name": name, "credit_code": code, "district": county},
    )
    return employer


def _district(text: str, parse_place: Callable[[str], Place]) -> str:
    words = text.strip()
    try:
        place = parse_place(words if words.startswith("北京") else f"北京市{words}")
    except FanjingError:
        place = None  # not a place at all: the same refusal, naming the field
    if not words or place is None or not place.in_beijing or place.county is None:
        raise FanjingError(
            Code.BAD_VALUE, f"“{text}”不是北京市的区（如 朝阳区）", Where(field="district")
        )
    return place.county


def _new_employer_code(session: Session) -> str:
    # 31^8 codes: a clash is all but impossible, and then the next draw is taken
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not employer_code_taken(session, code):
            return code


def employer_by_credit_code(session: Session, credit_code: str) -> EmployerRow:
    code = read_credit_code(credit_code)
    employer = employer_with_credit_code(session, code)
    if employer is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有统一社会信用代码为“{code}”的单位", Where(field="credit_code")
        )
    return employer


def add_employer_user(
    *,
    session: Session,
    cipher: FieldCipher,
    employer: EmployerRow,
    name: str,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
    expires_in_days: int = TOKEN_DAYS,
) -> tuple[UserRow, str]:
    """A user of the ``employer`` role acting for ``employer`` (``users.service.add_user``,
    then the binding); returns the row and the token, shown once."""
    user, token = add_user(
        session=session,
        cipher=cipher,
        name=name,
        role=Role.EMPLOYER.value,
        community=None,
        parse_place=parse_place,
        actor=actor,
        now=now,
        expires_in_days=expires_in_days,
    )
    session.add(EmployerStaffRow(user_id=user.id, employer_id=employer.id))
    record(
        session,
        actor=actor,
        at=now,
        action="employer.user.add",
        entity="employer",
        entity_id=employer.id,
        after={"user": user.name, "user_id": user.id},
    )
    return user, token


def employer_of(session: Session, user: UserRow) -> EmployerRow:
    """The organisation an employer user acts for (a refusal when none was bound: a user
    added with ``fanjing users add --role employer`` instead of ``fanjing employers user add``)."""
    employer = employer_of_user(session, user.id)
    if employer is None:
        raise FanjingError(Code.FORBIDDEN, "该用户未绑定单位（fanjing employers user add）")
    return employer


def link_employer(*, session: Session, user: UserRow, code: str, now: datetime) -> EmployerRow:
    """Link the citizen's own health-kit account to the employer whose code this is; a link to
    another employer ends (one employer at a time). From now on their arrival reports go to
    the employer too, and the employer sees their measures."""
    account = own_account(session, user.id)
    wanted = read_employer_code(code)
    employer = employer_with_code(session, wanted)
    if employer is None:
        raise FanjingError(
            Code.NOT_FOUND, f"没有代码为“{wanted}”的单位，请向单位核对", Where(field="code")
        )
    current = current_employment(session, account.id)
    if current is not None and current[1].id == employer.id:
        raise FanjingError(Code.ALREADY_LINKED, f"已关联单位“{employer.name}”")
    if current is not None:
        current[0].unlinked_at = now
        session.flush()  # the old link ends before the new one begins (one current link)
    link = EmploymentRow(employer_id=employer.id, account_id=account.id, linked_at=now)
    session.add(link)
    try:
        session.flush()
    except IntegrityError:  # another link of the account made at the same moment
        raise FanjingError(Code.ALREADY_LINKED, "刚刚已关联单位，请刷新后查看") from None
    record(
        session,
        actor=user.name,
        at=now,
        action="employer.link",
        entity="employment",
        entity_id=link.id,
        before={"employer_id": current[1].id} if current else None,
        after={"employer_id": employer.id, "account_id": account.id},
    )
    return employer


def unlink_employer(*, session: Session, user: UserRow, now: datetime) -> EmployerRow:
    """End the citizen's current link: the employer no longer sees them or their reports."""
    account = own_account(session, user.id)
    current = current_employment(session, account.id)
    if current is None:
        raise FanjingError(Code.NOT_LINKED, "尚未关联单位")
    link, employer = current
    link.unlinked_at = now
    record(
        session,
        actor=user.name,
        at=now,
        action="employer.unlink",
        entity="employment",
        entity_id=link.id,
        before={"employer_id": employer.id, "account_id": account.id},
        after={"unlinked_at": now.isoformat()},
    )
    return employer
