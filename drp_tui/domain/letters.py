"""Letters, emails and texts from templates a council edits (data/templates/): which template
is in force, whether a channel and the case's holds allow it, and the wording rendered.

Templates are Jinja2 in a sandbox (a council officer edits them, not a developer) with every
name they use required: a template that names a figure the case does not have is refused,
never sent with a blank. The work one rendering may do is bounded too, so no template can hang
the desk or fill its memory: the template lines it runs (loops within loops), the characters it
writes, and the powers and repetitions it asks for."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.domain.holds import ActiveHold
from drp_tui.domain.policy import Dated, RowReader, in_force

CHANNELS = ("letter", "email", "sms")
NEEDS = (
    "arrangement",
    "promise",
    "missed_instalment",
    "broken_arrangement",
)  # what a case must have for a template
MAX_STEPS = 200_000  # template lines one rendering may run (a letter's loops run a few hundred)
MAX_CHARACTERS = 50_000  # what one rendering may write (ten pages are about 30,000)
MAX_EXPONENT = 64


class TooMuch(Exception):
    """A template asked for more work or text than a letter can hold."""


class _BoundedSandbox(SandboxedEnvironment):
    """The sandbox, with `**` and `*` judged before they run: a huge power or repetition
    runs inside Python's C code, where no count of template lines can stop it."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise TooMuch
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(times, int)
                    and len(seq) * times > MAX_CHARACTERS
                ):
                    raise TooMuch
        return super().call_binop(context, operator, left, right)


_ENVIRONMENT = _BoundedSandbox(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)
# Only the globals whose work the bounds above can see: range (the sandbox caps it, and its
# loop runs template lines), dict and the small helpers. Jinja2's lipsum(n=...) runs in Python
# outside the traced lines and before any character is written, so it is not there (a template
# naming it is refused as naming what the case does not have), nor any global a later Jinja2
# adds without our looking at it.
_BOUNDED_GLOBALS = ("range", "dict", "cycler", "joiner", "namespace")
_ENVIRONMENT.globals = {
    name: value for name, value in _ENVIRONMENT.globals.items() if name in _BOUNDED_GLOBALS
}


@dataclass(frozen=True)
class Template:
    dated: Dated
    id: str
    name: str
    version: int
    channels: tuple[str, ...]
    suppressed_by: tuple[str, ...]  # hold kinds under which it is never sent
    needs: tuple[str, ...]
    asks_for_payment: bool  # stopped by every hold that refuses asking for payment
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    template_id: str
    version: int
    subject: str
    body: str


def load_template(doc: Mapping[str, Any], path: str, hold_kinds: Iterable[str]) -> Template:
    """One template file, checked: channels known, holds known, its Jinja2 well formed."""
    reader = RowReader(path, 1, doc, str(doc.get("id", "")))
    known_holds = tuple(hold_kinds)
    template = Template(
        dated=reader.dated(split_by_jurisdiction=False),
        id=reader.text("id"),
        name=reader.text("name"),
        version=reader.whole("version", 1),
        channels=reader.names("channels", CHANNELS),
        suppressed_by=reader.names("suppressed_by", known_holds) if "suppressed_by" in doc else (),
        needs=reader.names("needs", NEEDS) if "needs" in doc else (),
        asks_for_payment=reader.flag("asks_for_payment", True),
        subject=reader.text("subject"),
        body=reader.text("body"),
    )
    for part in (template.subject, template.body):
        try:
            _ENVIRONMENT.parse(part)
        except TemplateError as exc:
            raise PolicyError(path, f"the template does not parse: {exc}") from None
    return template


def template_in_force(templates: Iterable[Template], template_id: str, on: date) -> Template:
    versions = [t for t in templates if t.id == template_id]
    if not versions:
        raise InputError(
            "--template", f"{template_id!r} is not a template (see 'drp letter templates')"
        )
    return in_force(versions, on, table=f"template {template_id}")


PAYMENT_ACTIONS = frozenset({"contact_for_payment", "demand_payment"})


def refusal(template: Template, channel: str, holds: Iterable[ActiveHold]) -> str | None:
    """Why `template` may not go by `channel` on a case with these active holds (None: it
    may). A template that asks for payment goes under no hold that refuses asking (the hold's
    own rule in holds.toml), whatever its `suppressed_by` says; that list only adds holds."""
    if channel not in template.channels:
        return f"{template.name} goes by {', '.join(template.channels)}, not {channel}"
    for hold in holds:
        if hold.kind in template.suppressed_by or (
            template.asks_for_payment and hold.refuses & PAYMENT_ACTIONS
        ):
            return f"{template.name} is not sent while the case has a {hold.name} hold"
    return None


def render(template: Template, context: Mapping[str, Any]) -> Rendered:
    """The template's subject and body with the case's figures; InputError naming the
    template when it uses something the case does not have."""
    try:
        subject = _bounded(template.subject, context)
        body = _bounded(template.body, context)
    except TemplateError as exc:
        raise InputError(
            "--template", f"{template.id} cannot be filled in for this case: {exc}"
        ) from None
    except (TooMuch, OverflowError, RecursionError, MemoryError):  # drp's, the sandbox's
        raise InputError(
            "--template", f"{template.id} asks for more than a letter can hold"
        ) from None
    return Rendered(template.id, template.version, " ".join(subject.split()), body.strip() + "\n")


def _bounded(source: str, context: Mapping[str, Any]) -> str:
    """`source` rendered, stopped (TooMuch) past MAX_STEPS template lines or MAX_CHARACTERS.
    The lines are counted by tracing only the template's own compiled code ("<template>"),
    in this thread, for the length of the rendering; whatever tracer was set is put back."""
    compiled = _ENVIRONMENT.from_string(source)
    steps = 0

    def count(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal steps
        if event == "line":
            steps += 1
            if steps > MAX_STEPS:
                raise TooMuch
        return count

    def enter(frame: FrameType, event: str, arg: object) -> Any:
        return count if frame.f_code.co_filename == "<template>" else None

    written: list[str] = []
    size = 0
    previous = sys.gettrace()
    sys.settrace(enter)
    try:
        for chunk in compiled.generate(dict(context)):
            size += len(chunk)
            if size > MAX_CHARACTERS:
                raise TooMuch
            written.append(chunk)
    finally:
        sys.settrace(previous)
    return "".join(written)
