"""Where opening the affordability form goes: the real app in-process (Pilot, headless, 120x40)
on a copy of a demo store, the first case opened and its ID&V passed, then `a` pressed and
Esc pressed a number of times, each open profiled (cProfile) and timed until the form is
mounted and drawn. Prints the wall time of each open and the functions with the most time.

    .venv/bin/python -m bench.profile_screens STORE [OPENS]
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


async def _idle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def profile(store_path: Path, opens: int) -> list[tuple[float, str]]:
    from textual.widgets import Checkbox

    from drp_tui.app import create_app
    from drp_tui.settings import Settings
    from screens.affordability import AffordabilityScreen
    from screens.debtor import DebtorScreen

    home = Path(tempfile.mkdtemp())
    settings = Settings(
        store=store_path, officer="jmorgan", now=NOW, data_home=home, cursor_blink=False
    )
    app = create_app(settings)
    found: list[tuple[float, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while not getattr(app.screen, "entries", None):
            await pilot.pause(0.05)
        await pilot.press("enter")
        while not isinstance(app.screen, DebtorScreen) or app.screen.view is None:
            await pilot.pause(0.05)
        await _idle(pilot)
        await pilot.press("i")
        await _idle(pilot)
        boxes = list(app.screen.query(Checkbox))
        for box in boxes[:2]:
            box.value = True
        await pilot.click("#record")
        await _idle(pilot)
        for number in range(opens):
            profiler = cProfile.Profile()
            started = time.perf_counter()
            if number % 2 == 0:  # every other open unprofiled: its plain wall time
                profiler.enable()
            await app.screen.run_action("affordability")  # what `a` runs
            while not isinstance(app.screen, AffordabilityScreen):
                await asyncio.sleep(0)
            drawn = asyncio.Event()
            app.screen.call_after_refresh(drawn.set)  # once the form has been drawn
            await drawn.wait()
            seconds = time.perf_counter() - started
            out = io.StringIO()
            if number % 2 == 0:
                profiler.disable()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(12)
            found.append((seconds, out.getvalue()))
            await pilot.press("escape")
            await _idle(pilot)
    return found


def main() -> None:
    source = Path(sys.argv[1])
    opens = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store.sqlite"
        shutil.copy(source, copy)
        results = asyncio.run(profile(copy, opens))
    for number, (seconds, _) in enumerate(results, start=1):
        how = "under cProfile" if number % 2 else "plain"
        print(f"open {number}: {seconds * 1000:.0f} ms ({how})")
    print(results[-1 if len(results) % 2 else -2][1])  # the last profiled


if __name__ == "__main__":
    main()
