"""`conductor run` as an operator starts it, twice by mistake: a taken port and a log another
runtime writes each end the second start at once, with one line naming the port or the
other holder's pid, before the log is touched; the log writer shows by name in `ps`."""

import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_processes import free_port
from runtime_servers import CONDUCTOR, RuntimeProcess, wait_for

START_SECONDS = 60
"""How long a refused start may take at most: it must end, not hang (no timing is asserted)."""


def refused(args: list[str]) -> tuple[int, str]:
    """Run `conductor run ARGS` to its end: the exit status and stderr."""
    done = subprocess.run(
        [str(CONDUCTOR), "run", *args],
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    return done.returncode, done.stderr


@pytest.fixture
def first(tmp_path: Path) -> Iterator[RuntimeProcess]:
    args = ["--db", str(tmp_path / "log.db"), "--no-stdout"]
    process = RuntimeProcess(args, free_port()).start()
    try:
        yield process
    finally:
        process.stop()


def test_a_taken_port_ends_the_start_with_one_line_naming_the_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        score = str(Path(__file__).resolve().parents[2] / "examples" / "score.yaml")
        args = ["--score", score, "--db", str(tmp_path / "log.db"), "--port", str(port)]
        status, stderr = refused(args)
    assert status != 0
    (line,) = stderr.splitlines()
    assert f"port {port}" in line
    assert "Address already in use" in line
    assert not (tmp_path / "log.db").exists(), "the log was opened before the port was bound"


def test_a_second_runtime_on_the_same_log_is_refused_naming_the_first_ones_pid(
    tmp_path: Path, first: RuntimeProcess
) -> None:
    assert first.process is not None
    status, stderr = refused(["--db", str(tmp_path / "log.db"), "--port", str(free_port())])
    assert status != 0
    (line,) = stderr.splitlines()
    assert f"pid {first.process.pid}" in line
    assert str(tmp_path / "log.db") in line
    wait_for(lambda: first._ready(), what="the first runtime to go on serving")


def test_once_the_first_runtime_stopped_the_log_can_be_opened_again(tmp_path: Path) -> None:
    args = ["--db", str(tmp_path / "log.db"), "--no-stdout"]
    RuntimeProcess(args, free_port()).start().kill()  # a crash: the kernel drops the lock
    again = RuntimeProcess(args, free_port()).start()
    again.stop()
    assert again.process is not None and again.process.returncode is not None


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # it exited while we looked
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def test_the_log_writer_shows_as_conductor_log_writer_in_ps(first: RuntimeProcess) -> None:
    assert first.process is not None
    pid = first.process.pid

    def named() -> bool:  # the child names itself as it starts, maybe after /healthz answered
        return "conductor-log-writer" in [command_line(child) for child in children_of(pid)]

    wait_for(named, what="a child of the runtime named conductor-log-writer")


def test_ctrl_c_stops_the_runtime_and_its_log_writer(first: RuntimeProcess) -> None:
    assert first.process is not None
    pid = first.process.pid
    wait_for(lambda: bool(children_of(pid)), what="the runtime's children")
    writers = children_of(pid)
    first.process.send_signal(signal.SIGINT)
    assert first.process.wait(timeout=START_SECONDS) == 0
    wait_for(
        lambda: not any(Path(f"/proc/{child}").exists() for child in writers),
        what="the log writer to stop",
    )
