"""Keys: remapped from settings by binding id, listed in F1 help, and every screen action
reachable from the command palette (Ctrl+P)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.color import Color
from textual.command import CommandPalette
from textual.widgets import Static

from drp_tui.domain.errors import InputError
from drp_tui.store.engine import Store
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from screens.help import HelpScreen
from screens.idv import IdvModal
from tests.tui import app_for, open_first_case, pass_idv, settle


def test_a_key_remapped_in_settings_replaces_the_default(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path, keymap={"debtor.idv": "v"})
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, DebtorScreen)  # i no longer opens ID&V
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, IdvModal)
            await pilot.press("escape")
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one(Static).render())
            assert "v ID&V" in text
            assert "debtor.idv" in text  # the ids a keymap may use are listed
            assert str(tmp_path / "config.toml") in text  # which file
            assert "[keymap]" in text  # and which table in it

    asyncio.run(run())


def test_an_unknown_binding_id_is_a_clear_error(demo_store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"'debtor\.fly' is not a binding id; use one of"):
        app_for(demo_store, tmp_path, keymap={"debtor.fly": "x"})


def test_the_command_palette_runs_the_current_screens_actions(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            await pass_idv(pilot)
            titles = [c.title for c in app.get_system_commands(debtor)]
            for action in ("ID&V", "Affordability", "Arrangement", "Outcome", "Refer", "Help"):
                assert action in titles
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"arrangement")
            await settle(pilot)  # the palette's search is a worker: done, its hits listed
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ArrangementModal)

    asyncio.run(run())


def test_the_keymap_comes_from_the_config_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drp_tui.settings import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"debtor.idv" = "v"\n', encoding="utf-8")
    monkeypatch.setenv("DRP_CONFIG", str(config))
    assert load_settings().keymap == {"debtor.idv": "v"}
    monkeypatch.setenv("DRP_KEYMAP", '{"queue.filter": "ctrl+f"}')
    assert load_settings().keymap == {"debtor.idv": "v", "queue.filter": "ctrl+f"}  # merged


def test_the_theme_is_changed_from_the_command_palette_and_kept_screens_show_it(
    demo_store: Store, tmp_path: Path
) -> None:
    """Ctrl+P, "theme": the themes listed (Textual's own), one chosen; the case screen, kept
    from the last case, shows it when it comes back for the next."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            dark = debtor.query_one("#case-header").styles.background
            await pilot.press("escape")  # back to the queue: the case screen is put away
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"theme")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CommandPalette)  # now the themes
            await pilot.press(*"textual-light")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.theme == "textual-light"
            assert await open_first_case(pilot) is debtor  # the same screen, kept
            light = debtor.query_one("#case-header").styles.background
            assert light != dark
            assert light == Color.parse(app.current_theme.primary)

    asyncio.run(run())


def test_help_says_what_ctrl_p_offers() -> None:
    """Ctrl+P lists the screen's actions, and the theme chooser too (app.py): F1 says both."""
    from screens.help import help_text

    first = help_text({}).splitlines()[0]
    assert "Ctrl+P the current screen's actions and the colour theme" in first
