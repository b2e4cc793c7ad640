"""One place where every failure becomes one line on stderr and an exit status a script can
trust: 0 done, 1 failed (policy tables at fault, or an unexpected error), 2 bad input, 3 the
team hub unreachable or refusing (nothing local lost)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from drp_tui.domain.errors import InputError, NoFigureError, NotPermitted, PolicyError
from drp_tui.store.errors import StoreError
from drp_tui.sync.errors import HubError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_HUB = 3


def fail(message: str, code: int) -> int:
    print(f"drp: {message}", file=sys.stderr)
    return code


class DrpGroup(TyperGroup):
    """The root command group: runs the command and translates whatever it raises."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        from drp_tui.cli.helptext import unwrapped

        if self.help:  # its commands' help is unwrapped as each is built (cli/lazy.py)
            self.help = unwrapped(self.help)
        code = self._run(args, prog_name, complete_var, windows_expand_args, **extra)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        windows_expand_args: bool,
        **extra: Any,
    ) -> int:
        try:
            result = super().main(
                args,
                prog_name,
                complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except typer.Exit as exc:
            return int(exc.exit_code)
        except typer.Abort:
            return fail("aborted", EXIT_FAILED)
        except InputError as exc:
            return fail(str(exc), EXIT_BAD_INPUT)
        except PolicyError as exc:
            return fail(f"policy tables: {exc}", EXIT_FAILED)
        except NoFigureError as exc:
            # No table was in force on the date asked about: a refusal, not a crash.
            return fail(str(exc), EXIT_FAILED)
        except StoreError as exc:
            return fail(f"store: {exc}", EXIT_FAILED)
        except HubError as exc:
            return fail(f"{exc}; nothing here was lost", EXIT_HUB)
        except NotPermitted as exc:
            return fail(str(exc), EXIT_FAILED)
        except Exception as exc:
            # Usage errors (unknown option, missing option) carry their own message and status.
            format_message = getattr(exc, "format_message", None)
            exit_code = getattr(exc, "exit_code", None)
            if callable(format_message) and isinstance(exit_code, int):
                command = getattr(getattr(exc, "ctx", None), "command_path", "drp")
                return fail(f"{format_message()} (see '{command} --help')", exit_code)
            if os.environ.get("DRP_DEBUG"):
                raise
            return fail(
                f"unexpected error ({type(exc).__name__}: {exc}); nothing was changed. "
                "Run again with DRP_DEBUG=1 to see the details",
                EXIT_FAILED,
            )
        return result if isinstance(result, int) else EXIT_OK
