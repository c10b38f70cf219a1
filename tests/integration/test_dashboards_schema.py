"""The generated dashboards satisfy Grafana's own dashboard schema: `@grafana/schema` (the
TypeScript types Grafana generates from its CUE kinds), checked by `tsc` with excess fields
refused (`dashboards/schema/grafana.ts` says which fields of the SDK it tolerates, and why).

`make test` installs both, pinned by `dashboards/schema/package-lock.json`."""

import json
import subprocess
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parents[2] / "dashboards" / "schema"
BOARDS = Path(__file__).resolve().parents[2] / "dashboards" / "json"
TSC = SCHEMA / "node_modules" / ".bin" / "tsc"


def typecheck(
    tmp_path: Path, boards: dict[str, dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "grafana.ts").write_text((SCHEMA / "grafana.ts").read_text())
    (tmp_path / "node_modules").symlink_to(SCHEMA / "node_modules")
    for name, board in boards.items():
        source = (
            'import type { Board } from "./grafana.js";\n'
            f"export const {name.replace('-', '_')}: Board = {json.dumps(board, indent=2)};\n"
        )
        (tmp_path / f"{name}.ts").write_text(source)
    options = {
        "strict": True,
        "noEmit": True,
        "module": "nodenext",
        "moduleResolution": "nodenext",
        "target": "es2022",
        "skipLibCheck": True,
    }
    config = {"compilerOptions": options, "include": ["*.ts"]}
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    return subprocess.run(
        [str(TSC), "-p", str(tmp_path / "tsconfig.json"), "--pretty", "false"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def committed() -> dict[str, dict[str, Any]]:
    return {path.stem: json.loads(path.read_text()) for path in sorted(BOARDS.glob("*.json"))}


def test_every_generated_dashboard_satisfies_grafanas_schema(tmp_path: Path) -> None:
    boards = committed()
    assert len(boards) == 3
    checked = typecheck(tmp_path, boards)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def broken(change: Any) -> dict[str, Any]:
    board = committed()["conductor-tempo"]
    change(board)
    return board


def test_the_check_refuses_an_unknown_field_a_wrong_type_and_an_unknown_enum_value(
    tmp_path: Path,
) -> None:
    """One defect a dashboard (tsc reports an object's excess fields only once its types
    are right)."""
    boards = {
        "unknown-field": broken(lambda board: board.update(owner="someone")),
        "wrong-type": broken(lambda board: board["panels"][1]["gridPos"].update(h="tall")),
        "unknown-value": broken(
            lambda board: board["panels"][1]["fieldConfig"]["defaults"]["thresholds"].update(
                mode="relative-ish"
            )
        ),
    }
    checked = typecheck(tmp_path, boards)
    assert checked.returncode != 0
    errors = {
        line.split(".ts(")[0].rsplit("/", 1)[-1]: line
        for line in checked.stdout.splitlines()
        if ": error TS" in line
    }
    assert errors.keys() == boards.keys(), checked.stdout
    assert "'\"owner\"' does not exist" in errors["unknown-field"]
    assert "Type 'string' is not assignable to type 'number'" in errors["wrong-type"]
    assert (
        '\'"relative-ish"\' is not assignable to type \'"absolute" | "percentage"\''
        in (errors["unknown-value"])
    )
