"""A throwaway PostgreSQL cluster for the hub tests: the machine's own `initdb` and `pg_ctl`,
a free port on loopback, a temporary folder, password authentication over TCP (so a wrong
password is really refused), run as the `postgres` user when the tests run as root."""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

USER = "drp_hub"
PASSWORD = "s3cret-hub-pw"  # only ever a throwaway cluster's


def _program(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        raise RuntimeError(f"{name} is not installed (PostgreSQL server programs)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresCluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="drp-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        self.passfile = self.root / "pgpass"
        self._hub_template: str | None = None

    def _run(self, *command: str) -> None:
        if self._as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {(done.stderr or done.stdout).strip()}")

    def start(self) -> None:
        self.passfile.write_text("")
        self.passfile.chmod(0o600)
        self.write_passfile(USER, PASSWORD)
        # This process and every drp it starts (they inherit the environment) read it.
        os.environ["PGPASSFILE"] = str(self.passfile)
        password_file = self.root / "password"
        password_file.write_text(PASSWORD)
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
            shutil.chown(password_file, "postgres")
        self._run(
            _program("initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            f"--pwfile={password_file}",
            "--auth-host=scram-sha-256",
            "--auth-local=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            _program("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )

    def url(self, database: str, *, host: str = "127.0.0.1", user: str = USER) -> str:
        """The address a desk is given: no password in it (drp refuses one); libpq reads it
        from the password file `start` writes and names in PGPASSFILE."""
        return f"postgresql://{user}@{host}:{self.port}/{database}"

    def write_passfile(self, user: str, password: str) -> None:
        """Add (or replace) `user`'s line in the cluster's password file."""
        lines = [
            line
            for line in self.passfile.read_text().splitlines()
            if line.split(":")[3:4] != [user]
        ]
        lines.append(f"127.0.0.1:{self.port}:*:{user}:{password}")
        self.passfile.write_text("\n".join(lines) + "\n")

    def new_hub(self) -> str:
        """A new database holding an empty hub at the newest revision. It is a copy of one
        migrated once for the cluster: migrating each test's hub took seconds of the run."""
        if self._hub_template is None:
            from drp_tui.sync.hub import hub_url, init_hub

            template = self.new_database()
            hub, _ = init_hub(hub_url(self.url(template)))
            hub.engine.dispose()  # a database is copied only when nobody is connected to it
            self._hub_template = template
        name = f"hub{next(self._names)}"
        with self.owner("postgres") as connection:
            connection.execute(f"CREATE DATABASE {name} TEMPLATE {self._hub_template}")
        return name

    def owner(self, database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url(database), autocommit=True)

    def new_database(self) -> str:
        name = f"hub{next(self._names)}"
        with self.owner("postgres") as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        try:
            self._run(_program("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            # A session makes hundreds of hub databases, each about a thousand files: deleting
            # them took 10 to 45 s at the end of every test run. Nothing waits for the folder,
            # so it is deleted by a process of its own that outlives the tests.
            subprocess.Popen(
                ["rm", "-rf", "--", str(self.root)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
