"""Adding users and recognising them by their token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fanjing.audit.service import record
from fanjing.errors import FanjingError, Where
from fanjing.places.core import Place, beijing_community
from fanjing.users.core import Role, draw_token, token_hash
from fanjing.users.store import UserRow
from fanjing.vaccination.store import ClinicRow


def add_user(
    *,
    session: Session,
    name: str,
    role: str,
    community: str | None,
    parse_place: Callable[[str], Place],
    actor: str,
    now: datetime,
    clinic: str | None = None,
) -> tuple[UserRow, str]:
    """Add a user; returns the row and its bearer token, which is shown once and never stored.

    A community worker is bound to one community (社区 or 村) in Beijing; no
    other role has a community. A clinic user is bound to one vaccination clinic (by its code,
    ``fanjing vaccination clinic add``); no other role has a clinic.
    """
    name = name.strip()
    if not name:
        raise FanjingError("bad_value", "用户名不能为空", Where(field="name"))
    try:
        chosen = Role(role)
    except ValueError:
        roles = "、".join(r.value for r in Role)
        raise FanjingError(
            "unknown_role", f"未知角色“{role}”（应为 {roles}）", Where(field="role")
        ) from None
    community_name = _community(chosen, community, parse_place)
    clinic_code = _clinic(session, chosen, clinic)
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise FanjingError("user_exists", f"用户“{name}”已存在", Where(field="name"))
    token = draw_token()
    user = UserRow(
        name=name,
        role=chosen.value,
        community=community_name,
        clinic=clinic_code,
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        at=now,
        action="user.add",
        entity="user",
        entity_id=user.id,
        after={
            "name": name,
            "role": chosen.value,
            "community": community_name,
            "clinic": clinic_code,
        },
    )
    return user, token


def _community(
    role: Role, community: str | None, parse_place: Callable[[str], Place]
) -> str | None:
    if role is not Role.COMMUNITY_WORKER:
        if community:
            raise FanjingError("bad_value", "只有社区工作者绑定社区", Where(field="community"))
        return None
    if not community:
        raise FanjingError(
            "missing_field", "社区工作者须绑定一个社区（--community）", Where(field="community")
        )
    return beijing_community(parse_place(community)).name


def _clinic(session: Session, role: Role, clinic: str | None) -> str | None:
    if role is not Role.CLINIC:
        if clinic:
            raise FanjingError("bad_value", "只有接种门诊用户绑定门诊", Where(field="clinic"))
        return None
    if not clinic:
        raise FanjingError(
            "missing_field",
            "接种门诊用户须绑定一个门诊（--clinic 门诊代码）",
            Where(field="clinic"),
        )
    if session.get(ClinicRow, clinic.strip()) is None:
        raise FanjingError(
            "unknown_clinic",
            f"没有代码为“{clinic}”的接种门诊（先用 fanjing vaccination clinic add 添加）",
            Where(field="clinic"),
        )
    return clinic.strip()


def user_with_token(session: Session, token: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.token_hash == token_hash(token)))
