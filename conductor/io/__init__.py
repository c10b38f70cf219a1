"""Reading and writing what every part shares: score files, event logs, JSON of models and
states, cues as a table for a terminal."""
