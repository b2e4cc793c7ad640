"""Timing two versions of drp back to back: this checkout and an earlier commit (the
baseline), each run in its own process, one run of one and then one of the other, so a
shared, loaded machine weighs on both alike.

The earlier commit's `drp_tui` and `data` are taken out of git into a temporary folder; the
benchmark's own code (this `bench` package) is the same for both, and calls only what both
versions have (`import_cases`, `allocate_cases`, `performance`, `open_store`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
_CHECKOUTS: dict[str, Path] = {}


def checkout(revision: str) -> Path:
    """The package and data of `revision`, in a temporary folder (made once per run)."""
    if revision not in _CHECKOUTS:
        archive = subprocess.run(
            ["git", "archive", revision, "drp_tui", "data"],
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout
        folder = Path(tempfile.mkdtemp(prefix=f"drp-{revision[:12]}-"))
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        _CHECKOUTS[revision] = folder
    return _CHECKOUTS[revision]


def describe(revision: str) -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%h (%cs)", revision],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def call(revision: str | None, function: str, *args: Any) -> Any:
    """`bench.<module>.<name>(*args)` in a fresh process running drp at `revision` (None: this
    checkout); what it returns, through JSON."""
    module, name = function.rsplit(".", 1)
    source = REPO if revision is None else checkout(revision)
    # The version's drp_tui first on the path, then this checkout for the bench package; run
    # from the version's folder so Python's own first path entry does not shadow it.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), str(REPO)])}
    script = (
        "import json, sys\n"
        f"import drp_tui, {module} as m\n"
        f"assert drp_tui.__file__.startswith({str(source)!r}), drp_tui.__file__\n"
        f"print('\\n' + json.dumps(m.{name}(*json.loads(sys.argv[1]))))\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            json.dumps([str(a) if isinstance(a, Path) else a for a in args]),
        ],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{function} at {revision or 'this checkout'} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_p95(values: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank) of `values`."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return median, ordered[rank - 1]
