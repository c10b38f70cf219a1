"""Fixtures for real servers live in their own modules."""

from kafka_broker import kafka_broker, streams

__all__ = ["kafka_broker", "streams"]
