"""Textual screens: show state, collect input, call services."""
