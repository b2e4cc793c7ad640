"""Issue 19, items 1 and 2: drp acts as the officer mapped to the operating-system login, and
checks the acting officer's authority on every command that changes state or reads other
officers' work.

The team here is the demo portfolio made into a working store: psharma (supervisor), akhan
(officer) and the nightly service login each mapped to a login. A test cannot log in as
another user, so it stands in the login drp reads (`identity.os_login`); everything else is
the real CLI on a real SQLite file.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from drp_tui.cli.main import app
from drp_tui.domain.errors import NotPermitted
from drp_tui.services import identity
from drp_tui.services.login import os_login
from drp_tui.services.policy import PolicyBook
from drp_tui.services.workstation import open_workstation
from drp_tui.settings import load_settings
from drp_tui.store.engine import Store, open_store

runner = CliRunner()
PICKS_ONLY_ON_TRAINING = "may pick who you are only on a training or demo store"


@pytest.fixture
def working(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The demo portfolio as a council's working store, with logins mapped and the nightly
    service login a supervisor named."""
    path = tmp_path / "working.sqlite"
    shutil.copy(demo_template, path)
    store = open_store(path)
    identity.set_store_kind(store, identity.WORKING)
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 0")  # not a store drp demo built, either
    db.execute("UPDATE officer SET login = id WHERE id IN ('psharma', 'akhan', 'jmorgan')")
    db.commit()
    db.close()
    monkeypatch.setenv("DRP_STORE", str(path))
    monkeypatch.delenv("DRP_OFFICER", raising=False)
    monkeypatch.delenv("DRP_NOW", raising=False)
    assert drp(monkeypatch, "psharma", *NIGHTLY).exit_code == 0
    return store


NIGHTLY = (
    "officer", "add", "nightly", "--name", "Nightly jobs", "--role", "service",
    "--login", "drp-batch",
)  # fmt: skip


def drp(monkeypatch: pytest.MonkeyPatch, login: str, *args: str) -> Result:
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return runner.invoke(app, list(args))


def one_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def role_of(store: Store, officer: str) -> str:
    found = sqlite3.connect(store.path).execute("SELECT role FROM officer WHERE id = ?", (officer,))
    return str(found.fetchone()[0])


# --- item 1: identity from the login ------------------------------------------------------


