"""Conductor's Prometheus metrics: the catalogue (`catalogue`), the collectors that render
on scrape (`collectors`), the one factory (`registry`), the roll-up of small sections
(`rollup`) and the updates from what the core returns (`instrument`)."""
