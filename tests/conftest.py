"""Test foundations: one database per run, one rolled-back transaction per test.

``TEST_DATABASE_URL`` is the one switch: unset, the suite runs on a fresh SQLite file; set to
a PostgreSQL URL, the same suite runs there (the schema is dropped and migrated afresh).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from feedback import create_app
from feedback.extensions import db as database
from tests.factories import Factories

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "directory"


def _fresh_postgres(url: str) -> None:
    """Drop and recreate the test database so every run starts from the migrations."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql"):
            _fresh_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        }
    )
    from feedback.cli.db import upgrade_database

    with app.app_context():
        upgrade_database()
    yield app
    database.engine.dispose()


@pytest.fixture()
def connection(app):
    """A connection in a transaction that is rolled back after the test; sessions use savepoints."""
    database.session.remove()
    conn = database.engine.connect()
    outer = conn.begin()
    database.session_factory.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield conn
    finally:
        database.session.remove()
        database.session_factory.configure(bind=database.engine, join_transaction_mode="conservative_savepoint")
        if outer.is_active:
            outer.rollback()
        conn.close()


@pytest.fixture()
def session(app, connection):
    # No app context is pushed here: a test client request must get its own, as in production.
    return database.session


@pytest.fixture()
def factories(session) -> Factories:
    return Factories(session)


@pytest.fixture()
def client(app, connection):
    return app.test_client()


@pytest.fixture()
def cli(app, connection):
    """Run a CLI command in-process inside the test's transaction."""
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None):  # noqa: A002
        return runner.invoke(args=list(args), input=input, catch_exceptions=False)

    return invoke
