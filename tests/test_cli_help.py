"""Help text wraps to the terminal: a docstring's own line breaks are not kept as ragged
breaks in the middle of a sentence (issue 22)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from drp_tui.cli.main import app


# Commands are walked by their `commands` and `help` (click's own classes are typer's private
# copy in typer 0.29).
def _groups(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if hasattr(command, "commands"):
        yield path
        for name, sub in command.commands.items():
            yield from _groups(sub, (*path, name))


def _first_paragraph(command: Any) -> str:
    return " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())


GROUPS = list(_groups(typer.main.get_command(app)))


@pytest.mark.parametrize("path", GROUPS, ids=[" ".join(p) or "drp" for p in GROUPS])
def test_each_commands_summary_is_one_line_at_a_wide_terminal(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    monkeypatch.setenv("TERMINAL_WIDTH", "400")
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.stderr
    group: Any = typer.main.get_command(app)
    for name in path:
        group = group.commands[name]
    lines = [" ".join(line.strip("│ ").split()) for line in result.stdout.splitlines()]
    for name, sub in group.commands.items():
        summary = _first_paragraph(sub)
        assert any(line == f"{name} {summary}" for line in lines), (name, summary)


def test_a_command_loads_only_its_own_module(tmp_path: Any) -> None:
    """`drp locate` builds and imports its own command, not every command's module (a
    second of every run), and `drp --help` still lists them all."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from drp_tui.cli.main import app\n"
        "assert CliRunner().invoke(app, ['locate', '--json']).exit_code == 0\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('drp_tui.cli.'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    loaded = set(done.stdout.split())
    assert "drp_tui.cli.store" in loaded
    assert not loaded & {"drp_tui.cli.letters", "drp_tui.cli.calc", "drp_tui.cli.queue"}
    listed = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout
    for name in ("sync", "locate", "calc", "letters", "retention"):
        assert f"│ {name} " in listed
