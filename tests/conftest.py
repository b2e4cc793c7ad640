from __future__ import annotations

from pathlib import Path

import pytest

from drp_tui.services.policy import PolicyBook, data_dir, load_policy

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def policy() -> PolicyBook:
    """The shipped policy tables, loaded and validated once."""
    return load_policy(data_dir() / "policy")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config or data folder."""
    monkeypatch.setenv("DRP_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DRP_DATA_HOME", str(tmp_path / "data-home"))
    for name in ("DRP_POLICY_DIR", "DRP_TODAY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
