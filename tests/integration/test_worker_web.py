"""A worker's web port serves its /metrics and /healthz, not Faust's views of its tables."""

import urllib.error
import urllib.request

from kafka_broker import Streams
from local_processes import stop
from runtime_servers import wait_for

from streams.topics import SNAPSHOT_TABLE


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # not listening yet


def test_a_workers_web_port_serves_metrics_and_health_and_no_table(streams: Streams) -> None:
    process, port = streams.start_worker()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: status_of(f"{base}/healthz") == 200, 120, "the worker's /healthz")
        assert status_of(f"{base}/metrics") == 200
        for view in ("/table/", f"/table/{SNAPSHOT_TABLE}/", "/router/"):
            assert status_of(f"{base}{view}") == 404, view
    finally:
        stop(process)
