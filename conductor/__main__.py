"""`python -m conductor` runs the CLI."""

from conductor.cli import app

app(prog_name="conductor")
