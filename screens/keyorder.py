"""Keys applied one at a time, in the order typed, whatever the load.

Textual routes a key to the widget focused when the key is *taken from the app's queue*,
by posting it to that widget's own queue; the key then bubbles up to the screen and the app,
and only there do bindings run, Tab's move to the next field among them. When keys arrive
together (a terminal hands a pasted or fast-typed string, or `tmux send-keys`, over in one
read; or the machine is busy and they pile up), the app routes all of them before the first
Tab has bubbled up: `1450 Tab Tab 350` put `1450350` in the first field and moved focus on
twice after. Likewise keys typed just after the key that opens a form reached the old screen,
or no field, before the form was up.

So the app holds a key back until the one before it has been handled all the way: its trip
down to the focused widget and back up through the bindings (a `KeyHandled` marker posted
behind it, which reaches the app only after the key has), and then until the screen on top
is idle (a new form mounted, its first field focused). The next key is then routed to the
field focused at that moment.

A screen may hold the keys longer (`holds_keys`): the debtor screen does while a form it
was asked for waits for a save in flight, so the figures typed after `a` go into the form,
not onto the debtor screen. It says `KeysFree` when the form is up, or will not open. A key
it takes at once (`takes_at_once`: Esc and / on the case just finished while the next case
opens, for that case, not the next) goes even then, if no key typed before it waits. The
app's own priority keys (Ctrl+Q) wait only for the key typed just before them (Enter on
Save, then Ctrl+Q: the outcome is saved, then drp quits). Esc and a character read as one
Alt+character (how a terminal sends Alt) are taken as the two keys typed."""

from __future__ import annotations

from collections import deque
from functools import partial

from textual import events
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

STUCK_SECONDS = 1.0  # a marker lost with a widget removed under it: never hold the keyboard
# The app's own priority keys (Ctrl+Q): they act at once, whatever is held.
QUIT_KEYS = frozenset(
    key for b in App.BINDINGS if isinstance(b, Binding) and b.priority for key in b.key.split(",")
)
HELD_SECONDS = 30.0  # longer than two saves each waiting for the store (BUSY_TIMEOUT_MS)


def typed_after_esc(key: events.Key) -> bool:
    """An Alt+letter or Alt+digit key: how a terminal reads Esc followed at once by it (a
    letter's or digit's key is named by the character itself, so it can be made again)."""
    character = key.character or ""
    return (
        key.key == f"alt+{character}" and len(character) == 1 and character.isascii()
        and character.isalnum()
    )  # fmt: skip


class KeyHandled(Message):
    """Follows a key from the widget it was routed to up to the app: twice, so what the key
    posted on the way (Enter in a field: Input.Submitted, and the dialog closing on it) is
    handled before the next key goes (every message bubbles along the same queues)."""

    def __init__(self, key: events.Key, again: bool = True) -> None:
        super().__init__()
        self.key = key
        self.again = again


class KeysFree(Message):
    """The screen that held the keys back (`holds_keys`) has done what they waited for; if
    `drop`, it will not (a save failed): the keys typed for it are dropped, not sent on."""

    def __init__(self, drop: bool = False) -> None:
        super().__init__()
        self.drop = drop


