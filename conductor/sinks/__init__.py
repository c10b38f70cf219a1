"""Where cues go: the sinks, their configuration (`--sinks FILE`), routing, retries, and the
bodies each sends (signed CloudEvents, Slack Block Kit) — shared by every runtime that
delivers (the embedded runtime's couriers and `conductor deliver` on Kafka)."""
