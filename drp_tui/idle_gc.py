"""Full garbage collections when the officer is not typing.

CPython's oldest-generation collection walks every object it tracks. With a loaded queue
and Textual's render caches that is 80 ms or more, and it falls wherever allocation
happens to tip it: usually in the middle of opening a case or drawing a keypress. The
workstation moves it to moments nobody is waiting: the automatic full collection is pushed
far out, and the app's timer collects once no key has been pressed for a second and the
loop has not been busy meanwhile. The first idle collection also freezes what is alive then
(modules, the app, its first screen), so later full collections never walk it again; frozen
objects are still freed by reference counting. If the officer never pauses, the pushed-out
threshold still collects, so memory stays bounded.

Thresholds and the frozen set are process-wide, so `stop` puts them back (tests run many
apps in one process)."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

IDLE_SECONDS = 1.0
TICK_SECONDS = 0.5  # how often the app asks
# A tick this much later than asked for means the loop was busy (building a screen, say).
LATE_SECONDS = 0.25
# Young collections before CPython forces a full one itself; its default is 10.
FORCED_FULL_AFTER = 200
# Young collections since the last full one that make an idle collection worth doing.
IDLE_FULL_AFTER = 5


@dataclass
class IdleCollector:
    last_activity: float = 0.0
    last_tick: float = 0.0
    frozen: bool = False
    collections: int = 0
    _saved_threshold: tuple[int, int, int] | None = field(default=None, repr=False)

    def start(self, now: float) -> None:
        self.last_activity = self.last_tick = now
        self._saved_threshold = gc.get_threshold()
        young, middle, _ = self._saved_threshold
        gc.set_threshold(young, middle, FORCED_FULL_AFTER)

    def stop(self) -> None:
        if self._saved_threshold is not None:
            gc.set_threshold(*self._saved_threshold)
            self._saved_threshold = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def activity(self, now: float) -> None:
        """A key was pressed, or something arrived that the officer is waiting to see."""
        self.last_activity = now

    def tick(self, now: float) -> bool:
        """Collect if the officer has been idle long enough and there is work; say if it
        did. Not after a late tick: no key pressed is not idle if the loop was busy."""
        late = now - self.last_tick > TICK_SECONDS + LATE_SECONDS
        self.last_tick = now
        if late:
            self.activity(now)
        if now - self.last_activity < IDLE_SECONDS:
            return False
        if self.frozen and gc.get_count()[2] < IDLE_FULL_AFTER:
            return False
        gc.collect()
        if not self.frozen:
            gc.freeze()
            self.frozen = True
        self.collections += 1
        return True
