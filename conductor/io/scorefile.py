"""Reading a score from a YAML or JSON file, with every problem reported by its path."""

from contextlib import suppress
from pathlib import Path

import yaml
from pydantic import ValidationError

from conductor.errors import InvalidScore, Problem
from conductor.io.scoreproblems import every_problem
from schemas import Score


def load_score(path: Path) -> Score:
    """Parse and validate; raise InvalidScore listing every problem, the cross-references
    among them even where fields are wrong (YAML is a JSON superset)."""
    try:
        data = _parsed(path.read_text(encoding="utf-8"))
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
        raise InvalidScore(str(path), every_problem(data, error)) from None


def _parsed(text: str) -> object:
    """The YAML document: read by libyaml when PyYAML has it (a tenth of the time: 1 ms, not
    10, for the example score), and by PyYAML's own parser if libyaml refuses it, which
    says where and why in its usual words (and reads what it can)."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        with suppress(yaml.YAMLError):
            return yaml.load(text, Loader=fast)
    return yaml.safe_load(text)
