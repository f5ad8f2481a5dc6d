"""``db upgrade``: apply migrations, then make the built-in survey templates present."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def alembic_config(connection=None):  # noqa: ANN001, ANN201
    from alembic.config import Config as AlembicConfig  # only the db commands need Alembic

    config = AlembicConfig(os.path.join(ROOT, "alembic.ini"))
    config.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    else:
        config.attributes["url"] = current_app.config["DATABASE_URL"]
    return config


def upgrade_database(revision: str = "head") -> None:
    """Migrate the app's database to ``revision`` and sync the built-in templates."""
    from feedback.services.kpi_rules import ensure_default_rules
    from feedback.services.templates import ensure_builtin_templates

    with db.engine.begin() as connection:
        from alembic import command

        command.upgrade(alembic_config(connection), revision)
    ensure_builtin_templates(db.session)
    ensure_default_rules(db.session)
    _rebuild_summaries_if_missing()


def _rebuild_summaries_if_missing() -> None:
    """A migration that recreates the (derived) summary tables leaves them empty: refill them here."""
    from sqlalchemy import func, select

    from feedback.db import write_transaction
    from feedback.models import Response as ResponseRow
    from feedback.models import ResponseFact
    from feedback.services import summaries

    session = db.session
    if session.scalar(select(func.count()).select_from(ResponseFact)) == 0 and session.scalar(
        select(func.count()).select_from(ResponseRow)
    ):
        with write_transaction(session):
            read, _rows = summaries.rebuild(session, tz=current_app.config["FEEDBACK_TIMEZONE"])
        click.echo(f"rebuilt the daily summaries from {read} responses")
    session.rollback()


@click.group("db", help="Database schema.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply all migrations and install the built-in survey templates.")
@with_appcontext
def upgrade_command() -> None:
    upgrade_database()
    click.echo(f"database is up to date ({_safe_url()})")


@db_group.command("current", help="Show the applied migration.")
@with_appcontext
def current_command() -> None:
    with db.engine.connect() as connection:
        from alembic import command

        command.current(alembic_config(connection))


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)