class KeysInOrder(App[None]):
    """An app whose keys from the terminal are handled strictly one after another."""

    def __init__(self) -> None:
        super().__init__()
        self._key_in_hand: events.Key | None = None
        self._keys_waiting: deque[events.Key] = deque()
        self._stuck: Timer | None = None
        self._screen_of_key: object | None = None  # the screen on top when the key went
        self._held: events.Key | None = None  # the key in hand, handled, held by the screen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded and typed_after_esc(event):
            # A terminal sends Alt+R as Esc then r, so Esc and r typed fast, or read together
            # on a busy machine, arrive as one Alt+R. drp binds no Alt+letter: they are the
            # two keys the officer typed (leave the builder, open it again).
            typed = str(event.character)
            for key in (events.Key("escape", "\x1b"), events.Key(typed, typed)):
                await self.on_event(key)
            return
        if isinstance(event, events.Key) and not event.is_forwarded and event.key in QUIT_KEYS:
            await self._quit_key(event)
            return
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if self._key_in_hand is not None and event is not self._key_in_hand:
            if not (self._key_in_hand is self._held and self._goes_first(event)):
                self._keys_waiting.append(event)  # its turn comes when the one in hand is done
                return
            self._release(self._key_in_hand)  # done, held only for the screen: this one goes
        if self._key_in_hand is None and self._screen_holds_keys() and not self._goes_first(event):
            # No key in hand (the last thing done was a click), but the screen holds the keys:
            # this one is for what it waits for (the next case), as keys behind one would be.
            self._keys_waiting.append(event)
            self._stop_timer()
            self._stuck = self.set_timer(HELD_SECONDS, self._next_waiting)
            return
        self._key_in_hand = event
        await super().on_event(event)  # routed to the focused widget, or a priority binding
        try:
            target = self.focused or self.screen
            self._screen_of_key = self.screen
        except ScreenStackError:  # the app is closing
            return
        target.post_message(KeyHandled(event))
        self._stuck = self.set_timer(STUCK_SECONDS, partial(self._release, event))

    async def _quit_key(self, key: events.Key) -> None:
        """Quitting never waits behind keys held for a form, but the key typed just before it
        goes first: Enter on Save then Ctrl+Q saves the outcome, then quits."""
        in_hand = self._key_in_hand
        if in_hand is not None and in_hand is not key and in_hand is not self._held:
            self._keys_waiting.appendleft(key)  # next, ahead of any key held (_goes_first)
            return
        await super().on_event(key)
        if key is self._key_in_hand:
            self._release(key)

    def on_key_handled(self, message: KeyHandled) -> None:
        """The key has been through the bindings: once the screen on top (maybe one the
        key opened) has caught up, the next key goes."""
        if message.key is not self._key_in_hand:
            return
        if message.again:
            try:
                target = self.focused or self.screen
            except ScreenStackError:
                self._release(message.key)
                return
            target.post_message(KeyHandled(message.key, again=False))
            return
        self._after_refresh(message.key)

    def on_keys_free(self, message: KeysFree) -> None:
        if message.drop:
            self._keys_waiting.clear()
        if self._key_in_hand is not None:
            self._after_refresh(self._key_in_hand)
        elif self._keys_waiting:
            self._after_refresh_waiting()

    def _screen_holds_keys(self) -> bool:
        try:
            return bool(getattr(self.screen, "holds_keys", False))
        except ScreenStackError:  # the app is closing
            return False

    def _after_refresh_waiting(self) -> None:
        try:
            self.screen.call_after_refresh(self._release_waiting)
        except ScreenStackError:
            self._next_waiting()

    def _release_waiting(self) -> None:
        """Keys held with none in hand: the first goes once the screen no longer holds."""
        waiting = self._keys_waiting
        if (
            self._key_in_hand is None
            and waiting
            and (not self._screen_holds_keys() or self._goes_first(waiting[0]))
        ):
            self._next_waiting()

    def _goes_first(self, key: events.Key) -> bool:
        """The screen holds the keys but takes this one at once, nothing typed before it
        waiting (the case screen: Esc and / while the next case opens are for the case just
        finished), or a quit key (it waited only for the key typed before it)."""
        if self._keys_waiting and key is not self._keys_waiting[0]:
            return False
        if key.key in QUIT_KEYS:
            return True
        try:
            takes = getattr(self.screen, "takes_at_once", None)
        except ScreenStackError:  # the app is closing
            return False
        return takes is not None and bool(takes(key.key))

    def _next_waiting(self) -> None:
        self._stop_timer()
        if self._key_in_hand is None and self._keys_waiting:
            self._key_in_hand = self._keys_waiting.popleft()
            self.post_message(self._key_in_hand)

    def _after_refresh(self, key: events.Key) -> None:
        try:
            self.screen.call_after_refresh(self._release_unless_held, key)
        except ScreenStackError:
            self._release(key)

    def _release_unless_held(self, key: events.Key) -> None:
        if key is not self._key_in_hand:
            return
        try:
            screen = self.screen
        except ScreenStackError:  # the app is closing
            self._release(key)
            return
        if screen is not self._screen_of_key:
            # The key closed a dialog (or opened a screen): what the dialog's result starts
            # on the screen under it (a case opening, which holds the keys) is a message
            # already in that screen's queue. Once more through it, then judge.
            self._screen_of_key = screen
            screen.post_message(KeyHandled(key, again=False))
            return
        if getattr(screen, "holds_keys", False):
            if self._keys_waiting and self._goes_first(self._keys_waiting[0]):
                self._release(key)  # the next key typed is taken at once: it goes now
                return
            self._held = key
            self._stop_timer()
            self._stuck = self.set_timer(HELD_SECONDS, partial(self._release, key))
            return
        self._release(key)

    def _stop_timer(self) -> None:
        if self._stuck is not None:
            self._stuck.stop()
            self._stuck = None

    def _release(self, key: events.Key) -> None:
        if key is not self._key_in_hand:
            return  # released already (the marker came back after the timer gave up)
        self._stop_timer()
        self._key_in_hand = self._held = None
        self._next_waiting()

    @property
    def keys_pending(self) -> int:
        """Keys typed and not yet handled (the one in hand and those waiting)."""
        return len(self._keys_waiting) + (self._key_in_hand is not None)

    @property
    def keys_held(self) -> bool:
        """Keys typed wait for what the screen on top is doing (a save, the next case)."""
        return bool(self.keys_pending) and self._screen_holds_keys()
