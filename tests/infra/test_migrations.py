"""Migrations: upgrade from empty, agree with the models, downgrade and upgrade again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from fanjing.infra.db import downgrade, is_up_to_date, upgrade
from fanjing.tables import metadata


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_migrations_create_what_the_models_describe(engine):
    assert is_up_to_date(engine)
    assert _differences(engine) == []
    assert {"designation", "registry_import", "app_user", "audit_entry"} <= set(
        inspect(engine).get_table_names()
    )


def test_downgrade_to_empty_and_upgrade_again(engine):
    downgrade(engine, "base")
    assert not is_up_to_date(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert is_up_to_date(engine) and _differences(engine) == []
