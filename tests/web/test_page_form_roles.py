"""A page form's dependency serves routes of several roles, each naming its own as security
scopes (``for_roles``): every route that reaches the page's user through it must name roles,
or any signed-in user would pass."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from fanjing.users.core import Role
from fanjing.web.pages import ROUTERS
from fanjing.web.pages.session import _user_of_scopes

ROUTES = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def _scopes_reaching_the_user(dependant: Dependant) -> Iterator[tuple[str, ...]]:
    for dependency in dependant.dependencies:
        if dependency.call is _user_of_scopes:
            yield (*dependency.parent_oauth_scopes, *dependency.own_oauth_scopes)
        yield from _scopes_reaching_the_user(dependency)


def _label(route: APIRoute) -> str:
    return f"{sorted(route.methods)[0]} {route.path}"


def test_some_routes_reach_the_user_through_a_form() -> None:
    assert sum(1 for route in ROUTES for _ in _scopes_reaching_the_user(route.dependant)) > 20


@pytest.mark.parametrize("route", ROUTES, ids=_label)
def test_every_route_through_a_form_names_its_roles(route: APIRoute) -> None:
    for scopes in _scopes_reaching_the_user(route.dependant):
        assert scopes, f"{_label(route)} reaches the page's user without naming roles"
        assert {Role(scope) for scope in scopes}
