"""``directory import``: load units, counters, staff and services from CSV files."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from feedback.extensions import db
from feedback.services.directory import DirectoryImportError, import_directory, read_files


@click.group("directory", help="Units, counters, staff and services.")
def directory_group() -> None:
    pass


@directory_group.command("import")
@click.option("--units", type=click.Path(dir_okay=False), help="units.csv: code,name_vi,name_en,parent_code,kind")
@click.option("--counters", type=click.Path(dir_okay=False), help="counters.csv: code,unit_code,label_vi,label_en")
@click.option("--staff", type=click.Path(dir_okay=False), help="staff.csv: code,full_name,unit_code,position,email")
@click.option("--services", type=click.Path(dir_okay=False), help="services.csv: code,name_vi,name_en,field")
@with_appcontext
def import_command(units: str | None, counters: str | None, staff: str | None, services: str | None) -> None:
    """Upsert by code from CSV (UTF-8, header row). All or nothing: any bad row and nothing is written."""
    paths = {k: v for k, v in {"units": units, "counters": counters, "staff": staff, "services": services}.items() if v}
    if not paths:
        raise click.UsageError("give at least one of --units, --counters, --staff, --services")
    try:
        summary = import_directory(db.session, read_files(paths))
    except DirectoryImportError as exc:
        for error in exc.errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(f"{len(exc.errors)} problem(s) found; nothing was imported") from None
    click.echo(summary.line())
