"""What routes are given: a database session per request, and who is asking."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from fanjing.errors import FanjingError
from fanjing.infra.db import session_scope
from fanjing.users.core import Role
from fanjing.users.service import user_with_token
from fanjing.users.store import UserRow

_bearer = HTTPBearer(auto_error=False, description="fanjing users add 打印的令牌")


def database(request: Request) -> Iterator[Session]:
    """One session per request, committed when the route returns without error."""
    with session_scope(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(database)]
# a row's id in a path: a number the databases' INTEGER holds, so a wild one is a 422, not a crash
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def current_user(
    session: DbSession,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> UserRow:
    if credentials is None:
        raise FanjingError("unauthenticated", "需要登录：请在 Authorization 中给出 Bearer 令牌")
    user = user_with_token(session, credentials.credentials)
    if user is None:
        raise FanjingError("unauthenticated", "令牌无效")
    return user


def require(*roles: Role) -> Callable[..., UserRow]:
    """A dependency letting only ``roles`` through (403 for every other role)."""
    allowed = {role.value for role in roles}

    def check(user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
        if user.role not in allowed:
            names = "、".join(role.label_zh for role in roles)
            raise FanjingError(
                "forbidden", f"只有{names}可以这样做（当前角色：{Role(user.role).label_zh}）"
            )
        return user

    return check
