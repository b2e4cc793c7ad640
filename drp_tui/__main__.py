from drp_tui.cli.main import run

run()
