"""grafana-foundation-sdk, imported once, here: every other module takes it from this one.

Its classic dashboard modules warn when imported that dashboard v2 exists
(`DeprecationWarning`); v2 needs Grafana 12 with its new dashboard layouts switched on,
while the classic model these dashboards use loads on Grafana 10, 11 and 12, by
provisioning and by the HTTP API alike.
"""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from grafana_foundation_sdk.builders import (
        bargauge,
        prometheus,
        stat,
        statetimeline,
        timeseries,
    )
    from grafana_foundation_sdk.builders import common as common_builder
    from grafana_foundation_sdk.builders import dashboard as builder
    from grafana_foundation_sdk.cog import plugins
    from grafana_foundation_sdk.cog.builder import Builder
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models import common
    from grafana_foundation_sdk.models import dashboard as model

__all__ = [
    "Builder",
    "JSONEncoder",
    "bargauge",
    "builder",
    "common",
    "common_builder",
    "model",
    "plugins",
    "prometheus",
    "stat",
    "statetimeline",
    "timeseries",
]
