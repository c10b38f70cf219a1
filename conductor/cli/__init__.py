"""The `conductor` command line: one module per command group, each importing the runtime it
drives only when its command runs (so `conductor validate` does not load Kafka, NumPy or
the HTTP server)."""

import typer

from conductor.cli import dashboards, embedded, gateway, imports, kafka, rehearsal, score, sinks

app = typer.Typer(help="Conductor: scores, cues, tempo and alignment from an event log.")
score.register(app)
rehearsal.register(app)
embedded.register(app)
kafka.register(app)
dashboards.register(app)
gateway.register(app)
imports.register(app)
sinks.register(app)
