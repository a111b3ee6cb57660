"""What routes are given: a database session per request, who is asking, and the
application's shared parts (the clock, the cipher, the checker, …) as typed dependencies,
so that no route or page reads ``request.app.state`` itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from fanjing.audit.cache import RevisionCache
from fanjing.errors import Code, FanjingError
from fanjing.healthkit.sender import CodeSender
from fanjing.hotline.search import Searcher
from fanjing.infra.clock import Clock
from fanjing.infra.crypto import FieldCipher
from fanjing.infra.db import session_scope
from fanjing.infra.logs import note_role
from fanjing.infra.rate_limits import LOGIN_FAILURES, RateLimits
from fanjing.places.followers import DesignationFollowers
from fanjing.places.gazetteer import Gazetteer
from fanjing.places.registry import Registry
from fanjing.policy.core.pack import Pack
from fanjing.policy.service import Checker
from fanjing.settings import Settings
from fanjing.users.core import Role
from fanjing.users.service import user_with_token
from fanjing.users.store import UserRow

_bearer = HTTPBearer(auto_error=False, description="fanjing users add 打印的令牌")


def database(request: Request) -> Iterator[Session]:
    """One session per request, committed when the route returns without error."""
    with session_scope(request.app.state.engine) as session:
        yield session


# committed before the answer is sent (scope "function"), not after: a 201 is an answer about
# what is stored, and a page's redirect is followed at once, by a request that must see it
DbSession = Annotated[Session, Depends(database, scope="function")]


def _part(name: str) -> Callable[[Request], Any]:
    """A dependency giving the application's part ``name`` (set up once by create_app); the
    type is the one its ``…Dep`` alias below declares. Async: it only reads an attribute,
    so it need not take a trip through the thread pool."""

    async def part(request: Request) -> Any:
        return getattr(request.app.state, name)

    return part


SettingsDep = Annotated[Settings, Depends(_part("settings"))]
ClockDep = Annotated[Clock, Depends(_part("clock"))]
CipherDep = Annotated[FieldCipher, Depends(_part("cipher"))]
GazetteerDep = Annotated[Gazetteer, Depends(_part("gazetteer"))]
RegistryCacheDep = Annotated[RevisionCache[Registry], Depends(_part("registry"))]
PacksCacheDep = Annotated[RevisionCache[list[Pack]], Depends(_part("packs"))]
EngineDep = Annotated[Engine, Depends(_part("engine"))]
ReadEngineDep = Annotated[Engine, Depends(_part("read_engine"))]
# PostgreSQL's reads on the event loop, while the server runs (None on SQLite, or before)
AwaitedReadEngineDep = Annotated[AsyncEngine | None, Depends(_part("awaited_read_engine"))]
ShardsDep = Annotated[tuple[Engine, ...], Depends(_part("itinerary_shards"))]
SenderDep = Annotated[CodeSender, Depends(_part("sender"))]
RateLimitsDep = Annotated[RateLimits, Depends(_part("rate_limits"))]
FaqSearcherDep = Annotated[Searcher, Depends(_part("faq_searcher"))]
FollowersDep = Annotated[DesignationFollowers, Depends(_part("designation_followers"))]


def app_clock(request: Request) -> Clock:
    """The application's clock, for code handed the request rather than dependencies (the
    pages' sessions and the day every page shows)."""
    clock: Clock = request.app.state.clock
    return clock


def checker_now(
    packs: PacksCacheDep, registry: RegistryCacheDep, gazetteer: GazetteerDep, clock: ClockDep
) -> Checker:
    """The checker as of now: the packs and the registry of the latest revisions, today's day."""
    return Checker(packs.get(), registry.get(), gazetteer.parse, clock.today())


CheckerDep = Annotated[Checker, Depends(checker_now)]


# a row's id in a path: a number the databases' INTEGER holds, so a wild one is a 422, not a crash
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


# the authenticated caller as routes see it (a user's row); routes of capabilities below
# ``users`` in the layering name it by this, not by the store's class
Caller = UserRow

Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
INVALID_TOKEN = FanjingError(Code.UNAUTHENTICATED, "令牌无效")


def bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None:
        raise FanjingError(Code.UNAUTHENTICATED, "需要登录：请在 Authorization 中给出 Bearer 令牌")
    return credentials.credentials


def current_user(request: Request, credentials: Credentials) -> UserRow:
    """The caller, looked up on a connection given back at once (holding it for the request
    while the route takes another would let a busy pool deadlock on itself). An unknown,
    expired or revoked token is a 401 and counts as a failure of the client's address."""
    token = bearer_token(credentials)
    with Session(request.app.state.read_engine) as session:
        user = user_by_token(request, session, token)
    note_role(user.role)
    return user


def user_by_token(request: Request, session: Session, token: str) -> UserRow:
    """Logging in by token (the API's bearer, the login page): at most 10 failures a minute
    from one client address (429 after), then the token's user or its 401 error."""
    limits: RateLimits = request.app.state.rate_limits
    address = client_address(request)
    limits.refuse_if_reached(LOGIN_FAILURES, address)
    try:
        return user_with_token(session, token, now=app_clock(request).now())
    except FanjingError:
        limits.count(LOGIN_FAILURES, address)
        raise


def client_address(request: Request) -> str:
    """The peer's address (behind a reverse proxy on the same machine, uvicorn takes the
    client's from X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def refuse_unless(role: str, allowed: tuple[Role, ...]) -> None:
    """403 for a role not in ``allowed``, naming who may."""
    if role not in {r.value for r in allowed}:
        names = "、".join(r.label_zh for r in allowed)
        raise FanjingError(
            Code.FORBIDDEN, f"只有{names}可以这样做（当前角色：{Role(role).label_zh}）"
        )


def require(*roles: Role) -> Callable[..., UserRow]:
    """A dependency letting only ``roles`` through (403 for every other role)."""

    async def check(user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
        # async: it only compares, so it need not take a trip through the thread pool
        refuse_unless(user.role, roles)
        return user

    return check
