"""`conductor dashboards build|publish`: the Grafana dashboards as JSON, and in a Grafana."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from conductor.cli.common import command, exit_with, group, subcommands

if TYPE_CHECKING:
    from conductor.cli.common import Commands


def build(arguments: argparse.Namespace) -> None:
    """Write the alignment, tempo and operations dashboards as JSON (named by uid)."""
    from dashboards.build import write

    for path in write(arguments.out):
        print(f"wrote {path}")


def publish(arguments: argparse.Namespace) -> None:
    """Upsert the datasource, the folder and the dashboards; a second run changes nothing."""
    from dashboards.build import generate
    from dashboards.publish import PublishError, connect
    from dashboards.publish import publish as upsert

    try:
        api = connect(arguments.grafana_url, arguments.token, arguments.user, arguments.password)
        report = upsert(
            api, generate(), arguments.folder, arguments.prometheus_url, arguments.overwrite
        )
    except PublishError as error:
        exit_with(f"error: {error}", 1)
    for line in report.lines():
        print(line)


def register(commands: "Commands") -> None:
    boards = subcommands(
        group(commands, "dashboards", "Grafana dashboards: alignment, tempo, operations.")
    )
    building = command(boards, "build", build)
    building.add_argument(
        "--out",
        type=Path,
        default=Path("dashboards/json"),
        help="where to write one JSON file per dashboard",
    )
    publishing = command(boards, "publish", publish)
    publishing.add_argument("--grafana-url", required=True, help="e.g. http://grafana:3000")
    publishing.add_argument("--token", help="a service account token")
    publishing.add_argument("--user", help="basic auth user (with --password)")
    publishing.add_argument("--password", help="basic auth password")
    publishing.add_argument("--folder", default="Conductor", help="the Grafana folder")
    publishing.add_argument(
        "--prometheus-url", help="also upsert a Prometheus datasource with this URL"
    )
    publishing.add_argument(
        "--overwrite",
        action="store_true",
        help="replace dashboards changed by hand in Grafana",
    )
