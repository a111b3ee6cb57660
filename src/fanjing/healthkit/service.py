"""Health-kit accounts and phone bindings (H3)."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fanjing.audit.service import citizen_actor, record
from fanjing.common.identity import (
    Document,
    mask_document,
    mask_name,
    mask_phone,
    mobile_number,
    normalized_name,
)
from fanjing.errors import Code, FanjingError, Where
from fanjing.healthkit.core import CODE_DIGITS, BindingState, Platform, check_platform, deletion_day
from fanjing.healthkit.sender import CodeSender
from fanjing.healthkit.status_row import new_status_row
from fanjing.healthkit.store import (
    AccountRow,
    OneTimeCodeRow,
    PhoneBindingRow,
    account_of,
    binding_of_number,
    binding_on_account,
    delete_code,
    delete_codes_for,
    document_in_use,
    newest_code,
    use_try,
    user_has_account,
)
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.rate_limits import CODE_SENDS, RateLimits

CODE_VALIDITY = timedelta(minutes=5)
MAX_ATTEMPTS = 5  # tries of one code, the right one included


@dataclass(frozen=True)
class PhoneView:
    number: str  # masked unless revealed
    platform: Platform
    state: BindingState
    delete_on: date | None


@dataclass(frozen=True)
class AccountView:
    """What the account shows: masked unless the viewer's role needs more."""

    id: int
    name: str
    document_kind: str
    document: str
    community: str | None
    phones: tuple[PhoneView, ...]


def own_account(session: Session, user_id: int) -> AccountRow:
    """The user's own account; a clear refusal when they have not made one yet."""
    account = account_of(session, user_id)
    if account is None:
        raise FanjingError(Code.NOT_FOUND, NO_ACCOUNT)
    return account


NO_ACCOUNT = "还没有健康宝账户：请先建立（POST /api/v1/healthkit/account）"


