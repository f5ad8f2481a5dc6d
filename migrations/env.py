"""Alembic environment: runs against a connection handed in by the app, or the configured URL."""

from alembic import context

import feedback.models  # noqa: F401  (registers every table)
from feedback.db import Base, make_engine
from feedback.models._types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(type_, obj, autogen_context):  # noqa: ANN001, ANN202
    # Migrations must not import app code that may change later: write plain SQLAlchemy types.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        import os

        from feedback.config import load_config

        url = load_config(os.path.join(os.getcwd(), "instance"))["DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run them against a database")
run_migrations_online()
