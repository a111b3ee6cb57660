"""The API client of tests/web, for the hotline endpoints."""

from tests.web.conftest import client

__all__ = ["client"]
