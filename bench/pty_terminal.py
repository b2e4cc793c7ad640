"""The real `drp` in a pseudo-terminal, its screen kept by a terminal emulator (pyte), so a
benchmark can send keys as a terminal would and time until the screen shows their effect:
what the officer sees, which Pilot (in-process, no terminal) does not measure."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Mapping, Sequence

import pyte

KEYS = {
    "enter": b"\r",
    "tab": b"\t",
    "escape": b"\x1b",
    "down": b"\x1b[B",
    "up": b"\x1b[A",
    "space": b" ",
}

Lines = Sequence[str]


class ScreenTimeout(RuntimeError):
    pass


class Terminal:
    """One process on a pty of `columns` x `rows`, its output fed to a pyte screen."""

    def __init__(
        self, argv: Sequence[str], env: Mapping[str, str], columns: int = 120, rows: int = 40
    ) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.launched = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child: becomes drp
            os.execvpe(argv[0], list(argv), {**env, "TERM": "xterm-256color"})
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        # A terminal answers Textual's queries (device attributes, cursor position).
        self.screen.write_process_input = self._answer  # type: ignore[method-assign]
        self.bytes_seen = 0
        self.feeding = 0.0  # seconds spent in the emulator (the terminal's share, not drp's)
        self.last_feed = 0.0  # of which, during the last timed step

    def _answer(self, data: str) -> None:
        os.write(self.fd, data.encode())

    @property
    def lines(self) -> list[str]:
        return list(self.screen.display)

    def pump(self, wait: float) -> bool:
        """Read what the process has written within `wait` seconds; True if anything came."""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            raise ScreenTimeout("drp exited") from None
        if not data:
            raise ScreenTimeout("drp exited")
        self.bytes_seen += len(data)
        started = time.perf_counter()
        self.stream.feed(data)
        self.feeding += time.perf_counter() - started
        return True

    def wait_for(
        self, shown: Callable[[Lines], bool], timeout: float = 20.0, what: str = ""
    ) -> float:
        """The moment (perf_counter) the screen first satisfied `shown`."""
        deadline = time.perf_counter() + timeout
        while not shown(self.screen.display):
            if time.perf_counter() > deadline:
                raise ScreenTimeout(f"timed out waiting for {what or shown}:\n" + self.dump())
            self.pump(0.05)
        return time.perf_counter()

    def settle(self, quiet: float = 0.25, timeout: float = 20.0) -> None:
        """Until the process has written nothing for `quiet` seconds."""
        deadline = time.perf_counter() + timeout
        while self.pump(quiet):
            if time.perf_counter() > deadline:
                return

    def send(self, *keys: str) -> float:
        """Write keys as a terminal would (a name from KEYS, or text); the moment sent."""
        data = b"".join(KEYS.get(k, k.encode()) for k in keys)
        sent = time.perf_counter()
        os.write(self.fd, data)
        return sent

    def timed(
        self, key: str, shown: Callable[[Lines], bool], timeout: float = 20.0, what: str = ""
    ) -> float:
        """Seconds from sending `key` until the screen shows `shown`."""
        self.settle()
        feeding = self.feeding
        sent = self.send(key)
        seconds = self.wait_for(shown, timeout, what or key) - sent
        self.last_feed = self.feeding - feeding
        return seconds

    def dump(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
            if done:
                break
            with contextlib.suppress(ScreenTimeout):
                self.pump(0.05)
        else:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
