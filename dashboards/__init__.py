"""Grafana dashboards as code: alignment and tempo for the team, operations for whoever runs
Conductor, built with grafana-foundation-sdk from the metric catalogue (`dashboards.build`)."""
