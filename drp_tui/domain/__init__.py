"""Pure rules: money, policy tables and the calculators built on them.

Nothing here does I/O beyond reading the policy files it is pointed at, and nothing here
imports Textual, Rich, Typer or the database.
"""
