"""The `drp` command line: parse arguments, call services, print with Rich or JSON."""
