"""`conductor dashboards build|publish`: the Grafana dashboards as JSON, and in a Grafana."""

from pathlib import Path
from typing import Annotated

import typer

dashboards_app = typer.Typer(help="Grafana dashboards: alignment, tempo, operations.")


@dashboards_app.command("build")
def build(
    out: Annotated[Path, typer.Option(help="where to write one JSON file per dashboard")] = Path(
        "dashboards/json"
    ),
) -> None:
    """Write the alignment, tempo and operations dashboards as JSON (named by uid)."""
    from dashboards.build import write

    for path in write(out):
        typer.echo(f"wrote {path}")


@dashboards_app.command("publish")
def publish(
    grafana_url: Annotated[str, typer.Option(help="e.g. http://grafana:3000")],
    token: Annotated[str | None, typer.Option(help="a service account token")] = None,
    user: Annotated[str | None, typer.Option(help="basic auth user (with --password)")] = None,
    password: Annotated[str | None, typer.Option(help="basic auth password")] = None,
    folder: Annotated[str, typer.Option(help="the Grafana folder")] = "Conductor",
    prometheus_url: Annotated[
        str | None, typer.Option(help="also upsert a Prometheus datasource with this URL")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="replace dashboards changed by hand in Grafana")
    ] = False,
) -> None:
    """Upsert the datasource, the folder and the dashboards; a second run changes nothing."""
    from dashboards.build import generate
    from dashboards.publish import PublishError, connect
    from dashboards.publish import publish as upsert

    try:
        api = connect(grafana_url, token, user, password)
        report = upsert(api, generate(), folder, prometheus_url, overwrite)
    except PublishError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    for line in report.lines():
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.add_typer(dashboards_app, name="dashboards")
