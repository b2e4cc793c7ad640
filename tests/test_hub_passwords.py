"""The hub password is never in argv (issue 19, item 5): a hub address with a password in it is
refused, wherever it comes from, with one line saying what to do instead; the password comes
from a libpq password file or a service file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.sync.hub import connect, hub_url
from tests.postgres import PASSWORD, USER, PostgresCluster

runner = CliRunner()
SECRET = "hunter2-not-here"
ADDRESS = f"postgresql://drp:{SECRET}@db.council.local/drp_hub"


def _refused(args: list[str]) -> str:
    done = runner.invoke(app, args)
    said = (done.stdout + done.stderr).strip()
    assert done.exit_code == 2, said
    assert len(said.splitlines()) == 1, said
    assert SECRET not in said
    return said


@pytest.mark.parametrize("where", ["--hub", "DRP_HUB_URL", "config"])
def test_a_password_in_the_hub_address_is_refused_saying_what_to_do_instead(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path, where: str
) -> None:
    monkeypatch.setenv("DRP_STORE", str(isolated_settings / "drp.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    args = ["hub", "status"]
    if where == "--hub":
        args += ["--hub", ADDRESS]
    elif where == "DRP_HUB_URL":
        monkeypatch.setenv("DRP_HUB_URL", ADDRESS)
    else:
        (isolated_settings / "config.toml").write_text(f'hub_url = "{ADDRESS}"\n')
    said = _refused(args)
    assert said.startswith("drp: --hub: ")
    for advice in ("password file", "~/.pgpass", "PGPASSFILE", "PGSERVICEFILE", "service="):
        assert advice in said


def test_the_sync_and_a_supervisors_hub_option_refuse_it_too(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: Path
) -> None:
    monkeypatch.setenv("DRP_STORE", str(isolated_settings / "drp.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    _refused(["sync", "--hub", ADDRESS])
    _refused(["queue", "orphans", "--hub", ADDRESS])


def test_the_password_comes_from_a_password_file_or_a_service_file(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = postgres.new_database()
    # The fixture's password file (PGPASSFILE) supplies it for an address without one.
    connect(hub_url(postgres.url(database)), check_schema=False).engine.dispose()

    services = tmp_path / "pg_service.conf"
    services.write_text(
        f"[drp]\nhost=127.0.0.1\nport={postgres.port}\ndbname={database}\nuser={USER}\n"
    )
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    connect(hub_url("postgresql:///?service=drp"), check_schema=False).engine.dispose()

    wrong = tmp_path / "wrong.pgpass"
    wrong.write_text(f"*:*:*:{USER}:not-{PASSWORD}\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(wrong))
    with pytest.raises(Exception, match="password authentication failed"):
        connect(hub_url(postgres.url(database)), check_schema=False)
