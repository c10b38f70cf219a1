"""PromQL written from the metric catalogue: every metric and label name comes from a `Spec`
or a catalogue constant, never a string typed here."""

from conductor.metrics.catalogue import (
    ENSEMBLE_LABEL,
    PILOT_LABEL,
    SECTION_LABEL,
    TARGET_LABELS,
    UP,
    WHOLE,
    Spec,
    Type,
)

ENSEMBLE_VAR = "ensemble"
SECTION_VAR = "section"
JOB_VAR = "job"
DATASOURCE_VAR = "datasource"
WHOLE_ENSEMBLE = "whole ensemble"
"""How a series with `section=""` (the ensemble as a whole) is named in a legend."""

RATE = "$__rate_interval"
RANGE = "$__range"
JOB_LABEL, INSTANCE_LABEL = TARGET_LABELS


def name(spec: Spec, part: str = "") -> str:
    """A spec's exposed name, or one of a histogram's series (`bucket`, `sum`, `count`)."""
    if part:
        assert spec.type is Type.HISTOGRAM, spec.name
        return f"{spec.name}_{part}"
    return spec.name


def matchers(*pairs: tuple[str, str], op: str = "=~") -> str:
    return ", ".join(f'{label}{op}"{value}"' for label, value in pairs)


def team(spec: Spec | str, part: str = "", section: bool = False, extra: str = "") -> str:
    """A spec's (or a recorded rule's) series for the dashboard's ensemble (and section);
    never a pilot score's shadow cues (`conductor run --pilot`), which no one received."""
    pairs = [(ENSEMBLE_LABEL, f"${ENSEMBLE_VAR}")]
    if section:
        pairs.append((SECTION_LABEL, f"${SECTION_VAR}"))
    inside = matchers(*pairs) + (f", {extra}" if extra else "")
    if isinstance(spec, Spec) and PILOT_LABEL in spec.labels:
        inside += f', {PILOT_LABEL}!="true"'

    metric = spec if isinstance(spec, str) else name(spec, part)
    return f"{metric}{{{inside}}}"


def targets(metric: Spec | str, part: str = "", extra: str = "") -> str:
    """A metric of the dashboard's scrape jobs (the operations dashboard)."""
    inside = f'{JOB_LABEL}=~"${JOB_VAR}"' + (f", {extra}" if extra else "")
    found = metric if isinstance(metric, str) else name(metric, part)
    return f"{found}{{{inside}}}"


def up() -> str:
    return targets(UP)


def whole_named(expr: str, label: str = SECTION_LABEL, shown: str = WHOLE_ENSEMBLE) -> str:
    """`expr` with its empty `label` (the ensemble as a whole) named for a legend."""
    return f'label_replace({expr}, "{label}", "{shown}", "{label}", "{WHOLE}")'


def by(*labels: str) -> str:
    return f"by ({', '.join(labels)})"


def expand(expr: str, variables: dict[str, str], range_seconds: int, rate_seconds: int) -> str:
    """`expr` as Grafana sends it: the dashboard's variables and its range and rate windows
    replaced (for the tests and the previews, which query Prometheus without a Grafana)."""
    expr = expr.replace(RATE, f"{rate_seconds}s").replace(RANGE, f"{range_seconds}s")
    for variable, value in sorted(variables.items(), key=lambda item: -len(item[0])):
        expr = expr.replace(f"${variable}", value)
    return expr
