"""Every thread the app starts, counted, so a test can wait until none is running.

Textual runs a thread worker on the event loop's default executor. A worker that is
cancelled (an exclusive worker replaced by the next one in its group) leaves
`app.workers` at once, but its thread cannot be stopped and goes on: reading, writing,
posting its result. Waiting for the workers alone can therefore return while a write is
still running, and the test then ends (or looks at the screen) under it. The event loops
the tests run on get an executor that knows which of its calls are still running."""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class CountedExecutor(ThreadPoolExecutor):
    """A thread pool that keeps the calls it has been given until each has finished."""

    def __init__(self) -> None:
        super().__init__(thread_name_prefix="drp-test")
        self._guard = threading.Lock()
        self._running: set[Future[Any]] = set()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future = super().submit(fn, *args, **kwargs)
        with self._guard:
            self._running.add(future)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, future: Future[Any]) -> None:
        with self._guard:
            self._running.discard(future)

    def running(self) -> list[Future[Any]]:
        with self._guard:
            return list(self._running)


_EXECUTORS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, CountedExecutor] = (
    weakref.WeakKeyDictionary()
)


class CountedThreadsPolicy(asyncio.DefaultEventLoopPolicy):
    """Each new event loop (`asyncio.run`, Textual's `App.run`) runs threads it can count."""

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        loop = super().new_event_loop()
        executor = CountedExecutor()
        loop.set_default_executor(executor)
        _EXECUTORS[loop] = executor
        return loop


def running_threads() -> list[Future[Any]]:
    """The calls still running on the current event loop's threads."""
    executor = _EXECUTORS.get(asyncio.get_running_loop())
    if executor is None:
        raise RuntimeError("this event loop cannot count its threads: see tests/conftest.py")
    return executor.running()
