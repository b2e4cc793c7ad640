"""The team hub: its schema and the push/pull protocol."""
