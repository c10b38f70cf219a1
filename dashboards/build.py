"""`conductor dashboards build`: one JSON file per dashboard, named by its uid."""

from pathlib import Path

from dashboards.alignment import ALIGNMENT
from dashboards.board import build, to_json
from dashboards.operations import OPERATIONS
from dashboards.panels import Board
from dashboards.tempo import TEMPO

BOARDS: tuple[Board, ...] = (ALIGNMENT, TEMPO, OPERATIONS)
JSON_DIR = Path(__file__).parent / "json"
"""Where the generated dashboards are committed (and provisioned from)."""


def generate() -> dict[str, str]:
    """Each dashboard's JSON, by uid."""
    return {board.uid: to_json(build(board)) for board in BOARDS}


def write(directory: Path = JSON_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for uid, text in generate().items():
        path = directory / f"{uid}.json"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
