"""Topic names (with a configurable prefix), their explicit creation, their partitions.

Topics are created by the admin client rather than by broker auto-creation, which many
production clusters forbid (the local test broker does too) and which would give a topic
the broker's default partition count instead of `--partitions`.
"""

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

DEFAULT_PREFIX = "conductor."
SNAPSHOT_TABLE = "ensembles"
"""The Faust table holding each ensemble's state snapshot."""


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


def bootstrap(broker: str) -> str:
    """`kafka://host:port[;kafka://host2:port]` → `host:port[,host2:port]` for aiokafka."""
    return ",".join(part.removeprefix("kafka://") for part in broker.split(";"))


async def ensure_topics(
    broker: str, names: Iterable[str], partitions: int, replication: int = 1
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    # Imported here: the CLI reads the topic names without loading aiokafka.
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(broker))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, num_partitions=partitions, replication_factor=replication)
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
