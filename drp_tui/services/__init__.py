"""Use cases: what a key in the TUI or a CLI command asks drp to do. Each owns its reads,
writes and transactions; screens and commands only call these."""
