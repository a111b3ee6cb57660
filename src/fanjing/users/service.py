"""Adding users, recognising them by their token, revoking and listing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.common.identity import mask_name
from fanjing.errors import Code, FanjingError, Where
from fanjing.infra.crypto import FieldCipher
from fanjing.places.core import Place, beijing_community
from fanjing.users.core import (
    TOKEN_DAYS,
    Role,
    citizen_label,
    draw_token,
    token_hash,
    token_refusal,
)
from fanjing.users.store import (
    UserRow,
    all_users,
    clinic_exists,
    end_sessions_of,
    name_taken,
    user_with_name_hash,
    user_with_token_hash,
)

MAX_TOKEN_DAYS = 3650


def add_user(
    *,
    session: Session,
    cipher: FieldCipher,
    name: str,
    role: str,
    community: str | None,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
    clinic: str | None = None,
    expires_in_days: int = TOKEN_DAYS,
) -> tuple[UserRow, str]:
    """Add a user; returns the row and its bearer token, which is shown once and never stored.
    The token lets the user in for ``expires_in_days`` days (1 to 3650).

    A community worker is bound to one community (社区 or 村) in Beijing; no
    other role has a community. A clinic user is bound to one vaccination clinic (by its code,
    ``fanjing vaccination clinic add``); no other role has a clinic. The name is stored
    encrypted beside a keyed hash; a citizen is named elsewhere by ``citizen_label`` only.
    """
    name = name.strip()
    if not name:
        raise FanjingError(Code.BAD_VALUE, "用户名不能为空", Where(field="name"))
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise FanjingError(
            Code.BAD_VALUE,
            f"令牌有效天数应在 1 到 {MAX_TOKEN_DAYS} 之间（收到 {expires_in_days}）",
            Where(field="expires_in_days"),
        )
    try:
        chosen = Role(role)
    except ValueError:
        roles = "、".join(r.value for r in Role)
        raise FanjingError(
            Code.UNKNOWN_ROLE, f"未知角色“{role}”（应为 {roles}）", Where(field="role")
        ) from None
    community_name = _community(chosen, community, parse_place)
    clinic_code = _clinic(session, chosen, clinic)
    name_hash = user_name_hash(cipher, name)
    if name_taken(session, name_hash):
        raise FanjingError(Code.USER_EXISTS, f"用户“{mask_name(name)}”已存在", Where(field="name"))
    token = draw_token()
    user = UserRow(
        # a citizen's label needs the row's number: until the flush, the (unique) hash
        name=name_hash if chosen is Role.CITIZEN else name,
        name_encrypted=cipher.encrypt(name),
        name_hash=name_hash,
        role=chosen.value,
        community=community_name,
        clinic=clinic_code,
        token_hash=token_hash(token),
        token_expires_at=now + timedelta(days=expires_in_days),
        created_at=now,
        created_by=actor,
    )
    session.add(user)
    session.flush()
    if chosen is Role.CITIZEN:
        user.name = citizen_label(mask_name(name), user.id)
    record(
        session,
        actor=actor,
        at=now,
        action="user.add",
        entity="user",
        entity_id=user.id,
        after={
            "name": user.name,
            "role": chosen.value,
            "community": community_name,
            "clinic": clinic_code,
            "token_expires_at": user.token_expires_at.isoformat(),
        },
    )
    return user, token


def user_name_hash(cipher: FieldCipher, name: str) -> str:
    return cipher.lookup_hash(f"user name:{name.strip()}")


def _community(
    role: Role, community: str | None, parse_place: Callable[[str], Place]
) -> str | None:
    if role is not Role.COMMUNITY_WORKER:
        if community:
            raise FanjingError(Code.BAD_VALUE, "只有社区工作者绑定社区", Where(field="community"))
        return None
    if not community:
        raise FanjingError(
            Code.MISSING_FIELD, "社区工作者须绑定一个社区（--community）", Where(field="community")
        )
    return beijing_community(parse_place(community)).name


def _clinic(session: Session, role: Role, clinic: str | None) -> str | None:
    if role is not Role.CLINIC:
        if clinic:
            raise FanjingError(Code.BAD_VALUE, "只有接种门诊用户绑定门诊", Where(field="clinic"))
        return None
    if not clinic:
        raise FanjingError(
            Code.MISSING_FIELD,
            "接种门诊用户须绑定一个门诊（--clinic 门诊代码）",
            Where(field="clinic"),
        )
    if not clinic_exists(session, clinic.strip()):
        raise FanjingError(
            Code.UNKNOWN_CLINIC,
            f"没有代码为“{clinic}”的接种门诊（先用 fanjing vaccination clinic add 添加）",
            Where(field="clinic"),
        )
    return clinic.strip()


def user_with_token(session: Session, token: str, *, now: datetime) -> UserRow:
    """The user whose token this is; 401 errors for an unknown, expired or revoked one."""
    user = user_with_token_hash(session, token_hash(token))
    if user is None:
        raise FanjingError(Code.UNAUTHENTICATED, "令牌无效")
    refusal = token_refusal(user.token_expires_at, user.revoked_at, now)
    if refusal is Code.TOKEN_REVOKED:
        raise FanjingError(refusal, "令牌已被吊销，请向管理员重新申请")
    if refusal is Code.TOKEN_EXPIRED:
        raise FanjingError(refusal, "令牌已过期，请向管理员重新申请")
    return user


def revoke_user(
    *, session: Session, cipher: FieldCipher, name: str, actor: str, now: datetime
) -> UserRow:
    """Revoke the user's token: it no longer lets anyone in, and their page sessions end
    (audited)."""
    user = user_with_name_hash(session, user_name_hash(cipher, name))
    if user is None:
        raise FanjingError(Code.NOT_FOUND, f"没有用户“{mask_name(name)}”", Where(field="name"))
    if user.revoked_at is not None:
        raise FanjingError(Code.ALREADY_REVOKED, f"用户“{mask_name(name)}”的令牌已吊销")
    user.revoked_at = now
    end_sessions_of(session, user.id, now)
    record(
        session,
        actor=actor,
        at=now,
        action="user.revoke",
        entity="user",
        entity_id=user.id,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
    )
    return user


@dataclass(frozen=True)
class UserListed:
    masked_name: str
    role: Role
    place: str | None  # the community or clinic
    token_expires_at: datetime
    state: str  # active, token_expired, token_revoked


def users_listed(*, session: Session, cipher: FieldCipher, now: datetime) -> list[UserListed]:
    """Every user with a masked name and whether their token still lets them in."""
    return [
        UserListed(
            mask_name(cipher.decrypt(user.name_encrypted)),
            Role(user.role),
            user.community or user.clinic,
            user.token_expires_at,
            token_refusal(user.token_expires_at, user.revoked_at, now) or "active",
        )
        for user in all_users(session)
    ]
