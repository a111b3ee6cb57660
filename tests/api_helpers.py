"""Shared by the API tests: a community, a clinic, the roles, and the bearer header."""

from __future__ import annotations

COMMUNITY = "北京市朝阳区潘家园街道松榆里社区"
CLINIC = "cy-pjy"  # a vaccination clinic in the same street (潘家园街道)
CLINIC_STREET = "北京市朝阳区潘家园街道"
ROLES = (
    "citizen",
    "community_worker",
    "cdc",
    "clinic",
    "hotline",
    "employer",
    "admin",
    "checkpoint",
    "site_manager",
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
