"""`deploy/kafka/local-broker`, the Apache Kafka broker of the tests, as its users run it."""

import asyncio
import os
import queue
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from local_processes import (
    BROKER_START_TIMEOUT,
    LOCAL_BROKER,
    free_port,
    stdout_lines,
    stop,
    wait_for_line,
)


def _started(
    directory: Path, port: int
) -> tuple[subprocess.Popen[bytes], "queue.Queue[bytes]", bytes]:
    """local-broker, ready; its stdout lines after the ready line, and that line. Its stderr
    goes to a file beside DIR."""
    with (directory.parent / f"local-broker-{port}.stderr").open("ab") as stderr:
        process = subprocess.Popen(
            [str(LOCAL_BROKER), "--port", str(port), "--dir", str(directory)],
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
    lines = stdout_lines(process)
    try:
        ready = wait_for_line(lines, process, b"ready", BROKER_START_TIMEOUT)
    except BaseException:
        stop(process)
        raise
    return process, lines, ready


def _children(pid: int) -> list[int]:
    """The pids of a process's children (the broker's JVM), from /proc."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


async def _create_and_produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k")
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=f"local-broker-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.subscribe([topic])  # a group join: the group coordinator works too
        values: list[bytes] = []
        while len(values) < count:
            record = await asyncio.wait_for(consumer.getone(), timeout=60)
            values.append(record.value)
        assert await consumer.position(TopicPartition(topic, 0)) == count
        return values
    finally:
        await consumer.stop()


def test_it_prints_ready_once_serves_clients_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    broker, lines, ready = _started(tmp_path / "kafka", port)
    try:
        (jvm,) = _children(broker.pid)
        bootstrap = f"127.0.0.1:{port}"
        values = [f"message {n}".encode() for n in range(3)]
        asyncio.run(_create_and_produce(bootstrap, "checked", values))
        assert asyncio.run(_consume(bootstrap, "checked", 3)) == values
        broker.send_signal(signal.SIGTERM)
        assert broker.wait(timeout=60) == 0
    finally:
        stop(broker)
    deadline = time.monotonic() + 30
    while _alive(jvm) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(jvm), "the broker's JVM outlived local-broker"
    assert _port_free(port)
    assert ready.startswith(b"local-broker: ready: Apache Kafka 4.4.0 on ")
    assert f"127.0.0.1:{port} ".encode() in ready
    after = []
    while (line := lines.get(timeout=10)) != b"":  # b"": stdout closed
        after.append(line)
    assert after == [], "one line on stdout, the ready line"


def test_what_a_cut_short_format_left_is_formatted_over_and_a_restart_keeps_messages(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "kafka"
    (directory / "data.partial" / "__cluster_metadata-0").mkdir(parents=True)
    for name in ("server.properties", "format.properties", "broker.log"):
        (directory / name).write_text("# from a run stopped while it formatted\n")
    port = free_port()
    first, _, ready = _started(directory, port)
    try:
        assert b"new storage" in ready
        assert (directory / "data" / "meta.properties").is_file()
        assert not (directory / "data.partial").exists()
        assert not (directory / "format.properties").exists()
        asyncio.run(_create_and_produce(f"127.0.0.1:{port}", "kept", [b"before the restart"]))
    finally:
        stop(first, timeout=60)
    assert first.returncode == 0
    again = free_port()  # another client port: the storage does not depend on it
    second, _, ready = _started(directory, again)
    try:
        assert b"existing storage" in ready
        assert asyncio.run(_consume(f"127.0.0.1:{again}", "kept", 1)) == [b"before the restart"]
    finally:
        stop(second, timeout=60)
    assert second.returncode == 0


def _refused(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """local-broker run to fail fast (through this Python: PATH may lack python3)."""
    return subprocess.run(
        [sys.executable, str(LOCAL_BROKER), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_a_taken_port_is_refused_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        answer = _refused("--port", str(port), "--dir", str(tmp_path / "kafka"))
    assert answer.returncode == 1
    assert answer.stderr.splitlines() == [
        f"local-broker: error: port {port} on 127.0.0.1 is taken (Address already in use)"
    ]
    assert answer.stdout == ""
    assert not (tmp_path / "kafka").exists()


def test_a_directory_that_is_not_kraft_storage_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not Kafka's")
    answer = _refused("--port", str(free_port()), "--dir", str(tmp_path))
    assert answer.returncode == 1
    assert answer.stderr.splitlines() == [
        f"local-broker: error: {tmp_path} is not empty and holds no KRaft storage "
        "(no data/meta.properties): give an empty or new directory"
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]


def _path_with(tmp_path: Path, **programs: str) -> dict[str, str]:
    """An environment whose PATH holds only the given programs (name: target or script)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, program in programs.items():
        if program.startswith("#!"):
            (bin_dir / name).write_text(program)
            (bin_dir / name).chmod(0o755)
        else:
            (bin_dir / name).symlink_to(program)
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    return {**env, "PATH": str(bin_dir), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_without_java_it_says_so(tmp_path: Path) -> None:
    answer = _refused(
        "--port", str(free_port()), "--dir", str(tmp_path / "k"), env=_path_with(tmp_path)
    )
    assert answer.returncode == 1
    assert answer.stderr.splitlines() == [
        "local-broker: error: java not found (install Java 17 or newer, or set JAVA_HOME)"
    ]


def test_an_old_java_is_refused(tmp_path: Path) -> None:
    old = "#!/bin/sh\necho 'java version \"1.8.0_402\"' >&2\n"
    answer = _refused("--fetch", env=_path_with(tmp_path, java=old))
    assert answer.returncode == 1
    assert answer.stderr.splitlines() == [
        f"local-broker: error: {tmp_path / 'bin' / 'java'} is Java 8; "
        "Apache Kafka 4 needs Java 17 or newer"
    ]


def test_a_first_run_without_maven_says_it_needs_it(tmp_path: Path) -> None:
    java = subprocess.run(["sh", "-c", "command -v java"], capture_output=True, text=True)
    env = _path_with(tmp_path, java=os.path.realpath(java.stdout.strip()))
    answer = _refused("--port", str(free_port()), "--dir", str(tmp_path / "k"), env=env)
    assert answer.returncode == 1
    assert answer.stderr.splitlines() == [
        "local-broker: error: mvn (Apache Maven) not found: it is needed once, to fetch "
        "Apache Kafka 4.4.0"
    ]
    kafka_cache = tmp_path / "cache" / "conductor" / "kafka-4.4.0"
    assert [path.name for path in kafka_cache.iterdir()] == [".lock"], "nothing half-filled"


def test_help_names_the_interface() -> None:
    answer = _refused("--help")
    assert answer.returncode == 0
    for option in ("--port PORT", "--dir DIR", "--fetch", "ready"):
        assert option in answer.stdout


def _kafka_cache(cache_home: Path) -> Path:
    return cache_home / "conductor" / "kafka-4.4.0"


def test_concurrent_first_fetches_fill_one_complete_cache(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    fetches = [
        subprocess.Popen(
            [str(LOCAL_BROKER), "--fetch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        for _ in range(2)
    ]
    answers = [fetch.communicate(timeout=600) for fetch in fetches]
    assert [fetch.returncode for fetch in fetches] == [0, 0], answers
    (lib,) = {stdout.decode().strip() for stdout, _ in answers}
    notes = [stderr.decode() for _, stderr in answers]
    assert sum("fetching Apache Kafka 4.4.0" in note for note in notes) == 1, notes
    jars = {path.name for path in Path(lib).iterdir()}
    assert {"kafka_2.13-4.4.0.jar", "log4j-core-2.26.1.jar", "log4j-slf4j2-impl-2.26.1.jar"} <= jars
    assert {jar for jar in jars if jar.startswith("slf4j-api")} == {"slf4j-api-2.0.17.jar"}
    entries = sorted(path.name for path in _kafka_cache(tmp_path).iterdir())
    assert entries == [".lock", Path(lib).parent.name], "one entry, no scratch left"
    assert (Path(lib).parent / "classes" / "Ready.class").is_file()


def test_an_interrupted_fetch_leaves_nothing_that_looks_complete(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    fetch = subprocess.Popen(
        [str(LOCAL_BROKER), "--fetch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while not list(_kafka_cache(tmp_path).glob(".partial-*/pom.xml")):
            assert fetch.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        fetch.send_signal(signal.SIGTERM)  # while mvn copies the jars
        _, stderr = fetch.communicate(timeout=60)
    finally:
        stop(fetch)
    assert fetch.returncode == 1
    assert stderr.decode().splitlines()[-1] == (
        "local-broker: error: stopped by a signal before the broker started"
    )
    assert sorted(path.name for path in _kafka_cache(tmp_path).iterdir()) == [".lock"]
