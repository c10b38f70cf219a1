"""Local servers for the tests and the benchmarks: free loopback ports, stopping by process
id, and the Apache Kafka broker of `deploy/kafka/local-broker`.

No pytest here: `bench/` starts the same broker the tests do.
"""

import queue
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
LOCAL_BROKER = ROOT / "deploy" / "kafka" / "local-broker"
BROKER_START_TIMEOUT = 240.0
"""Covers a first run that still has to fetch the jars (`make test` fetches them before
pytest, so there the broker only starts: 5-10 s on two busy cores)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Terminate by pid, kill if it does not stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stdout_lines(process: subprocess.Popen[bytes]) -> "queue.Queue[bytes]":
    """The process's stdout lines as they come (b"" once it closes), so that a caller can
    wait for one with a timeout."""
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        with process.stdout:
            for line in process.stdout:
                lines.put(line)
        lines.put(b"")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for_line(
    lines: "queue.Queue[bytes]", process: subprocess.Popen[bytes], word: bytes, timeout: float
) -> bytes:
    """The first line containing `word`; fails if the process ends or the time is up."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if word in line:
            return line
        if not line:
            raise RuntimeError(f"{process.args!r} exited with {process.wait()} before {word!r}")
    raise TimeoutError(f"{process.args!r} printed no {word!r} within {timeout} s")


def start_local_broker(
    directory: Path, output: IO[bytes] | int, timeout: float = BROKER_START_TIMEOUT
) -> tuple[subprocess.Popen[bytes], str]:
    """An Apache Kafka broker on a free loopback port, storage in `directory`, ready (a
    client could create a topic); returns it and its `kafka://` URL. Its stderr (errors,
    and the note of a first fetch) goes to `output`, its warnings to `directory/broker.log`.
    """
    port = free_port()
    process = subprocess.Popen(
        [str(LOCAL_BROKER), "--port", str(port), "--dir", str(directory)],
        stdout=subprocess.PIPE,
        stderr=output,
    )
    try:
        wait_for_line(stdout_lines(process), process, b"ready", timeout)
    except BaseException:
        stop(process)
        raise
    return process, f"kafka://127.0.0.1:{port}"
