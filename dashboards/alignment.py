"""The alignment dashboard, for the team: milestones against plan, the critical path,
forecasts against commitments, and the cues that let work in or shifted focus."""

import conductor.metrics.catalogue as c
from conductor.metrics.catalogue import ENSEMBLE_LABEL, KIND_LABEL, MILESTONE_LABEL, SECTION_LABEL
from dashboards.board import ensemble_variable, section_variable
from dashboards.panels import Board, Figure, Kind, Mapping, Query, Row
from dashboards.promql import RANGE, RATE, by, team, whole_named
from schemas import CueKind

UID = "conductor-alignment"
DATE = "time:YYYY-MM-DD"
"""Grafana's custom date unit (the value is in milliseconds)."""
MOVED_WORK = f'{KIND_LABEL}=~"{CueKind.ENTRY.value}|{CueKind.FOCUS_SHIFT.value}"'
CONFIDENCE_STEPS = ((None, "red"), (0.5, "orange"), (0.7, "green"))


NOT_FORECAST = "beyond the forecast"
"""How a date the forecast's trials do not reach shows: 0, mapped to these words."""


def _ms(expr: str, otherwise: str) -> str:
    """A day (Unix seconds) in milliseconds, or 0 where the forecast has none."""
    return f"({expr} * 1000) or ({otherwise} * 0)"


def _open(expr: str) -> str:
    """`expr` for the milestones not reached yet (a reached one needs no forecast)."""
    reached = f"{team(c.MILESTONE_REACHED)} == 1"
    return f"({expr}) unless on ({ENSEMBLE_LABEL}, {MILESTONE_LABEL}) {reached}"


ALL_REACHED = "every milestone is reached"


MILESTONES = Row(
    "Milestones against plan",
    (
        Figure(
            "Milestone status",
            "Where each milestone stands: waiting for its dependencies, entered (its "
            "dependencies are reached, its section may start) or reached. A milestone that "
            "stays 'waiting' long after its planned start points at a dependency to unblock.",
            (Query(team(c.MILESTONE_STATUS), "{{milestone}}"),),
            kind=Kind.STAT,
            width=24,
            height=5,
            high=2,
            mappings=(
                Mapping(0, "waiting", "blue"),
                Mapping(1, "entered", "yellow"),
                Mapping(2, "reached", "green"),
            ),
        ),
        Figure(
            "Progress against planned progress",
            "Solid: the share of each milestone's estimated work items done. Dashed: the share "
            "the plan expects done by now (linear from its planned start to its due date). A "
            "solid line well below its dashed one is a milestone falling behind: talk about "
            "scope or focus at the next review rather than pushing harder.",
            (
                Query(team(c.MILESTONE_PROGRESS), "{{milestone}}"),
                Query(team(c.MILESTONE_PLANNED), "{{milestone}} (plan)"),
            ),
            unit="percentunit",
            width=16,
            height=9,
            high=1,
            dashed=".*\\(plan\\)",
        ),
        Figure(
            "Behind plan now",
            "Planned share minus done share, per milestone: above 25 points Conductor sends a "
            "focus-shift cue. Negative is ahead of plan. Pick the one or two furthest behind "
            "and ask what is in their way; do not spread effort over all of them.",
            (
                Query(
                    f"{team(c.MILESTONE_PLANNED)} - {team(c.MILESTONE_PROGRESS)}", "{{milestone}}"
                ),
            ),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=8,
            height=9,
            low=-1,
            high=1,
            steps=((None, "green"), (0.1, "orange"), (0.25, "red")),
        ),
    ),
)

