"""What every runtime does the same way, below them all: the engines of a runtime's ensembles,
the clock, when a `clock.tick` is due, and the roll-up of small sections in metrics."""
