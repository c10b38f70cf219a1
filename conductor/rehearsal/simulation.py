"""`rehearse --simulate`: set up the runs (from the score's start, or from where a recorded log
stands with the model fitted from it), run them, and gather the report's figures and plots.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from conductor.core import EnsembleEngine
from conductor.core.plan import Plan
from conductor.core.timeutil import local_date, to_datetime
from conductor.io.eventlog import BadLine, read_events
from conductor.rehearsal.compare import compare, marked_lines
from conductor.rehearsal.errors import RehearsalError
from conductor.rehearsal.fit import fit_model
from conductor.rehearsal.outcomes import Outcomes, summarize
from conductor.rehearsal.replay import Rehearsal
from conductor.rehearsal.report import Plot, comparison_sections, simulation_sections
from conductor.rehearsal.runs import Setup, run_all
from conductor.rehearsal.team import Start, TeamModel
from schemas import Score
from schemas.events import Event, ScoreData, ScoreRevised

DEFAULT_DAYS_PAST = 7
"""By default runs go on a week past the latest due or committed date."""
SAMPLE_CUES = 30


def default_days(score: Score, start_day: date) -> int:
    latest = max(
        [m.due for m in score.milestones] + [c.by for c in score.commitments], default=start_day
    )
    return max(DEFAULT_DAYS_PAST, (latest - start_day).days + DEFAULT_DAYS_PAST)


def setup_from_start(score: Score, seed: int, days: int | None) -> Setup:
    start = Start.of_score(score)
    return Setup(score, TeamModel(), start, days or default_days(score, start.day), seed)


def setup_from_log(score: Score, lines: Iterable[bytes], seed: int, days: int | None) -> Setup:
    """Fold the log against the score, fit the model to it, start where it stands."""
    rehearsal = Rehearsal(score)
    mine: list[Event] = []
    others: set[str] = set()
    problems: list[str] = []
    for number, item in read_events(lines):
        if isinstance(item, BadLine):
            problems.append(str(item))
            continue
        if item.ensemble != score.ensemble:
            others.add(item.ensemble)
            continue
        outcome = rehearsal.feed(item)
        if outcome.rejection is not None:
            problems.append(f"line {number}: event {item.id!r}: {outcome.rejection}")
        else:
            mine.append(item)
    if not mine:
        found = ", ".join(repr(e) for e in sorted(others)) or "none"
        raise RehearsalError(
            f"--from-log: the log has no event of the score's ensemble {score.ensemble!r} "
            f"(ensembles in it: {found})"
        )
    if problems:
        listed = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
        raise RehearsalError(f"--from-log: {len(problems)} events do not fit the score: {listed}")
    rehearsal.finish()
    engine = rehearsal.session.engines[score.ensemble]
    _adopt(engine, score)
    plan = Plan(score)
    model = fit_model(mine, engine.state, plan)
    day = local_date(engine.state.now, plan.zone) + timedelta(days=1)
    start = Start.of_state(engine.state, plan, day, model)
    return Setup(
        score, model, start, days or default_days(score, day), seed, state=engine.state.to_dict()
    )


def _adopt(engine: EnsembleEngine, score: Score) -> None:
    """A log that published another version of the score goes on under this one (a
    revision: the plan is replaced, the progress kept), as a runtime started with it would."""
    if engine.state.score == score.model_dump(mode="json"):
        return
    revision = ScoreRevised(
        id=f"{score.score}:rehearsed",
        type="score.revised",
        ensemble=score.ensemble,
        occurred_at=to_datetime(engine.state.now),
        source="rehearsal",
        data=ScoreData(score=score),
    )
    outcome = engine.apply(revision)
    if outcome.rejection is not None:
        raise RehearsalError(f"--from-log: the score cannot revise the log's: {outcome.rejection}")


@dataclass
class Rehearsed:
    data: dict[str, Any]
    sections: list[str]
    outcomes: list[Outcomes]
    marked: list[str]

    def plots(self) -> list[Plot]:
        """The report's plots, drawn only when a report is written (matplotlib's figures
        cost seconds, more than hundreds of runs; matplotlib is imported only then)."""
        from conductor.rehearsal import plots as draw

        summary = self.data
        figures = [
            ("Burn-up per section with the runs' forecast fan", draw.burnup(summary)),
            ("Finish dates against due dates", draw.finish_dates(summary, self.outcomes[0])),
            ("Commitment probabilities against their confidence", draw.commitments(summary)),
            ("Cue volume per recipient per week against the budget", draw.cue_volume(summary)),
            ("Cadence calendar", draw.cadence_calendar(summary)),
        ]
        if "compare" in summary:
            compared = summary["compare"]["differences"]
            figures.append(("Compare: probabilities of both scores", draw.comparison(compared)))
        return figures


def rehearse_simulated(
    setups: list[Setup], runs: int, jobs: int, progress: Callable[[int], None]
) -> Rehearsed:
    """Run every setup (a score and, to compare, a second one) and gather the report."""
    if runs < 1:
        raise RehearsalError(f"--runs: must be at least 1, not {runs}")
    records = run_all(setups, runs, jobs, progress)
    outcomes = [Outcomes(s, Plan(s.score), r) for s, r in zip(setups, records, strict=True)]
    summaries = [summarize(o) for o in outcomes]
    data = dict(summaries[0])
    sample = records[0][0].sample[:SAMPLE_CUES]
    data["example_cues"] = [cue.model_dump(mode="json") for cue in sample]
    sections = simulation_sections(summaries[0])
    marked: list[str] = []
    if len(outcomes) > 1:
        compared = compare(outcomes[0], outcomes[1])
        data["compare"] = {"score": summaries[1], "differences": compared}
        sections += comparison_sections(compared)
        marked = marked_lines(compared)
    return Rehearsed(data, sections, outcomes, marked)