FORECASTS = Row(
    "Critical path and forecasts",
    (
        Figure(
            "Critical path over time",
            "The milestones on the critical path (the chain with the most remaining work), "
            "over the time range. When the path moves, Conductor cues the section that should "
            "shift focus; work off the path can wait for it.",
            (Query(team(c.MILESTONE_CRITICAL), "{{milestone}}"),),
            kind=Kind.TIMELINE,
            high=1,
            mappings=(Mapping(0, "off the path", "transparent"), Mapping(1, "critical", "purple")),
        ),
        Figure(
            "Commitment forecast against committed confidence",
            "Solid: the Monte Carlo probability (seeded from the log) of meeting each "
            "commitment by its date. Dashed: the confidence the team committed to. Solid below "
            "dashed is a breakdown: re-plan scope, date or focus together, early.",
            (
                Query(team(c.COMMITMENT_FORECAST), "{{commitment}} forecast"),
                Query(team(c.COMMITMENT_CONFIDENCE), "{{commitment}} committed confidence"),
            ),
            unit="percentunit",
            high=1,
            dashed=".*committed confidence",
        ),
        Figure(
            "Commitments",
            "Each commitment's breakdown state: in breakdown while its forecast is below the "
            "committed confidence. A breakdown is the moment to renegotiate, not to work "
            "overtime.",
            (Query(team(c.COMMITMENT_BREAKDOWN), "{{commitment}}"),),
            kind=Kind.STAT,
            width=6,
            height=7,
            high=1,
            mappings=(Mapping(0, "on track", "green"), Mapping(1, "in breakdown", "red")),
        ),
        Figure(
            "Commitment dates: P50, P85 and due",
            "The day by which half (P50) and 85% (P85) of the forecast's trials meet each "
            "commitment, beside the day it is due; 'beyond the forecast' when the trials do "
            "not get there. A P85 after the due day means the date is at risk even if the "
            "P50 looks fine.",
            (
                Query(_ms(team(c.COMMITMENT_P50), team(c.COMMITMENT_DUE)), "{{commitment}} P50"),
                Query(_ms(team(c.COMMITMENT_P85), team(c.COMMITMENT_DUE)), "{{commitment}} P85"),
                Query(f"{team(c.COMMITMENT_DUE)} * 1000", "{{commitment}} due"),
            ),
            kind=Kind.STAT,
            unit=DATE,
            width=9,
            height=7,
            steps=((None, "text"),),
            mappings=(Mapping(0, NOT_FORECAST, "orange"),),
        ),
        Figure(
            "Milestone forecast: probability of reaching it by its due date",
            "Per milestone not reached yet, the share of forecast trials that reach it by its "
            "due date. Red below one in two: move its due date, cut its scope or give it focus.",
            (Query(_open(team(c.MILESTONE_FORECAST)), "{{milestone}}"),),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=9,
            height=7,
            high=1,
            steps=CONFIDENCE_STEPS,
            no_value=ALL_REACHED,
        ),
        Figure(
            "Milestone dates: P50 and P85",
            "The day by which half and 85% of the forecast's trials reach each milestone not "
            "reached yet ('beyond the forecast' when the trials do not get there). Compare "
            "with the due dates in the score; a P85 far past its due date is the one to "
            "discuss.",
            (
                Query(
                    _open(_ms(team(c.MILESTONE_P50), team(c.MILESTONE_FORECAST))),
                    "{{milestone}} P50",
                ),
                Query(
                    _open(_ms(team(c.MILESTONE_P85), team(c.MILESTONE_FORECAST))),
                    "{{milestone}} P85",
                ),
            ),
            kind=Kind.STAT,
            unit=DATE,
            width=24,
            height=6,
            steps=((None, "text"),),
            mappings=(Mapping(0, NOT_FORECAST, "orange"),),
            no_value=ALL_REACHED,
        ),
    ),
)

_CUES_MOVED = team(c.CUES, section=True, extra=MOVED_WORK)

CUES = Row(
    "Cues that let work in or shifted focus",
    (
        Figure(
            "Entry cues and focus shifts given",
            "Entry cues (a milestone's dependencies are met: its section may come in) and "
            "focus-shift cues (the critical path moved or a milestone fell behind), per "
            "section, over time. Many focus shifts in a row mean the plan keeps changing "
            "under the team: steady the plan before asking for more shifts.",
            (
                Query(
                    whole_named(
                        f"sum {by(KIND_LABEL, SECTION_LABEL)} (increase({_CUES_MOVED}[{RATE}]))"
                    ),
                    "{{kind}} to {{section}}",
                ),
            ),
            kind=Kind.BARS,
            width=16,
        ),
        Figure(
            "Entry cues and focus shifts in the time range",
            "How many entry and focus-shift cues were given in the selected time range; set "
            "beside the milestones entered and the moves of the critical path above.",
            (
                Query(
                    f"sum {by(KIND_LABEL)} (increase({_CUES_MOVED}[{RANGE}]))",
                    "{{kind}}",
                    instant=True,
                ),
            ),
            kind=Kind.STAT,
            width=8,
            decimals=0,
            steps=((None, "text"),),
        ),
    ),
)

ALIGNMENT = Board(
    UID,
    "Conductor: alignment",
    "Is the team aligned with its score? Milestones against plan, the critical path, "
    "forecasts against commitments. Ensemble and section level only: no panel shows a person.",
    (MILESTONES, FORECASTS, CUES),
    (ensemble_variable(), section_variable()),
)
