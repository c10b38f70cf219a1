"""The tempo dashboard, for the team: cadence, pace against the plan, flow (cycle time,
decision latency, blockers, WIP), and the cue budget that keeps Conductor from nagging."""

import conductor.metrics.catalogue as c
from conductor.metrics.catalogue import ENSEMBLE_LABEL, KIND_LABEL, ROLE_LABEL, SECTION_LABEL
from dashboards import recorded as r
from dashboards.board import ensemble_variable, section_variable
from dashboards.panels import Board, Figure, Kind, Query, Row
from dashboards.promql import RANGE, RATE, by, team, whole_named
from schemas import CueKind

UID = "conductor-tempo"
DIGEST = f'{KIND_LABEL}="{CueKind.DIGEST.value}"'
NOT_DIGEST = f'{KIND_LABEL}!="{CueKind.DIGEST.value}"'
PER_ENSEMBLE = f"on ({ENSEMBLE_LABEL}) group_left"


def _sections(spec: c.Spec | str) -> str:
    return whole_named(team(spec, section=True))


CADENCE = Row(
    "Cadence",
    (
        Figure(
            "Cadence adherence",
            "Held occurrences over due occurrences, per cadence (stand-up, review, retro). "
            "Low adherence is worth a retro topic: is the ritual at the wrong time, too "
            "often, or no longer useful? Change the score rather than nagging people to attend.",
            (Query(team(c.CADENCE_ADHERENCE), "{{cadence}}"),),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=8,
            high=1,
            steps=((None, "red"), (0.6, "orange"), (0.8, "green")),
        ),
        Figure(
            "Occurrences missed, per cadence",
            "Occurrences not held within their grace, cumulative. A line that climbs step "
            "after step is a ritual the team has silently dropped; the alert fires on two in a "
            "row.",
            (Query(team(r.CADENCE_MISSED.record), "{{cadence}}"),),
            width=16,
        ),
    ),
)

PACE = Row(
    "Throughput against the needed pace",
    (
        Figure(
            "Throughput per cycle against the needed pace",
            "Work items finished in the last full cycle and so far in this one, per section, "
            "and (dashed) the pace each section needs per cycle to finish its remaining "
            "estimate by the due dates. Below the dashed line for cycles in a row: re-plan, "
            "do not rush.",
            (
                Query(_sections(c.THROUGHPUT_LAST), "{{section}} last cycle"),
                Query(_sections(c.THROUGHPUT_CURRENT), "{{section}} this cycle so far"),
                Query(_sections(c.THROUGHPUT_NEEDED), "{{section}} needed"),
            ),
            width=16,
            dashed=".* needed",
        ),
        Figure(
            "Last cycle against the needed pace",
            "The last cycle's throughput as a share of the pace needed (100% is on pace; "
            "absent for a section with nothing left). Far below 100% for a section: ask what "
            "slows it (blockers, WIP, waiting on decisions) before adding work.",
            (
                Query(
                    whole_named(
                        f"{team(c.THROUGHPUT_LAST, section=True)}"
                        f" / ({team(c.THROUGHPUT_NEEDED, section=True)} > 0)"
                    ),
                    "{{section}}",
                ),
            ),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=8,
            steps=((None, "red"), (0.7, "orange"), (1, "green")),
        ),
    ),
)

