"""On Kafka a team answers cues by publishing `cue.acknowledged` events: a real worker on the
real broker folds them (each event id once, each cue's first acknowledgement only) into the
efficacy gauges of its `/metrics`, as the embedded runtime does from its log."""

import json
import subprocess
from datetime import timedelta

from kafka_broker import Streams
from local_processes import stop
from runtime_servers import wait_for
from streams_logs import EXAMPLES, as_lines, example_log, rehearsed, with_horizon

from conductor.metrics.catalogue import ACKNOWLEDGED_SHARE, EFFICACY_CUES


def acknowledged(samples: dict[str, float], kind: str) -> float:
    """Cues of `kind` acknowledged, over every recipient: share times cues, label by label."""
    share = f"{ACKNOWLEDGED_SHARE.name}{{"
    total = 0.0
    for name, value in samples.items():
        if name.startswith(share) and f'kind="{kind}"' in name:
            total += value * samples[EFFICACY_CUES.name + name.removeprefix(share[:-1])]
    return round(total, 6)


def publish(streams: Streams, lines: list[bytes], *score: str) -> None:
    subprocess.run(
        streams.command("publish", *score),
        input=b"".join(line + b"\n" for line in lines),
        capture_output=True,
        check=True,
    )


def test_acknowledgements_published_on_kafka_reach_the_worker_s_efficacy_gauges(
    streams: Streams,
) -> None:
    log = with_horizon(example_log()[1:])
    publish(streams, as_lines(log), "--score", str(EXAMPLES / "score.yaml"))
    expected = rehearsed([example_log()[0], *log])
    hold = next(cue for cue in expected if cue.kind == "hold")
    entry = next(cue for cue in expected if cue.kind == "entry")
    worker, port = streams.start_worker()
    try:
        streams.wait_for_cues({cue.id for cue in expected})
        wait_for(
            lambda: any(name.startswith(EFFICACY_CUES.name) for name in streams.metrics(port)),
            what="the efficacy gauges",
        )
        before = streams.metrics(port)
        at = (max(event.occurred_at for event in log) + timedelta(minutes=1)).isoformat()

        def answer(event_id: str, cue: str) -> bytes:
            event = {"id": event_id, "type": "cue.acknowledged", "ensemble": "harbor",
                     "occurred_at": at, "data": {"cue": cue}}  # fmt: skip
            return json.dumps(event).encode()

        publish(
            streams,
            [
                answer(f"ack:{hold.id}", hold.id),
                answer(f"ack:{hold.id}", hold.id),  # the same event again: applied once
                answer(f"ack-again:{hold.id}", hold.id),  # a second answer: not counted
                answer(f"ack:{entry.id}", entry.id),
            ],
        )
        wait_for(
            lambda: acknowledged(streams.metrics(port), "entry") == 1.0,
            timeout=60,
            what="the entry cue's acknowledgement in the worker's gauges",
        )
        after = streams.metrics(port)
    finally:
        stop(worker)
    assert acknowledged(before, "hold") == acknowledged(before, "entry") == 0.0
    assert acknowledged(after, "hold") == 1.0
    assert acknowledged(after, "cadence-missed") == 0.0
