"""``qr``: counter QR codes as files."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import Counter
from feedback.services import qr


@click.group("qr", help="QR codes for counters.")
def qr_group() -> None:
    pass


@qr_group.command("counter")
@click.argument("code")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="FILE.svg or FILE.png"
)
@with_appcontext
def counter_command(code: str, output: str) -> None:
    """Write the QR code of counter CODE (its permanent /q/CODE address) to an SVG or PNG file."""
    if db.session.scalar(select(Counter.id).where(Counter.code == code)) is None:
        raise click.ClickException(f"no counter with code {code!r}")
    url = f"{current_app.config['FEEDBACK_PUBLIC_URL']}/q/{code}"
    if output.lower().endswith(".svg"):
        body = qr.svg(url)
    elif output.lower().endswith(".png"):
        body = qr.png(url)
    else:
        raise click.ClickException("the output file must end in .svg or .png")
    with open(output, "wb") as handle:
        handle.write(body)
    click.echo(f"{output}: {url}")


@qr_group.command("posters")
@click.option("--unit", "unit_code", required=True, help="the unit whose counters (and those below it) get posters")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="FILE.pdf")
@click.option("--size", type=click.Choice(["a4", "a5"]), default="a4", show_default=True, help="paper size")
@with_appcontext
def posters_command(unit_code: str, output: str, size: str) -> None:
    """Write one poster per active counter of --unit's subtree into one PDF."""
    from feedback.services.errors import NotFound
    from feedback.services.posters import poster_counters, render_pdf

    if not output.lower().endswith(".pdf"):
        raise click.ClickException("the output file must end in .pdf")
    try:
        counters = poster_counters(db.session, unit_code, current_app.config["FEEDBACK_PUBLIC_URL"])
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    if not counters:
        raise click.ClickException(f"unit {unit_code} has no active counter")
    with open(output, "wb") as handle:
        handle.write(render_pdf(counters, size))
    click.echo(f"{output}: {len(counters)} poster(s), {size.upper()}")
