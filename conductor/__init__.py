"""Conductor: an event-sourced team rhythm orchestrator."""
