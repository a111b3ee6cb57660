"""The sites' pages refuse every role but CDC and site managers, and keep CDC's forms (a new
site, household rooms, early release, transfer) from site managers; a manager sees only
their own site."""

from __future__ import annotations

import re

import pytest

from tests.api_helpers import ROLES


def _log_in(client, token: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login", data={"token": token, "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("cdc", "site_manager")])
def test_other_roles_are_refused(client, tokens, site, role):
    _log_in(client, tokens[role])
    for path in ("/sites", "/sites/queue", f"/sites/{site['id']}"):
        assert client.get(path).status_code == 403, path


def test_a_site_manager_sees_their_site_and_not_cdcs_forms(client, tokens, site):
    _log_in(client, tokens["site_manager"])
    home = client.get("/sites")
    assert home.status_code == 200 and "朝阳一号观察点" in home.text
    assert 'id="site-form"' not in home.text
    csrf = _csrf(client, "/sites")
    refused = client.post(
        "/sites", data={"csrf": csrf, "name": "某点", "district": "朝阳区", "address": "某路"}
    )
    assert refused.status_code == 403
    room = site["rooms"][0]["id"]
    household = client.post(
        f"/sites/{site['id']}/rooms/{room}/household", data={"csrf": csrf, "capacity": "2"}
    )
    assert household.status_code == 403
    assert client.get(f"/sites/{site['id'] + 1}").status_code == 404
