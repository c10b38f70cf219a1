"""Fixtures for real servers (runtime, webhook receiver, Prometheus) live in their own module."""

from runtime_servers import runtime_process, webhook

__all__ = ["runtime_process", "webhook"]
