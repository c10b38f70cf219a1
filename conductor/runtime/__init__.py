"""The embedded runtime: one process, a durable SQLite log, an HTTP API, cue delivery, /metrics."""
