"""Shared by the API tests: a community, the roles, and the bearer header."""

from __future__ import annotations

COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
ROLES = ("citizen", "community_worker", "cdc", "clinic", "hotline", "admin")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
