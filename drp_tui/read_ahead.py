"""The officer's first queue, read on the machine's other core while the app loads.

Starting `drp` is two long jobs: loading Textual and the screens, and reading the queue (10k
cases scored live, about 0.35 s). In one process they cannot overlap: a reader thread needs
the GIL back after every row SQLite returns, and the loading thread holds it. A forked child
can: it is forked as soon as the store is open (before the ORM, the services and Textual are
loaded), reads the queue, sends it back pickled over a pipe and exits, while the parent loads
the rest. The child only reads; every write stays in the parent.

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
    def __init__(self, child: int, pipe: int) -> None:
        self._child = child
        self._pipe: int | None = pipe

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
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read_end)
            _read_and_send(read, write_end)
        os.close(write_end)
        return cls(child, read_end)

    def result(self) -> list[QueueEntry] | None:
        """The queue the child read (waiting for it if need be), once; None if the child
        failed or the queue was already taken."""
        if self._pipe is None:
            return None
        pipe, self._pipe = self._pipe, None
        with os.fdopen(pipe, "rb") as reader:
            sent = reader.read()
        os.waitpid(self._child, 0)
        try:
            queue: list[QueueEntry] = pickle.loads(sent)
        except Exception:  # nothing, or not all, was sent: the child failed
            return None
        return queue


def _read_and_send(read: ReadQueue, pipe: int) -> NoReturn:
    """In the child: read, send, and leave without running anything of the parent's (no
    atexit handlers, no flushing of its buffered output, no finalisers)."""
    exit_code = 1
    try:
        gc.disable()  # the child lives for one read: collecting would only slow it down
        queue = read()
        with os.fdopen(pipe, "wb") as writer:
            pickle.dump(queue, writer, pickle.HIGHEST_PROTOCOL)
        exit_code = 0
    except BaseException:
        pass
    finally:
        os._exit(exit_code)