def test_drp_officer_naming_the_supervisor_does_not_approve_a_writeoff(
    working: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = drp(
        monkeypatch, "akhan", "writeoff", "request", "--debt", debt_of(working),
        "--reason", "uneconomic", "--amount", "10", "--note", "costs more to chase",
    )  # fmt: skip
    assert made.exit_code == 0, made.stderr
    listed = json.loads(drp(monkeypatch, "akhan", "writeoff", "list", "--json").stdout)
    request_id = listed["writeoffs"][-1]["id"]
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    forged = drp(monkeypatch, "akhan", "writeoff", "approve", request_id)
    assert forged.exit_code == 1
    assert PICKS_ONLY_ON_TRAINING in one_line(forged)
    assert "DRP_OFFICER" in one_line(forged)
    monkeypatch.delenv("DRP_OFFICER")
    assert drp(monkeypatch, "akhan", "writeoff", "approve", request_id).exit_code == 1
    real = drp(monkeypatch, "psharma", "writeoff", "approve", request_id)
    assert real.exit_code == 0, real.stderr


def debt_of(store: Store) -> str:
    row = (
        sqlite3.connect(store.path)
        .execute(
            "SELECT host_ref FROM debt d WHERE balance > 5000 AND NOT EXISTS (SELECT 1 FROM "
            "placement p WHERE p.debt_id = d.id AND p.status = 'open') ORDER BY host_ref"
        )
        .fetchone()
    )
    return str(row[0])


def test_akhan_cannot_promote_herself(working: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    forged = drp(monkeypatch, "akhan", "officer", "update", "akhan", "--role", "supervisor")
    assert forged.exit_code == 1
    assert PICKS_ONLY_ON_TRAINING in one_line(forged)
    monkeypatch.delenv("DRP_OFFICER")
    herself = drp(monkeypatch, "akhan", "officer", "update", "akhan", "--role", "supervisor")
    assert herself.exit_code == 1
    assert "is for supervisors" in one_line(herself)
    assert role_of(working, "akhan") == "officer"


def test_drp_officer_naming_your_own_officer_is_allowed(
    working: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    mine = drp(monkeypatch, "akhan", "queue", "show", "--json")
    assert mine.exit_code == 0, mine.stderr
    assert json.loads(mine.stdout)["officer"] == "akhan"


@pytest.mark.parametrize(
    ("variable", "value"), [("DRP_TODAY", "2026-11-01"), ("DRP_NOW", "2026-11-01T09:00:00+00:00")]
)
def test_a_pinned_clock_is_refused_on_a_working_store(
    working: Store, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    for args in (("arrangements", "check"), ("queue", "show"), ("writeoff", "list")):
        refused = drp(monkeypatch, "psharma", *args)
        assert refused.exit_code == 1
        assert f"{variable} pins the clock" in one_line(refused)
        assert "unset it" in one_line(refused)


def test_a_pinned_clock_in_the_config_file_is_refused_on_a_working_store(
    working: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "config.toml").write_text('today = "2026-11-01"\n', encoding="utf-8")
    refused = drp(monkeypatch, "psharma", "arrangements", "check")
    assert refused.exit_code == 1
    assert "config.toml: today pins the clock" in one_line(refused)


def test_a_login_mapped_to_nobody_is_refused(
    working: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (("queue", "show"), ("arrangements", "check"), ("writeoff", "list")):
        refused = drp(monkeypatch, "stranger", *args)
        assert refused.exit_code == 1
        assert "mapped to your login 'stranger'" in one_line(refused)
        assert "drp officer update YOUR-ID --login stranger" in one_line(refused)


def test_the_login_is_the_effective_users_not_an_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USER", "psharma")
    monkeypatch.setenv("LOGNAME", "psharma")
    assert os_login() == pwd.getpwuid(os.geteuid()).pw_name


def test_the_first_supervisor_is_mapped_to_the_login_that_creates_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "new.sqlite"))
    other = drp(
        monkeypatch, "psharma", "officer", "add", "psharma", "--name", "Priya Sharma",
        "--role", "supervisor", "--login", "someone",
    )  # fmt: skip
    assert other.exit_code == 1
    assert "mapped to the login creating it ('psharma')" in one_line(other)
    first = drp(
        monkeypatch, "psharma", "officer", "add", "psharma", "--name", "Priya Sharma",
        "--role", "supervisor", "--json",
    )  # fmt: skip
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["login"] == "psharma"
    added = drp(
        monkeypatch, "psharma", "officer", "add", "akhan", "--name", "Aisha Khan",
        "--login", "akhan", "--json",
    )  # fmt: skip
    assert json.loads(added.stdout)["login"] == "akhan"
    taken = drp(monkeypatch, "psharma", "officer", "add", "bk", "--name", "B K", "--login", "akhan")
    assert taken.exit_code == 2
    assert "akhan is already the login of akhan" in one_line(taken)
    moved = drp(monkeypatch, "psharma", "officer", "update", "akhan", "--login", "aisha.k")
    assert moved.exit_code == 0, moved.stderr
    assert drp(monkeypatch, "akhan", "queue", "show").exit_code == 1
    assert drp(monkeypatch, "aisha.k", "queue", "show").exit_code == 0
    own = drp(monkeypatch, "psharma", "officer", "update", "psharma", "--login", "ps")
    assert own.exit_code == 1
    assert "another supervisor" in one_line(own)


def test_a_training_store_lets_drp_officer_and_the_clock_pick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "training.sqlite"))
    made = drp(monkeypatch, "trainer", "db", "init", "--training", "--json")
    assert json.loads(made.stdout)["kind"] == "training"
    again = drp(monkeypatch, "trainer", "db", "init", "--training")
    assert again.exit_code == 2
    assert "already exists" in one_line(again)
    founded = drp(
        monkeypatch, "trainer", "officer", "add", "psharma", "--name", "Priya Sharma",
        "--role", "supervisor",
    )  # fmt: skip
    assert founded.exit_code == 0, founded.stderr
    assert drp(monkeypatch, "trainer", "officer", "add", "akhan", "--name", "A K").exit_code == 0
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    monkeypatch.setenv("DRP_NOW", "2026-11-23T10:30:00+00:00")
    shown = drp(monkeypatch, "trainee", "queue", "show", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["officer"] == "akhan"
    # the store's kind is the store's: a working store stays refused
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "working.sqlite"))
    assert drp(monkeypatch, "trainer", "db", "init").exit_code == 0
    refused = drp(monkeypatch, "trainee", "queue", "show")
    assert refused.exit_code == 1


