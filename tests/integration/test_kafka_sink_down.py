"""The embedded runtime's Kafka sink when its broker is not there: each try is refused (and
retried by the courier), and no failed try leaves a producer open behind it."""

import asyncio
import gc
import warnings

import pytest
from aiokafka.errors import KafkaConnectionError
from local_processes import free_port

from conductor.sinks.senders import KafkaSink


def test_a_kafka_sink_without_its_broker_refuses_each_try_and_leaves_nothing_open() -> None:
    async def tries() -> None:
        sink = KafkaSink("bus", f"kafka://127.0.0.1:{free_port()}", "team.cues")
        for _ in range(2):
            with pytest.raises(KafkaConnectionError):
                await sink.send(b'{"ensemble": "harbor"}')
        await sink.close()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(tries())
        gc.collect()  # an unclosed producer warns when it is collected
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
