"""The officer's first queue, read on the machine's other core while the app loads.

Starting `drp` is two long jobs: loading Textual and the screens, and reading the queue (10k
cases scored live, about 0.35 s). In one process they cannot overlap: a reader thread needs
the GIL back after every row SQLite returns, and the loading thread holds it. A forked child
can: it is forked as soon as the store is open (before the ORM, the services and Textual are
loaded), reads the queue, leaves it pickled in a file in memory it shares with the parent, and
exits, while the parent loads the rest. The child only reads; every write stays in the
parent.

Only on Linux: Windows has no fork, and on macOS system libraries may not survive one. There,
or if the child fails for any reason, `result` gives None and the queue screen reads the
queue itself, as it does on every later refresh.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from drp_tui.services.queue import QueueEntry
    from drp_tui.store.engine import Store

ReadQueue = Callable[[], "list[QueueEntry]"]


class QueueReadAhead:
    def __init__(self, child: int, memory: int) -> None:
        self._child: int | None = child
        self._memory = memory

    @classmethod
    def start(cls, store: Store, read: ReadQueue) -> QueueReadAhead | None:
        """Fork a child that calls `read` on `store`. Call it before anything starts a thread
        (Textual does): a child forked from a threaded process can inherit a lock that is
        never released."""
        if not sys.platform.startswith("linux"):
            return None
        # SQLite forbids using a connection across fork(): the parent's pooled one is closed
        # first, and each side opens its own.
        store.engine.dispose()
        # An anonymous file in memory, not a pipe: the child writes the whole queue and exits
        # without waiting for the parent to be ready to read it.
        memory = os.memfd_create("drp-queue")
        child = os.fork()
        if child == 0:
            _read_and_keep(read, memory)
        return cls(child, memory)

    def result(self) -> list[QueueEntry] | None:
        """The queue the child read (waiting for it if need be), once; None if the child
        failed or the queue was already taken."""
        if self._child is None:
            return None
        child, self._child = self._child, None
        try:
            _, status = os.waitpid(child, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                return None
            queue: list[QueueEntry] = pickle.loads(
                os.pread(self._memory, os.fstat(self._memory).st_size, 0)
            )
            return queue
        finally:
            os.close(self._memory)


def _read_and_keep(read: ReadQueue, memory: int) -> NoReturn:
    """In the child: read, write the queue to `memory`, and leave without running anything
    of the parent's (no atexit handlers, no flushing of its buffered output, no finalisers).
    Exits 0 only once all of it is written."""
    exit_code = 1
    try:
        gc.disable()  # the child lives for one read: collecting would only slow it down
        with os.fdopen(memory, "wb") as out:
            out.write(pickle.dumps(read(), pickle.HIGHEST_PROTOCOL))
        exit_code = 0
    except BaseException:  # the parent reads the queue itself
        pass
    finally:
        os._exit(exit_code)
