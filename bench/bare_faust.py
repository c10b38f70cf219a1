"""The baseline for bench/streams.py: a Faust agent that only deserializes and counts.

Run as `python bench/bare_faust.py BROKER APP_ID TOPIC worker -l info`.
"""

import json
import sys

import faust

broker, app_id, topic_name = sys.argv[1:4]
del sys.argv[1:4]
app = faust.App(
    app_id,
    broker=broker,
    autodiscover=False,
    web_enabled=False,
    broker_session_timeout=6.0,
    broker_heartbeat_interval=1.0,
    broker_rebalance_timeout=10.0,
    broker_commit_interval=1.0,
)
topic = app.topic(topic_name, key_type=bytes, value_type=bytes, value_serializer="raw")
counted = 0


@app.agent(topic)
async def count(stream: faust.StreamT[bytes]) -> None:
    global counted
    async for value in stream:
        json.loads(value)
        counted += 1


if __name__ == "__main__":
    app.main()
