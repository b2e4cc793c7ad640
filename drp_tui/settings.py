"""Settings: `DRP_*` environment variables over a TOML config file over defaults.

The config file is `config.toml` in the platform's config folder for drp, or wherever
`DRP_CONFIG` points. Nothing is read or created at import time: call `load_settings()`.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import platformdirs
from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from drp_tui.domain.errors import InputError

APP_NAME = "drp"
LONDON = ZoneInfo("Europe/London")


def default_config_path() -> Path:
    override = os.environ.get("DRP_CONFIG")
    if override:
        return Path(override)
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRP_", extra="ignore")

    store: Path | None = Field(
        default=None, description="the officer's local SQLite store (default: in data_home)"
    )
    officer: str | None = Field(default=None, description="who is using drp (an officer id)")
    hub_url: str | None = Field(
        default=None,
        description="the team hub for drp sync: a postgresql:// URL or a SQLite file path",
    )
    policy_dir: Path | None = Field(
        default=None, description="a council's own policy tables, in place of the shipped ones"
    )
    templates_dir: Path | None = Field(
        default=None, description="a council's own letter templates, in place of the shipped ones"
    )
    smtp_url: str | None = Field(
        default=None,
        description="where email goes: smtp://user@host:587 (STARTTLS) or smtps://user@host:465; "
        "the password from DRP_SMTP_PASSWORD or the file DRP_SMTP_PASSWORD_FILE, never the URL",
    )
    data_home: Path = Field(
        default_factory=lambda: platformdirs.user_data_path(APP_NAME),
        description="where drp keeps its files (loaded SFS guidelines, later the store)",
    )
    keymap: dict[str, str] = Field(
        default_factory=dict,
        description='keys by binding id, e.g. {"debtor.idv" = "v"} (see F1 for the ids)',
    )
    today: date | None = Field(
        default=None, description="pin today's date (demos, training and tests)"
    )
    now: datetime | None = Field(
        default=None, description="pin the clock, with a timezone (demos, training and tests)"
    )
    cursor_blink: bool = Field(
        default=True,
        description="blink the cursor in a text field (off: a steady cursor; tests turn it off)",
    )

    @property
    def store_path(self) -> Path:
        return self.store or self.data_home / "drp.sqlite"

    @property
    def guidelines_path(self) -> Path:
        """Where `drp policy load-guidelines` puts the council's licensed SFS table."""
        return self.data_home / "sfs-guidelines.toml"

    def current_date(self) -> date:
        if self.now is not None:
            return self.current_time().astimezone(LONDON).date()
        return self.today or date.today()

    def current_time(self) -> datetime:
        if self.now is None:
            return datetime.now(UTC)
        if self.now.tzinfo is None:
            return self.now.replace(tzinfo=LONDON)
        return self.now

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=default_config_path())
        return init_settings, env_settings, toml


def load_settings() -> Settings:
    """The settings, or one `InputError` naming the environment variable, or the config file
    and its line or setting, that is wrong (exit 2 at the command line)."""
    import tomllib

    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    try:
        settings = Settings()
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(default_config_path()), _toml_problem(str(exc))) from None
    except UnicodeDecodeError:
        raise InputError(
            str(default_config_path()), "is not UTF-8 text: save it as UTF-8"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        given = first.get("input")
        shown = f"{given!r} " if isinstance(given, str | int | float | bool) else ""
        problem = f"{shown}is not valid: {first['msg'][:1].lower()}{first['msg'][1:]}"
        raise InputError(_where(name), problem) from None
    except SettingsError as exc:
        found = re.search(r'field "([^"]+)"', str(exc))
        name = found.group(1) if found else "settings"
        raise InputError(
            _where(name), 'is not valid JSON; write it like {"debtor.idv": "v"}'
        ) from None
    close_up(settings.data_home)
    return settings


def close_up(folder: Path) -> None:
    """drp's data folder is the user's alone (0700): one an earlier drp made open to others
    (0755, issue 20) is closed up the next time drp runs. Only a folder of the user's own."""
    import stat

    try:
        found = folder.stat()
    except OSError:
        return  # not made yet: drp makes it 0700 (store/engine.py private_file)
    if (
        stat.S_ISDIR(found.st_mode)
        and found.st_uid == os.getuid()
        and stat.S_IMODE(found.st_mode) & 0o077
    ):
        folder.chmod(0o700)


def _where(name: str) -> str:
    """The environment variable if it is set, otherwise the config file and setting."""
    variable = f"DRP_{name.upper()}"
    if variable in os.environ:
        return variable
    return f"{default_config_path()}: {name}"


def _toml_problem(message: str) -> str:
    found = re.search(r"^(.*) \(at line (\d+), column (\d+)\)$", message)
    if found is None:
        return f"is not valid TOML ({message})"
    what, line, column = found.groups()
    return f"line {line}, column {column}: {what[:1].lower()}{what[1:]} (not valid TOML)"
