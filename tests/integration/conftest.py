"""Fixtures for real servers live in their own modules: the runtime, a webhook receiver and
Prometheus in runtime_servers, the Apache Kafka broker and Faust workers in kafka_broker, the
dashboards' demo (both runtimes scraped by Prometheus, once per session) in demo_stack."""

from demo_stack import demo
from kafka_broker import kafka_broker, streams
from runtime_servers import runtime_process, webhook

__all__ = ["demo", "kafka_broker", "runtime_process", "streams", "webhook"]
