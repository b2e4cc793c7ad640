"""A council's template cannot make rendering hang or run away (issue 21): the work one
rendering may do is bounded in the Jinja2 sandbox (template lines run, characters written,
powers and repetitions), and a template that asks for more is bad input naming it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from drp_tui.services.letters import templates_dir
from drp_tui.store.engine import Store
from tests.test_letters import drp, letter_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return letter_store(tmp_path)


@pytest.mark.parametrize(
    "asks",
    [
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
        "{% macro m() %}{% for k in range(100000) %}{{ m() }}{% endfor %}{% endmacro %}{{ m() }}",
        "{{ 10 ** 100000000 }}",
        "{{ 'x' * 100000000 }}",
        "{{ (range(100000)|list) * 100000 }}",
    ],
    ids=["nested-loops", "nested-output", "recursion", "power", "repeat", "list-repeat"],
)
def test_a_template_that_asks_too_much_is_refused_not_run(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, asks: str
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(None), folder)
    page = folder / "pay_online.toml"
    page.write_text(
        page.read_text(encoding="utf-8").replace('body = """', f'body = """\n{asks}', 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    code, out = drp(
        store, monkeypatch, "letter", "render", "--case", "C1", "--template", "pay_online"
    )
    assert code == 2, out
    assert "pay_online asks for more than a letter can hold" in out


def test_the_councils_own_templates_render_within_the_bounds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "letter", "render", "--case", "C1", "--template",
        "arrangement_confirmation",
    )  # fmt: skip
    assert code == 0, out
    assert "3. " in out