def test_the_workstation_opens_as_the_login_and_refuses_a_pick_or_a_service(
    working: Store, monkeypatch: pytest.MonkeyPatch, policy: PolicyBook
) -> None:
    monkeypatch.setattr(identity, "os_login", lambda: "akhan")
    desk = open_workstation(load_settings(), working)
    assert desk.officer.id == "akhan"
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    with pytest.raises(NotPermitted, match=PICKS_ONLY_ON_TRAINING):
        open_workstation(load_settings(), working)
    monkeypatch.delenv("DRP_OFFICER")
    monkeypatch.setattr(identity, "os_login", lambda: "drp-batch")
    with pytest.raises(NotPermitted, match="for officers"):
        open_workstation(load_settings(), working)


# --- item 2: authority on every command ---------------------------------------------------

SUPERVISOR_WORK = [
    ("arrangements", "check"),
    ("export", "outcomes"),
    ("export", "arrangements"),
    ("export", "reconciliation"),
    ("queue", "rescore"),
    ("queue", "orphans"),
    ("report", "officers"),
    ("report", "agencies"),
    ("report", "daily"),
    ("queue", "show", "--officer", "jmorgan"),
    ("queue", "allocate", "--dry-run"),
    ("queue", "move", "C0000001", "--to", "akhan", "--reason", "mine now"),
    ("officer", "add", "bk", "--name", "B K"),
    ("officer", "update", "jmorgan", "--role", "supervisor"),
]


@pytest.mark.parametrize("args", SUPERVISOR_WORK, ids=lambda a: " ".join(a[:2]))
def test_an_officer_cannot_run_supervisor_work(
    working: Store, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    refused = drp(monkeypatch, "akhan", *args)
    assert refused.exit_code == 1, refused.output
    line = one_line(refused)
    assert "is for supervisors" in line
    assert line.endswith("Aisha Khan (akhan) is an officer")


def test_imports_are_supervisor_or_nightly_work(
    working: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    remittance = tmp_path / "remit.csv"
    remittance.write_text("debt_ref,amount,paid_on\n", encoding="utf-8")
    for args in (
        ("import", "payments", str(remittance), "--agency", "marlowe"),
        ("import", "cases", str(remittance), "--mapping", "generic", "--dry-run"),
    ):
        refused = drp(monkeypatch, "akhan", *args)
        assert refused.exit_code == 1, refused.output
        assert "is for supervisors or the nightly service login" in one_line(refused)


def test_a_supervisor_runs_the_team_reports_and_exports(
    working: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ("report", "officers"),
        ("export", "outcomes"),
        ("queue", "show", "--officer", "jmorgan"),
    ):
        done = drp(monkeypatch, "psharma", *args)
        assert done.exit_code == 0, done.stderr


def test_the_nightly_service_login_runs_the_batch_jobs_as_itself(
    working: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for args in (
        ("arrangements", "check"),
        ("queue", "rescore"),
        ("export", "outcomes"),
        ("report", "officers", "--format", "json"),
        ("report", "agencies", "--format", "json"),
    ):
        done = drp(monkeypatch, "drp-batch", *args)
        assert done.exit_code == 0, (args, done.stderr)
    kinds = dict(
        sqlite3.connect(working.path)
        .execute(
            "SELECT officer_id, count(*) FROM event WHERE kind LIKE 'arrangement.%' "
            "AND at > '2026-11-30' GROUP BY officer_id"
        )
        .fetchall()
    )
    assert set(kinds) == {"nightly"}
    for command, why in (
        (("writeoff", "approve", "00000000"), "is for officers"),
        (("officer", "add", "bk", "--name", "B K"), "is for supervisors"),
        (("queue", "allocate", "--dry-run"), "is for supervisors"),
        (("queue", "show"), "is for officers"),
    ):
        refused = drp(monkeypatch, "drp-batch", *command)
        assert refused.exit_code == 1, refused.output
        assert why in one_line(refused)
