"""Bad settings and options are bad input (issue 18, finding 9): exit 2 and one line naming the
option, setting or file and line; never a traceback or "unexpected error"."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app

runner = CliRunner()


def _one_line(args: list[str]) -> str:
    done = runner.invoke(app, args)
    said = (done.stdout + done.stderr).strip()
    assert done.exit_code == 2, said
    assert "unexpected error" not in said
    assert "Traceback" not in said
    assert len(said.splitlines()) == 1, said
    return said


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("DRP_TODAY", "2026-02-31", "drp: DRP_TODAY: "),
        ("DRP_NOW", "yesterday", "drp: DRP_NOW: "),
        ("DRP_KEYMAP", "notjson", "drp: DRP_KEYMAP: "),
        ("DRP_CURSOR_BLINK", "sometimes", "drp: DRP_CURSOR_BLINK: "),
    ],
)
def test_a_bad_environment_setting_names_itself(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    assert _one_line(["queue", "show"]).startswith(says)


def test_a_broken_config_file_names_the_file_and_line(
    isolated_settings: Path,
) -> None:
    config = isolated_settings / "config.toml"
    config.write_text('officer = "asmith"\nstore = "x\n')
    said = _one_line(["queue", "show"])
    assert said.startswith(f"drp: {config}: line 2")


def test_a_bad_value_in_the_config_file_names_the_file_and_setting(
    isolated_settings: Path,
) -> None:
    config = isolated_settings / "config.toml"
    config.write_text('today = "2026-02-31"\n')
    said = _one_line(["queue", "show"])
    assert said.startswith(f"drp: {config}: today: ")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://u@localhost:99999/db", "port"),
        ("postgresql://u@localhost:abc/db", "port"),
        ("postgresql://u@localhost/db?sslmode=bogus", "sslmode"),
    ],
)
def test_a_bad_hub_url_is_bad_input(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str, says: str
) -> None:
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "drp.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    said = _one_line(["hub", "status", "--hub", url])
    assert said.startswith("drp: --hub: ")
    assert says in said
    monkeypatch.setenv("DRP_HUB_URL", url)
    assert says in _one_line(["hub", "status"])
