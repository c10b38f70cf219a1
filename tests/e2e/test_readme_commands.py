"""The README's "Using it" commands work as written, from the repository's root, with the
`conductor` that `make` installs into `.venv` (each file they read exists)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CONDUCTOR = Path(sys.executable).parent / "conductor"


def using_it() -> list[list[str]]:
    """The commands of the README's first code block under "## Using it"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using it\n", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert block is not None
    lines = block.group(1).replace("\\\n", " ").splitlines()
    return [shlex.split(line, comments=True) for line in lines if line.strip()]


COMMANDS = using_it()


@pytest.mark.parametrize("command", COMMANDS, ids=[f"{n}-{c[1]}" for n, c in enumerate(COMMANDS)])
def test_each_command_runs_as_written(command: list[str], tmp_path: Path) -> None:
    assert command[0] == "conductor"
    if ">" in command:  # what it writes goes to a file of the test's, not into the checkout
        command = command[: command.index(">")]
    if command[1:3] == ["schemas", "export"]:
        command[3] = str(tmp_path)
    done = subprocess.run(
        [str(CONDUCTOR), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
