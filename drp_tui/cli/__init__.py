"""The `drp` command line: parse arguments, call services, print with Rich or JSON.

Command modules import the store and the TUI inside the commands that use them, never at
module level, so `drp calc` and `drp --help` load neither the database libraries nor Textual
(`tests/test_packaging.py` checks this).
"""
