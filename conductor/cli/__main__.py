"""`python -m conductor.cli` runs the CLI (what the `conductor` command runs)."""

from conductor.cli import app

app(prog_name="conductor")