FLOW = Row(
    "Flow: cycle time, decisions, blockers, WIP",
    (
        Figure(
            "Cycle time P50 and P85 (rolling week)",
            "Time from a task's start to its completion, in log time: the median and the 85th "
            "percentile of the tasks completed in the week before each point. A rising P85 "
            "with a steady P50 is a few tasks stuck: look at blockers and WIP.",
            (
                Query(_sections(r.CYCLE_P50.record), "{{section}} P50"),
                Query(_sections(r.CYCLE_P85.record), "{{section}} P85"),
            ),
            unit="s",
            width=9,
        ),
        Figure(
            "Decision latency P50 and P85 (rolling week) against the target",
            "Time from a decision being requested to it being made. Dashed: how long the "
            "score lets a decision wait before a hold cue. Above it, decisions are the "
            "bottleneck: name who decides what, or decide at the stand-up.",
            (
                Query(team(r.DECISION_P50.record), "P50"),
                Query(team(r.DECISION_P85.record), "P85"),
                Query(team(c.DECISION_TARGET), "target"),
            ),
            unit="s",
            width=9,
            dashed="target",
        ),
        Figure(
            "Cycle time P85 in the time range",
            "The 85th percentile of cycle time over every task completed in the selected "
            "time range, per section.",
            (
                Query(
                    whole_named(
                        f"histogram_quantile(0.85, sum {by(SECTION_LABEL, c.BUCKET_LABEL)}"
                        f" (increase({team(c.CYCLE_TIME, 'bucket', section=True)}[{RANGE}])))"
                        " >= 0"
                    ),
                    "{{section}}",
                    instant=True,
                ),
            ),
            kind=Kind.STAT,
            unit="s",
            width=6,
            steps=((None, "text"),),
        ),
        Figure(
            "Open blockers",
            "Tasks blocked right now, per section. Blockers that pile up are a conversation "
            "for the stand-up: who can unblock what today.",
            (Query(_sections(c.BLOCKERS_OPEN), "{{section}}"),),
            width=8,
        ),
        Figure(
            "Oldest blocker against the hold",
            "The age of each section's oldest open blocker as a share of how long the score "
            "lets a task stay blocked (100%: a hold cue went out). 0 when nothing is blocked. "
            "Past 100%, escalate the blocker rather than waiting on it.",
            (
                Query(
                    whole_named(
                        f"({team(c.BLOCKER_AGE, section=True)}"
                        f" / {PER_ENSEMBLE} {team(c.BLOCKER_HOLD)})"
                        f" or ({team(c.BLOCKERS_OPEN, section=True)} * 0)"
                    ),
                    "{{section}}",
                ),
            ),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=8,
            steps=((None, "green"), (0.5, "orange"), (1, "red")),
        ),
        Figure(
            "WIP against limits",
            "Tasks in progress per section, and (dashed) the score's WIP limit. Over the "
            "limit: finish before starting; a limit always exceeded may be the wrong limit.",
            (
                Query(_sections(c.WIP), "{{section}} WIP"),
                Query(_sections(c.WIP_LIMIT), "{{section}} limit"),
            ),
            width=8,
            dashed=".* limit",
        ),
    ),
)

_PER_RECIPIENT = by(SECTION_LABEL, ROLE_LABEL)

BUDGET = Row(
    "Cue volume against the daily budget (the micromanagement guard)",
    (
        Figure(
            "Cues today per recipient against the daily budget",
            "Cues each recipient (a role, a section, the ensemble) got today, as a share of "
            "its daily cue budget. At 100% further cues that day are folded into one digest, "
            "never dropped. Recipients at the budget day after day: Conductor is nagging; "
            "loosen the score (holds, WIP limits) or raise the budget.",
            (
                Query(
                    whole_named(
                        f"{team(c.CUE_BUDGET_USED, section=True)}"
                        f" / {PER_ENSEMBLE} {team(c.CUE_BUDGET)}"
                    ),
                    "{{section}} {{role}}",
                ),
            ),
            kind=Kind.BARGAUGE,
            unit="percentunit",
            width=10,
            height=10,
            high=1,
            steps=((None, "green"), (0.67, "orange"), (1, "red")),
        ),
        Figure(
            "Cues and digests per recipient",
            "Cues given per recipient over time (bars), digests apart. Digests mean a "
            "recipient's budget was spent that day: fine now and then, a smell if daily.",
            (
                Query(
                    whole_named(
                        f"sum {_PER_RECIPIENT}"
                        f" (increase({team(c.CUES, section=True, extra=NOT_DIGEST)}[{RATE}]))"
                    ),
                    "{{section}} {{role}}",
                ),
                Query(
                    whole_named(
                        f"sum {_PER_RECIPIENT}"
                        f" (increase({team(c.CUES, section=True, extra=DIGEST)}[{RATE}]))"
                    ),
                    "digest to {{section}} {{role}}",
                ),
            ),
            kind=Kind.BARS,
            width=10,
            height=10,
        ),
        Figure(
            "Digests in the time range",
            "Digests sent in the selected time range, all recipients together.",
            (
                Query(
                    f"sum (increase({team(c.CUES, section=True, extra=DIGEST)}[{RANGE}]))",
                    "digests",
                    instant=True,
                ),
            ),
            kind=Kind.STAT,
            width=4,
            height=10,
            decimals=0,
            steps=((None, "text"),),
        ),
    ),
)

TEMPO = Board(
    UID,
    "Conductor: tempo",
    "Is the team in tempo? Cadence, pace against plan, flow, and how many cues Conductor "
    "sends against each recipient's daily budget. Ensemble, section and role only.",
    (CADENCE, PACE, FLOW, BUDGET),
    (ensemble_variable(), section_variable()),
)
