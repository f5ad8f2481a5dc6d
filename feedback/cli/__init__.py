"""Command-line interface: ``flask --app wsgi <group> <command>``. One click group per resource."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from feedback.cli.db import db_group
    from feedback.cli.demo import demo_command
    from feedback.cli.directory import directory_group
    from feedback.cli.qr import qr_group
    from feedback.cli.surveys import surveys_group

    for command in (db_group, directory_group, surveys_group, qr_group, demo_command):
        app.cli.add_command(command)
