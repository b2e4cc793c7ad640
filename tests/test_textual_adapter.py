"""drp uses Textual's public API, except in one module (screens/widgets.py), whose hooks
were checked on one Textual major version: on any other this fails, naming what to look at."""

from __future__ import annotations

import ast
from pathlib import Path

from screens.widgets import check_textual

REPO = Path(__file__).resolve().parent.parent
ADAPTER = REPO / "screens" / "widgets.py"


def test_the_textual_internals_drp_adapts_are_where_they_were() -> None:
    assert check_textual() == []


def test_no_other_module_reaches_into_textual_internals() -> None:
    """No `textual._x` import and no `._name` on a Textual object outside the adapter: a
    private name is looked for as an attribute of app, pilot, driver or a widget."""
    found = []
    for folder in ("drp_tui", "screens", "tests", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if path == ADAPTER:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ImportFrom)
                    and node.module
                    and "textual._" in (node.module + ".").replace("textual.widgets._", "textual._")
                ):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.module}")
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in PRIVATE
                    and not (isinstance(node.value, ast.Name) and node.value.id == "self")
                ):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno} .{node.attr}")
    assert found == []


PRIVATE = {
    "_css_update_count",
    "_options",
    "_driver",
    "_wait_for_screen",
    "_on_timer_update",
    "_message_queue",
}
