"""drp — a terminal workstation for UK council debt recovery teams.

This package deliberately imports nothing at load time: the CLI, the domain rules and the
Textual app are imported by whoever needs them, so headless commands stay fast.
"""

__version__ = "0.1.0"
