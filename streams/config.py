"""Settings of a Conductor worker (every Faust timeout is configurable: tests want short ones)."""

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from conductor.metrics.rollup import DEFAULT_MIN_GROUP_SIZE
from conductor.session.clock import Timekeeper, WallClock
from streams.topics import DEFAULT_PREFIX, TopicNames


@dataclass(frozen=True)
class Timeouts:
    """Faust's defaults; clusters with slow rebalances want them, tests want them short."""

    session: float = 60.0
    heartbeat: float = 3.0
    rebalance: float = 60.0
    request: float = 90.0
    commit_interval: float = 2.8

    @classmethod
    def short(cls) -> "Timeouts":
        """What made restarts after `kill -9` take seconds on a test broker."""
        return cls(session=6.0, heartbeat=1.0, rebalance=10.0, request=30.0, commit_interval=1.0)


ROCKSDICT = "rocksdict://"


def parse_store(value: str) -> tuple[str, Path | None]:
    """Faust's store URL and data directory for `--store memory://` or `rocksdict://DIR`.

    Faust knows no `rocksdict://` scheme: its `rocksdb://` store runs on the rocksdict
    bindings when they are installed (they are a dependency), and it reads the URL's path
    as a file name prefix, so DIR becomes Faust's data directory instead and the tables
    go to `DIR/v1/tables/`. An empty DIR means Faust's default data directory,
    `APPID-data` in the working directory.
    """
    if value == "memory://":
        return value, None
    if value.startswith(ROCKSDICT):
        directory = value[len(ROCKSDICT) :]
        return "rocksdb://", Path(directory) if directory else None
    raise ValueError(f"expected memory:// or rocksdict://DIR, not {value!r}")


@dataclass(frozen=True)
class WorkerConfig:
    broker: str
    app_id: str = "conductor"
    prefix: str = DEFAULT_PREFIX
    partitions: int = 4
    replication: int = 1
    store: str = "memory://"
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    clock: Timekeeper = field(default_factory=WallClock)
    max_clock_skew: timedelta | None = None
    """Events dated further ahead of the clock are dead-lettered (None: no limit)."""
    tick_interval: float = 1.0
    snapshot_every: int = 200
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE
    """Smaller sections are rolled up into the ensemble in metrics (as in the embedded runtime)."""
    snapshot_after: float = 1.0
    standby_replicas: int = 1
    timeouts: Timeouts = field(default_factory=Timeouts)

    @property
    def topics(self) -> TopicNames:
        return TopicNames(self.prefix)
