"""Migrations: one head, the models and the migrated schema agree, and they run down and up again."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import feedback.models  # noqa: F401
from feedback.cli.db import alembic_config
from feedback.db import Base, make_engine
from feedback.extensions import db


def test_one_head_and_numbered_files():
    script = ScriptDirectory.from_config(alembic_config(connection=object()))
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        assert revision.revision.isdigit() and len(revision.revision) == 4


def test_models_match_the_migrated_schema(app):
    """The same as `alembic check`: autogenerate finds nothing to do."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


@pytest.fixture()
def scratch_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    parsed = make_url(url)
    name = f"{parsed.database}_mig"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield parsed.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_downgrade_to_base_and_upgrade_again(scratch_url):
    engine = make_engine(scratch_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    assert "response" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    assert "response" in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(app, tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    engine.dispose()
