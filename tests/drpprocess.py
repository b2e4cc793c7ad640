"""`drp` commands run as processes of their own, forked from one that has already imported the
libraries every command needs (SQLAlchemy, SQLModel, psycopg, Typer, Rich and drp's table
models: about a second of every process on a busy machine, and the hub tests start about a
hundred of them). Each command still has its own process, environment, working folder, standard
output and error and exit code, and imports drp's own modules itself; only the libraries'
import is shared. Tests of the entry point itself (packaging, a process killed or stopped
mid-sync) start `python -m drp_tui` as before."""

from __future__ import annotations

import io
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PRELOADED = [  # imported once, by the process each command is forked from
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlmodel",
    "psycopg",
    "typer",
    "rich.console",
    "rich.table",
    "pydantic_settings",
    "drp_tui.store.models",
]
TIMEOUT_S = 120


def _forks() -> multiprocessing.context.ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


def _command(args: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """In the forked process: become `python -m drp_tui ARGS` run with `env` in `cwd`."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for fd, path in ((1, out), (2, err)):
        written = os.open(path, os.O_WRONLY)
        os.dup2(written, fd)
        os.close(written)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace"
    )
    sys.argv = [str(Path(__file__).parent.parent / "drp_tui" / "__main__.py"), *args]
    from drp_tui.cli.main import run

    run()


def drp_process(
    args: list[str], env: dict[str, str], cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """What `subprocess.run([python, -m, drp_tui, *args], env=env, capture_output=True,
    text=True)` gives, from a forked process."""
    with tempfile.TemporaryDirectory(prefix="drp-run-") as folder:
        out, err = Path(folder, "out"), Path(folder, "err")
        out.touch()
        err.touch()
        process = _forks().Process(
            target=_command, args=(args, env, cwd or os.getcwd(), str(out), str(err))
        )
        process.start()
        process.join(TIMEOUT_S)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(["drp", *args], TIMEOUT_S)
        return subprocess.CompletedProcess(
            ["drp", *args],
            process.exitcode,
            out.read_text(encoding="utf-8"),
            err.read_text(encoding="utf-8"),
        )
