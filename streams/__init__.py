"""Conductor on Kafka: Faust workers that run the pure core over `conductor.events`.

A thin shell: validation, folding and cue rules are the core's; this package only moves
bytes between topics, keeps per-ensemble state in a changelog-backed table and appends
`clock.tick` events when deadlines pass.
"""