def create_account(
    *,
    session: Session,
    cipher: FieldCipher,
    user_id: int,
    name: str,
    document: Document,
    community: str | None,
    now: datetime,
) -> AccountRow:
    """One account per user and per identity document."""
    if user_has_account(session, user_id):
        raise FanjingError(Code.ACCOUNT_EXISTS, "该用户已有健康宝账户")
    document_hash = cipher.lookup_hash(f"{document.kind.value}:{document.number}")
    if document_in_use(session, document_hash):
        raise FanjingError(
            Code.DOCUMENT_IN_USE, f"证件 {document.masked} 已有健康宝账户", Where(field="document")
        )
    if not name.strip():
        raise FanjingError(Code.BAD_VALUE, "姓名不能为空", Where(field="name"))
    account = AccountRow(
        user_id=user_id,
        name_encrypted=cipher.encrypt(name.strip()),
        name_hash=cipher.lookup_hash(normalized_name(name)),
        document_kind=document.kind.value,
        document_encrypted=cipher.encrypt(document.number),
        document_hash=document_hash,
        community=community,
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.add(new_status_row(account))
    record(
        session,
        actor=citizen_actor(user_id),
        at=now,
        action="healthkit.account.create",
        entity="healthkit_account",
        entity_id=account.id,
        after={
            "name": mask_name(name.strip()),
            "document": document.masked,
            "community": community,
        },
    )
    return account


def start_binding(
    *,
    session: Session,
    cipher: FieldCipher,
    sender: CodeSender,
    limits: RateLimits,
    account: AccountRow,
    phone: str,
    platform: str,
    now: datetime,
) -> None:
    """Send a one-time code to ``phone`` to bind it on ``platform``: valid 5 minutes, it
    replaces the account's earlier codes for the number. At most one send per number per
    60 s and 10 a day (``TooManyRequests``); a sender's failure is the sender's error."""
    number = mobile_number(phone)
    chosen = _platform(platform)
    phone_hash = cipher.lookup_hash(number)
    _refuse_if_bound_elsewhere(session, phone_hash, account)
    limits.take(CODE_SENDS, phone_hash, Where(field="phone"))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    delete_codes_for(session, account.id, phone_hash)
    session.add(
        OneTimeCodeRow(
            account_id=account.id,
            phone_hash=phone_hash,
            platform=chosen.value,
            code_hash=_code_hash(cipher, code),
            expires_at=now + CODE_VALIDITY,
        )
    )
    sender.send(number, code)


def confirm_binding(
    *,
    session: Session,
    engine: Engine,
    cipher: FieldCipher,
    account: AccountRow,
    phone: str,
    platform: str,
    code: str,
    now: datetime,
) -> PhoneBindingRow:
    """Bind the number once its code is confirmed. A number already on this account (grey,
    or on the same platform) is bound again; on another account, refused (also when another
    account binds it at the same moment).

    Every try uses up one of the code's ``MAX_ATTEMPTS`` in its own transaction on ``engine``,
    committed before the code is compared: a wrong try stays counted though the caller's
    transaction is rolled back, and simultaneous guesses cannot share a try. The code is
    deleted when it binds (single use)."""
    number = mobile_number(phone)
    chosen = _platform(platform)
    phone_hash = cipher.lookup_hash(number)
    code_id, code_hash, tries_left = _take_try(engine, account.id, phone_hash, chosen, now)
    if not hmac.compare_digest(code_hash, _code_hash(cipher, code.strip())):
        raise FanjingError(
            Code.WRONG_CODE, f"验证码不对（还可再试 {tries_left} 次）", Where(field="code")
        )
    existing = binding_of_number(session, phone_hash)
    if existing is not None and existing.account_id != account.id:
        raise _bound_elsewhere(existing)
    before = None if existing is None else _binding_snapshot(existing, number)
    if existing is not None:
        check_platform(Platform(existing.platform), chosen)
        existing.state, existing.unbound_on, existing.delete_on = (
            BindingState.ACTIVE.value,
            None,
            None,
        )
        binding = existing
    else:
        binding = PhoneBindingRow(
            account_id=account.id,
            phone_encrypted=cipher.encrypt(number),
            phone_hash=phone_hash,
            platform=chosen.value,
            state=BindingState.ACTIVE.value,
            bound_at=now,
        )
        session.add(binding)
    try:
        session.flush()  # here, not in a later statement's autoflush, so a conflict is caught
    except IntegrityError:  # another account bound the same number at the same moment
        raise FanjingError(
            Code.PHONE_BOUND_ELSEWHERE, "该手机号已绑定在其他健康宝账户", Where(field="phone")
        ) from None
    delete_code(session, code_id)
    record(
        session,
        actor=citizen_actor(account.user_id),
        at=now,
        action="healthkit.phone.bind",
        entity="phone_binding",
        entity_id=binding.id,
        before=before,
        after=_binding_snapshot(binding, number),
    )
    return binding


def _take_try(
    engine: Engine, account_id: int, phone_hash: str, platform: Platform, now: datetime
) -> tuple[int, str, int]:
    """Use up one try of the account's newest code for the number, committed at once (on a
    connection of its own: the caller's holds none yet, so a request never waits for a
    second one); the code's id and hash and the tries left after this one. One conditional
    UPDATE, so simultaneous tries are each counted. A refusal when there is no live code."""
    with engine.begin() as connection:
        pending = newest_code(connection, account_id, phone_hash, platform.value)
        if pending is None or pending.expires_at <= now:
            raise FanjingError(Code.CODE_EXPIRED, "验证码已失效，请重新获取", Where(field="code"))
        used = use_try(connection, pending.id, MAX_ATTEMPTS)
    if used is None:
        raise FanjingError(
            Code.CODE_EXPIRED, "验证码错误次数过多，已失效，请重新获取", Where(field="code")
        )
    return pending.id, pending.code_hash, MAX_ATTEMPTS - used


def unbind(
    *,
    session: Session,
    cipher: FieldCipher,
    account: AccountRow,
    phone: str,
    platform: str,
    today: date,
    now: datetime,
) -> PhoneBindingRow:
    """Unbind on the authorising platform: the number turns grey and is deleted in 14 days."""
    number = mobile_number(phone)
    binding = binding_on_account(session, account.id, cipher.lookup_hash(number))
    if binding is None or binding.state != BindingState.ACTIVE.value:
        raise FanjingError(
            Code.NOT_BOUND, f"手机号 {mask_phone(number)} 未绑定在此账户", Where(field="phone")
        )
    check_platform(Platform(binding.platform), _platform(platform))
    before = _binding_snapshot(binding, number)
    binding.state = BindingState.GREY.value
    binding.unbound_on = today
    binding.delete_on = deletion_day(today)
    record(
        session,
        actor=citizen_actor(account.user_id),
        at=now,
        action="healthkit.phone.unbind",
        entity="phone_binding",
        entity_id=binding.id,
        before=before,
        after=_binding_snapshot(binding, number),
    )
    return binding


def _binding_snapshot(binding: PhoneBindingRow, number: str) -> dict[str, Any]:
    return {
        "phone": mask_phone(number),
        "platform": binding.platform,
        "state": binding.state,
        "delete_on": binding.delete_on.isoformat() if binding.delete_on else None,
    }


def account_view(
    account: AccountRow, bindings: list[PhoneBindingRow], cipher: FieldCipher, *, reveal: bool
) -> AccountView:
    """The account as shown: masked, unless ``reveal`` (a role that needs the full data)."""
    name = cipher.decrypt(account.name_encrypted)
    document = cipher.decrypt(account.document_encrypted)
    numbers = [(b, cipher.decrypt(b.phone_encrypted)) for b in sorted(bindings, key=lambda b: b.id)]
    phones = tuple(
        PhoneView(
            n if reveal else mask_phone(n), Platform(b.platform), BindingState(b.state), b.delete_on
        )
        for b, n in numbers
    )
    return AccountView(
        account.id,
        name if reveal else mask_name(name),
        account.document_kind,
        document if reveal else mask_document(document),
        account.community,
        phones,
    )


def _platform(platform: str) -> Platform:
    try:
        return Platform(platform)
    except ValueError:
        raise FanjingError(
            Code.UNKNOWN_PLATFORM,
            f"未知平台“{platform}”（应为 wechat 或 alipay）",
            Where(field="platform"),
        ) from None


def _refuse_if_bound_elsewhere(session: Session, phone_hash: str, account: AccountRow) -> None:
    existing = binding_of_number(session, phone_hash)
    if existing is not None and existing.account_id != account.id:
        raise _bound_elsewhere(existing)


def _bound_elsewhere(binding: PhoneBindingRow) -> FanjingError:
    until = f"，{binding.delete_on} 起可重新绑定" if binding.delete_on else ""
    return FanjingError(
        Code.PHONE_BOUND_ELSEWHERE, f"该手机号已绑定在其他健康宝账户{until}", Where(field="phone")
    )


def _code_hash(cipher: FieldCipher, code: str) -> str:
    return cipher.lookup_hash(f"one-time code:{code}")
