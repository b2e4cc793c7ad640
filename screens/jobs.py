"""One job runner for the screens: store work off the UI thread, two kinds of it.

*Reads* are exclusive per screen: a newer read replaces an older one (which runs on in its
thread, but whose result is dropped), and a result is dropped too if what the screen shows
(the case, the call) changed meanwhile. A read that fails shows the failure (ShowsFailures).

*Writes* are never cancelled: not by a later key, not by the screen closing. They run one
at a time, in the order asked (SQLite has one writer), each in its own transaction, and
every one that fails is reported to the officer ("Not saved: … — try again"), by the screen
that asked if it is still there, else by the app. A refusal by the rules is shown as one.

Both return to the UI thread only by message: nothing here touches a widget off it, and the
work given to a job must not either (it gets plain values built on the UI thread).

An action judged on what the screen shows waits (`after_jobs`) for the screen's writes in
flight and the read that follows them: a key pressed straight after ID&V is judged on the
case as the ID&V left it, not on the masked view read before it."""

from __future__ import annotations

import asyncio
import sys
import weakref
from collections.abc import Callable, Hashable
from functools import partial, wraps
from typing import Any, TypeVar

from textual.app import App
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from drp_tui.services.casework import Refused
from drp_tui.services.opening import NotViewed
from screens.dialog import ErrorDialog, ShowsFailures, error_text
from screens.keyorder import KeysFree

T = TypeVar("T")
ActionT = TypeVar("ActionT", bound=Callable[..., None])


class ReadDone(Message, bubble=False):
    def __init__(
        self, result: Any, then: Callable[[Any], None], shown: Hashable, worker: object
    ) -> None:
        super().__init__()
        self.result, self.then, self.shown, self.worker = result, then, shown, worker


class WriteDone(Message, bubble=False):
    def __init__(self, result: Any, then: Callable[[Any], None] | None) -> None:
        super().__init__()
        self.result, self.then = result, then


Says = Callable[[Exception], str]  # what the officer is told of a failure, if not "Not saved"


class WriteFailed(Message, bubble=False):
    def __init__(
        self,
        error: Exception,
        what: str,
        failed: Callable[[], None] | None = None,
        says: Says | None = None,
    ) -> None:
        super().__init__()
        self.error, self.what, self.failed, self.says = error, what, failed, says


class Writer:
    """The app's one writer: write jobs queued in order, each run in a thread when the one
    before it has finished. Held by the app, not a screen, so closing a screen (or the next
    key) cannot cancel a write or lose its result."""

    def __init__(self, app: App[Any]) -> None:
        self.app = weakref.ref(app)  # the app holds its writer (_WRITERS), not the other way
        self.turn = asyncio.Lock()  # first come, first served
        self.running: set[asyncio.Task[None]] = set()

    def submit(
        self,
        screen: Screen[Any],
        work: Callable[[], T],
        then: Callable[[T], None] | None,
        what: str,
        failed: Callable[[], None] | None = None,
        says: Says | None = None,
    ) -> None:
        task = asyncio.create_task(self._run(screen, work, then, what, failed, says))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _run(
        self,
        screen: Screen[Any],
        work: Callable[[], T],
        then: Callable[[T], None] | None,
        what: str,
        failed: Callable[[], None] | None,
        says: Says | None,
    ) -> None:
        async with self.turn:
            try:
                result = await asyncio.get_running_loop().run_in_executor(None, work)
            except Exception as error:
                app = self.app()
                failure = WriteFailed(error, what, failed, says)
                if not screen.post_message(failure) and app is not None:
                    report_failure(app, error, what)  # the screen has closed
                return
            screen.post_message(WriteDone(result, then))  # also says the write is done


_WRITERS: weakref.WeakKeyDictionary[App[Any], Writer] = weakref.WeakKeyDictionary()


def writer(app: App[Any]) -> Writer:
    found = _WRITERS.get(app)
    if found is None:
        found = _WRITERS[app] = Writer(app)
    return found


def writes_running(app: App[Any]) -> list[asyncio.Task[None]]:
    """The app's write jobs not yet finished (queued or running), for tests to wait for."""
    found = _WRITERS.get(app)
    return [] if found is None else list(found.running)


def report_failure(app: App[Any], error: Exception, what: str) -> None:
    """Tell the officer: on screen, or (the app has closed meanwhile) on the terminal."""
    if not app.is_running:
        print(f"drp: not saved: {what} — {error_text(error)}", file=sys.stderr)
        return
    if isinstance(error, Refused):
        app.notify(
            f"{error.message}. Nothing was saved; the attempt is recorded.",
            severity="error",
            timeout=8,
            markup=False,
        )
        return
    if isinstance(error, NotViewed):  # services/opening.py: the case is not shown
        kept = "is recorded as not dialled; the case keeps its place"
        if not error.left:
            kept = "stays open, to be finished at the next start"
        app.push_screen(
            ErrorDialog(
                "Case not shown",
                f"Not shown: the case — the record of its viewing was not saved "
                f"({error_text(error.error)}), and no case is shown unrecorded. Its call "
                f"{kept}. Try again; if it happens again, tell your supervisor.",
            )
        )
        return
    app.push_screen(
        ErrorDialog(
            "Not saved",
            f"Not saved: {what} — {error_text(error)} — try again.\n\nNothing was saved and "
            "nothing is lost: the case is as it was before. If it happens again, tell your "
            "supervisor what you were doing.",
        )
    )


