"""`conductor COMMAND` imports only the module adding COMMAND (`conductor.cli.MODULES`): each
command listed is added by the module listed for it, and every command is listed."""

import pytest

from conductor.cli import MODULES, parser


@pytest.mark.parametrize(("command", "module"), MODULES.items())
def test_the_listed_module_adds_the_command(
    command: str, module: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        parser([module]).parse_args([command, "--help"])
    assert exit.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: conductor {command} ")


def test_every_command_is_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parser(MODULES.values()).parse_args(["no-such-command"])
    choices = capsys.readouterr().err.split("(choose from ", 1)[1]
    assert sorted(choices.strip(")\n").replace("'", "").split(", ")) == sorted(MODULES)
