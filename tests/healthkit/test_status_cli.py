"""``fanjing healthkit verify-status`` and ``refresh-status`` as an operator runs them."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from fanjing.infra.db import create_db_engine
from tests.cli_helpers import run_fanjing
from tests.healthkit.test_status_row import World


def test_verify_status_lists_each_row_that_differs_and_refresh_fills_in_old_rows(
    tmp_path, gazetteer
):
    assert run_fanjing(tmp_path, "db", "upgrade").returncode == 0
    engine = create_db_engine(f"sqlite:///{tmp_path / 'var' / 'fanjing.db'}")
    with Session(engine) as session:
        world = World(session, gazetteer)
        world.account(0)
        world.mark(0)
        session.commit()
    consistent = run_fanjing(tmp_path, "healthkit", "verify-status", today="2021-08-07")
    assert consistent.returncode == 0, consistent.stderr
    assert "核对 1 个账户，0 个不一致" in consistent.stdout

    with engine.begin() as connection:  # a row gone wrong behind the services' back
        connection.execute(text("UPDATE healthkit_status SET colour = 'green'"))
    differing = run_fanjing(tmp_path, "healthkit", "verify-status", today="2021-08-07")
    assert differing.returncode == 3
    assert '账户 #1：colour 保存为 "green"，应为 "red"' in differing.stdout
    assert "1 个不一致" in differing.stdout

    # as migration 0019 leaves existing accounts: a row that holds for no day
    with engine.begin() as connection:
        connection.execute(text("UPDATE healthkit_status SET valid_until = '1900-01-01'"))
    refreshed = run_fanjing(tmp_path, "healthkit", "refresh-status", today="2021-08-07")
    assert refreshed.returncode == 0 and "重算了 1 个账户的状态" in refreshed.stdout
    again = run_fanjing(tmp_path, "healthkit", "verify-status", today="2021-08-07")
    assert again.returncode == 0, again.stdout
    engine.dispose()

    bad = run_fanjing(tmp_path, "healthkit", "verify-status", "--today", "8月7日")
    assert bad.returncode == 2 and bad.stderr.startswith("错误：")