class Pending:
    """A screen's jobs not yet back: its writes, its latest read, and the actions waiting
    for both."""

    def __init__(self) -> None:
        self.writes = 0
        self.read: object | None = None  # the latest read's worker, until its result is in
        self.actions: list[Callable[[], None]] = []

    @property
    def idle(self) -> bool:
        return not self.writes and self.read is None


def after_jobs(action: ActionT) -> ActionT:
    """An action of a RunsJobs screen run once the screen's writes in flight, and the read
    that follows them, are back (at once if none is); dropped if one fails meanwhile, or
    if the screen is no longer on top by then."""

    @wraps(action)
    def waiting(self: RunsJobs, *args: Any, **kwargs: Any) -> None:
        pending = self.pending
        if pending.idle and not pending.actions:
            action(self, *args, **kwargs)
        else:
            pending.actions.append(partial(action, self, *args, **kwargs))

    return waiting  # type: ignore[return-value]


class RunsJobs(ShowsFailures):
    """For a screen that reads and writes through the job runner. `showing()` says what the
    screen shows now (the case, the call): a read's result is used only if it has not
    changed since the read began."""

    def showing(self) -> Hashable:
        return None

    @property
    def pending(self) -> Pending:
        found: Pending | None = self.__dict__.get("_pending")
        if found is None:
            found = self.__dict__["_pending"] = Pending()
        return found

    @property
    def holds_keys(self) -> bool:
        """While an action waits for the jobs, the keys typed after it wait too: they are
        meant for the form it opens (screens/keyorder.py)."""
        return bool(self.pending.actions)

    def _after_jobs(self) -> None:
        """Run the actions that waited, now that nothing is in flight, one at a time while
        this screen is on top (an action that opens a form ends the run: the rest drop)."""
        pending = self.pending
        assert isinstance(self, Screen)
        if not (pending.idle and pending.actions):
            return
        while pending.idle and pending.actions:
            if self.app.screen is not self:
                pending.actions.clear()
                break
            pending.actions.pop(0)()
        self.app.post_message(KeysFree())

    def read(self, work: Callable[[], T], then: Callable[[T], None]) -> None:
        """`work` off the UI thread, replacing this screen's read in progress; `then` on the
        UI thread with its result, unless the screen has moved on."""
        assert isinstance(self, Screen)
        self.pending.read = self.run_worker(
            partial(_read, self, work, then, self.showing()),
            thread=True,
            exclusive=True,
            group="read",
            exit_on_error=False,
        )

    def write(
        self,
        work: Callable[[], T],
        then: Callable[[T], None] | None = None,
        what: str = "",
        failed: Callable[[], None] | None = None,
        says: Says | None = None,
    ) -> None:
        """`work` (one transaction) after the writes before it; `then` on the UI thread with
        its result; a failure is reported whatever happens to this screen meanwhile (and
        `failed` called, if this screen is still there; and, if `says`, what it says shown
        in an error line instead of "Not saved … try again")."""
        assert isinstance(self, Screen)
        self.pending.writes += 1
        writer(self.app).submit(self, work, then, what or "your change", failed, says)

    def jobs_failed(self) -> None:
        """A write or read failed (the officer is told): what waited for it is dropped, and
        so are the keys typed for it."""
        assert isinstance(self, Screen)
        if self.pending.actions:
            self.pending.actions.clear()
            self.app.post_message(KeysFree(drop=True))

    # Handlers by name, not @on: this is a mixin, and Textual collects @on handlers only
    # from its own classes.
    def on_read_done(self, message: ReadDone) -> None:
        if message.worker is self.pending.read:
            self.pending.read = None
        if message.shown == self.showing():
            message.then(message.result)
        self._after_jobs()

    def on_write_done(self, message: WriteDone) -> None:
        if message.then is not None:
            message.then(message.result)  # maybe a read of what was written: waited for too
        self.pending.writes -= 1
        self._after_jobs()

    def on_write_failed(self, message: WriteFailed) -> None:
        assert isinstance(self, Screen)
        self.pending.writes -= 1
        self.jobs_failed()
        if message.failed is not None:
            message.failed()
        if message.says is None:
            report_failure(self.app, message.error, message.what)
        else:
            told = message.says(message.error)
            self.app.notify(told, severity="error", timeout=20, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self.pending.read and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.pending.read = None
            self.jobs_failed()
        super().on_worker_state_changed(event)


def _read(
    screen: Screen[Any], work: Callable[[], T], then: Callable[[T], None], shown: Any
) -> None:
    result = work()
    worker = get_current_worker()
    if not worker.is_cancelled:
        screen.post_message(ReadDone(result, then, shown, worker))
