"""Topic names (with a configurable prefix), their explicit creation, their partitions.

Topics are created by the admin client rather than by broker auto-creation, which many
production clusters forbid (the local test broker does too) and which would give a topic
the broker's default partition count instead of `--partitions`.
"""

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass

DEFAULT_PREFIX = "conductor."
SNAPSHOT_TABLE = "ensembles"
"""The Faust table holding each ensemble's state snapshot."""

Configs = Mapping[str, Mapping[str, str]]
"""Topic name -> the topic settings it is created with (and must keep)."""

LOG_SETTINGS = {"cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1"}
"""The events topic is the log: it keeps every event for good. A worker that lost an
ensemble's state rebuilds it from there (`streams.rebuild`), and a replay of it is what
the ensemble's state must equal."""
CHANGELOG_SETTINGS = {"cleanup.policy": "compact"}
"""Only the newest value of a snapshot key matters; with Kafka's default, delete after 7
days, every ensemble quiet for a week would lose its state."""


@dataclass(frozen=True)
class TopicNames:
    prefix: str = DEFAULT_PREFIX

    @property
    def events(self) -> str:
        """Events, keyed by ensemble: what teams publish, plus the ticks workers append."""
        return f"{self.prefix}events"

    @property
    def cues(self) -> str:
        """Cues, keyed by ensemble; the value is the Cue's JSON."""
        return f"{self.prefix}cues"

    @property
    def deadletter(self) -> str:
        """Rejected messages: the original bytes, with reason and source in headers."""
        return f"{self.prefix}deadletter"

    @property
    def public(self) -> tuple[str, str, str]:
        return (self.events, self.cues, self.deadletter)


def changelog_topic(app_id: str) -> str:
    """The name Faust gives the snapshot table's changelog."""
    return f"{app_id}-{SNAPSHOT_TABLE}-changelog"


def worker_topics(names: TopicNames, app_id: str) -> Configs:
    """The topics a worker needs, each with the settings it needs."""
    return {
        names.events: LOG_SETTINGS,
        names.cues: {},
        names.deadletter: {},
        changelog_topic(app_id): CHANGELOG_SETTINGS,
    }


def bootstrap(broker: str) -> str:
    """`kafka://host:port[;kafka://host2:port]` → `host:port[,host2:port]` for aiokafka."""
    return ",".join(part.removeprefix("kafka://") for part in broker.split(";"))


async def ensure_topics(
    broker: str,
    names: Iterable[str],
    partitions: int,
    replication: int = 1,
    configs: Configs | None = None,
) -> None:
    """Create the topics that do not exist yet (with their `configs`); existing ones are
    left as they are."""
    # Imported here: the CLI reads the topic names without loading aiokafka.
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(broker))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=partitions,
                replication_factor=replication,
                topic_configs=dict((configs or {}).get(name, {})),
            )
            for name in names
            if name not in existing
        ]
        if missing:
            # another worker may create them between our listing and our request
            with suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


async def partitions_of(broker: str, topic: str) -> list[int]:
    """The topic's partition numbers, [] if it does not exist.

    Asks for every topic's metadata: aiokafka asks for a named topic with
    `allow_auto_topic_creation`, so on a cluster that auto-creates topics a reader naming
    one that does not exist yet would create it with the broker's default partitions.
    """
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(broker))
    await admin.start()
    try:
        described = await admin.describe_topics()
    finally:
        await admin.close()
    for entry in described:
        if entry["topic"] == topic and not entry["error_code"]:
            return sorted(int(partition["partition"]) for partition in entry["partitions"])
    return []


async def misconfigured(broker: str, configs: Configs) -> list[str]:
    """Settings of existing topics that differ from what they need, one line each."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    wanted = {name: settings for name, settings in configs.items() if settings}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(broker))
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in wanted]
        )
    finally:
        await admin.close()
    found: list[str] = []
    for response in responses:
        for error, _, _, name, entries in response.resources:
            if error or name not in wanted:
                continue
            actual = {entry[0]: entry[1] for entry in entries}
            found += [
                f"{name}: {key}={actual.get(key)}, expected {value}"
                for key, value in wanted[name].items()
                if actual.get(key) != value
            ]
    return found
