"""The typed dependencies hand routes the application's own parts, and the checker and clock
agree on the day the settings fix."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from fanjing.settings import Settings
from fanjing.web.app import create_app
from fanjing.web.deps import CheckerDep, CipherDep, ClockDep, RateLimitsDep, SettingsDep

DAY = date(2021, 8, 7)


def test_routes_are_given_the_apps_parts_and_one_day(engine, tmp_path) -> None:
    app = create_app(
        Settings(var_dir=tmp_path / "var", database_url=str(engine.url), today=DAY),
        engine=engine,
    )
    seen: dict[str, Any] = {}

    @app.get("/parts")
    def parts(
        clock: ClockDep,
        checker: CheckerDep,
        cipher: CipherDep,
        limits: RateLimitsDep,
        settings: SettingsDep,
    ) -> dict[str, str]:
        seen.update(cipher=cipher, limits=limits, settings=settings)
        return {"clock": clock.today().isoformat(), "checker": checker.today.isoformat()}

    with TestClient(app) as client:
        answer = client.get("/parts")
    assert answer.json() == {"clock": "2021-08-07", "checker": "2021-08-07"}
    assert seen["cipher"] is app.state.cipher
    assert seen["limits"] is app.state.rate_limits
    assert seen["settings"] is app.state.settings
