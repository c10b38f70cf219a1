"""However adversarial the score (within what validation accepts) and however far one event
jumps, the work it causes is bounded: deadlines stop at the score's horizon, and cues at the
daily budget of each recipient (plus its digest) for each day of the jump."""

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conductor.core import EnsembleEngine
from conductor.core.publication import publication_at_start
from conductor.core.timeutil import to_epoch
from schemas import EVENT_ADAPTER, Score

STARTS = date(2026, 3, 2)
HOUR, DAY = 3600, 86_400

rules = st.one_of(
    st.integers(1, 6).map(lambda n: f"FREQ=HOURLY;INTERVAL={n}"),
    st.lists(st.integers(0, 23), min_size=1, max_size=24, unique=True).map(
        lambda hours: "FREQ=DAILY;BYHOUR=" + ",".join(map(str, sorted(hours)))
    ),
    st.lists(
        st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1, unique=True
    ).map(lambda days: "FREQ=WEEKLY;BYHOUR=9;BYDAY=" + ",".join(days)),
)
minutes = st.integers(1, 24 * 60).map(lambda m: f"PT{m}M")


@st.composite
def scores(draw: st.DrawFn) -> Score:
    """Any score validation accepts, drawn towards the busy end: hourly rituals, long graces,
    tiny budgets, short cycles, many recipients."""
    sections = [
        {"id": f"s{i}", "roles": [f"r{i}-{j}" for j in range(draw(st.integers(1, 3)))]}
        for i in range(draw(st.integers(1, 3)))
    ]
    milestones = [
        {
            "id": f"m{i}",
            "title": f"m{i}",
            "section": sections[i % len(sections)]["id"],
            "owner": sections[i % len(sections)]["roles"][0],
            "due": (STARTS + timedelta(days=draw(st.integers(0, 60)))).isoformat(),
            "estimate": draw(st.integers(1, 50)),
            "depends_on": [f"m{i - 1}"] if i and draw(st.booleans()) else [],
        }
        for i in range(draw(st.integers(0, 4)))
    ]
    cadences = [
        {
            "id": f"c{i}",
            "kind": "standup",
            "rrule": draw(rules),
            "duration": draw(minutes),
            "grace": draw(minutes),
            **({"reminder": draw(minutes)} if draw(st.booleans()) else {}),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    document: dict[str, Any] = {
        "score": "adversarial",
        "title": "adversarial",
        "ensemble": "band",
        "timezone": draw(st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Chatham"])),
        "starts": STARTS.isoformat(),
        "sections": sections,
        "tempo": {
            "cycle": f"P{draw(st.integers(1, 91))}D",
            "cue_budget_per_day": draw(st.integers(1, 3)),
            "blocker_hold": "PT15M",
            "decision_latency": "PT15M",
        },
        "milestones": milestones,
        "cadences": cadences,
        "commitments": [
            {
                "id": "k",
                "milestones": [milestones[-1]["id"]],
                "by": milestones[-1]["due"],
                "confidence": 0.9,
            }
        ]
        if milestones
        else [],
    }
    return Score.model_validate(document)


instants = st.datetimes(
    min_value=datetime(2026, 3, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
) | st.datetimes(
    min_value=datetime(2026, 3, 2), max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14))]),
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(scores(), instants)
def test_one_event_causes_bounded_deadlines_and_cues(score: Score, at: datetime) -> None:
    engine = EnsembleEngine.new("band")
    published = engine.apply(publication_at_start(score))
    assert published.accepted, published.rejection
    horizon, start = engine.plan.horizon, engine.plan.start
    event = EVENT_ADAPTER.validate_python(
        {
            "id": "jump",
            "type": "concern.raised",
            "ensemble": "band",
            "occurred_at": at,
            "data": {"topic": "far", "severity": "low"},
        }
    )
    outcome = engine.apply(event)
    if to_epoch(at) > horizon:
        assert outcome.rejection is not None and outcome.rejection.path == "occurred_at"
        assert outcome.cues == []
        return
    assert outcome.accepted
    span = max(0, to_epoch(at) - start)
    days = span // DAY + 2
    recipients = 1 + len(score.sections) + sum(len(s.roles) for s in score.sections)
    budget = score.tempo.cue_budget_per_day
    assert len(published.cues) + len(outcome.cues) <= (budget + 1) * recipients * days
    occurrences = span // HOUR + 2
    scheduled = engine.state.timer_seq
    assert scheduled <= 2 * len(score.cadences) * occurrences + days * (recipients + 1) + 2
    deadline = engine.next_deadline()
    assert deadline is None or to_epoch(deadline) <= horizon
