"""The rules package: a module per cue kind, each declaring one rule, found without a list."""

from pathlib import Path

from conductor.core.engine import deadlines
from conductor.core.rules import registry, rule_modules
from schemas import CueKind

RULES = Path(__file__).parents[2] / "conductor" / "core" / "rules"


def test_every_module_in_the_rules_folder_is_a_rule_and_is_found() -> None:
    modules = sorted(path.stem for path in RULES.glob("*.py") if path.stem != "__init__")
    assert "tempo" in modules
    assert rule_modules() == modules
    assert len(registry().rules) == len(modules)


def test_every_cue_kind_has_exactly_one_rule() -> None:
    kinds = [kind for rule in registry().rules for kind in rule.kinds]
    assert sorted(kinds) == sorted(CueKind)


def test_rules_have_distinct_names_and_a_distinct_order() -> None:
    rules = registry().rules
    assert len({rule.name for rule in rules}) == len(rules)
    orders = [rule.order for rule in rules]
    assert orders == sorted(set(orders)), "the order decides which cue comes first at an instant"


def test_every_kind_of_timer_has_one_handler() -> None:
    assert set(deadlines()) == {
        "start", "cycle", "remind", "missed", "hold-task", "hold-decision", "hold-snoozed",
        "digest",
    }  # fmt: skip
    from_score = {kind for kind, deadline in deadlines().items() if deadline.from_score}
    assert from_score == {"start", "cycle", "remind", "missed"}, "a revision replaces these"
