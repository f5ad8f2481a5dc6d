"""Command-line interface: ``flask --app wsgi <group> <command>``. One click group per resource."""

from __future__ import annotations

import functools

import click
from flask import Flask
from sqlalchemy.exc import OperationalError, ProgrammingError


def register(app: Flask) -> None:
    from feedback.cli.apikeys import apikeys_group
    from feedback.cli.cases import cases_group
    from feedback.cli.db import db_group
    from feedback.cli.demo import demo_command
    from feedback.cli.directory import directory_group
    from feedback.cli.kiosk import kiosk_group, staff_group
    from feedback.cli.kpi import kpi_group, responses_group
    from feedback.cli.qr import qr_group
    from feedback.cli.surveys import surveys_group
    from feedback.cli.users import users_group

    groups = (
        db_group,
        directory_group,
        surveys_group,
        qr_group,
        apikeys_group,
        kiosk_group,
        staff_group,
        kpi_group,
        responses_group,
        users_group,
        cases_group,
    )
    for command in (*groups, demo_command):
        _explain_database_errors(command)
        app.cli.add_command(command)


def _explain_database_errors(command: click.Command) -> None:
    """A missing table or an unreachable database is the operator's to fix: say so, without a traceback."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _explain_database_errors(sub)
        return
    callback = command.callback
    if callback is None or getattr(callback, "_explains_db_errors", False):
        return

    @functools.wraps(callback)
    def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            return callback(*args, **kwargs)
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(
                f"database error: {reason}. Check DATABASE_URL, and run `flask --app wsgi db upgrade` first."
            ) from None

    wrapped._explains_db_errors = True  # type: ignore[attr-defined]
    command.callback = wrapped
