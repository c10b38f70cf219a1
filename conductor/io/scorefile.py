"""Reading a score from a YAML or JSON file, with every problem reported by its path."""

from pathlib import Path

import yaml
from pydantic import ValidationError

from conductor.errors import InvalidScore, Problem
from schemas import Score, format_location


def problems_of(error: ValidationError) -> list[Problem]:
    return [
        Problem(format_location(tuple(detail["loc"])), detail["msg"]) for detail in error.errors()
    ]


def load_score(path: Path) -> Score:
    """Parse and validate; raise InvalidScore listing every problem (YAML is a JSON superset)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise InvalidScore(str(path), [Problem(where, f"not valid YAML/JSON: {error}")]) from None
    except OSError as error:
        raise InvalidScore(str(path), [Problem("(file)", error.strerror or str(error))]) from None
    if not isinstance(data, dict):
        raise InvalidScore(str(path), [Problem("(root)", "a score must be a mapping")])
    try:
        return Score.model_validate(data)
    except ValidationError as error:
        raise InvalidScore(str(path), problems_of(error)) from None
