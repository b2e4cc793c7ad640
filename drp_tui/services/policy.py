"""Finding, reading and validating the policy tables."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from drp_tui.domain.affordability import (
    FigureCheck,
    GuidelineTable,
    SavingsRule,
    load_figure_checks,
    load_guidelines,
    load_savings_rule,
)
from drp_tui.domain.appointments import OfficeHours, load_office_hours
from drp_tui.domain.attachment import CtaeoPolicy, DeaPolicy, load_ctaeo, load_dea
from drp_tui.domain.benefits import BenefitPolicy, load_benefits
from drp_tui.domain.complaints import ComplaintPolicy, load_complaints
from drp_tui.domain.contact import ContactPolicy, load_contact
from drp_tui.domain.errors import PolicyError
from drp_tui.domain.fees import FeePolicy, load_fees
from drp_tui.domain.holds import HoldPolicy, load_holds
from drp_tui.domain.interest import InterestPolicy, load_interest
from drp_tui.domain.outcomes import OutcomePolicy, load_outcomes
from drp_tui.domain.queue import QueueWeights, load_queue_weights
from drp_tui.domain.recovery import RecoveryPolicy, load_recovery
from drp_tui.domain.renewal import CALCULATOR_TABLES, Watched, load_renewals
from drp_tui.domain.retention import RetentionPeriod, load_retention
from drp_tui.domain.schedule import ArrangementRules, load_arrangement_rules
from drp_tui.domain.sms import SmsHours, load_sms_hours
from drp_tui.domain.writeoff import WriteOffPolicy, load_writeoff
from drp_tui.settings import Settings

EXAMPLE_GUIDELINES = "example"


def data_dir() -> Path:
    """The shipped data folder: inside the installed package (a wheel), else the checkout's
    top-level `data/`."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "data", package.parent / "data"):
        if (candidate / "policy").is_dir():
            return candidate
    raise PolicyError(str(package / "data"), "drp's data folder is missing from this install")


def policy_dir(settings: Settings) -> Path:
    return settings.policy_dir or data_dir() / "policy"


@dataclass(frozen=True)
class PolicyBook:
    """Every policy table, validated."""

    directory: Path
    ctaeo: CtaeoPolicy
    dea: DeaPolicy
    fees: FeePolicy
    interest: InterestPolicy
    benefits: BenefitPolicy
    arrangements: tuple[ArrangementRules, ...]
    contact: ContactPolicy
    holds: HoldPolicy
    outcomes: OutcomePolicy
    recovery: RecoveryPolicy
    savings: tuple[SavingsRule, ...]
    queue: tuple[QueueWeights, ...]
    writeoff: WriteOffPolicy
    complaints: ComplaintPolicy
    office_hours: tuple[OfficeHours, ...]
    figure_checks: tuple[FigureCheck, ...] = ()  # amounts an officer is asked to check
    retention: tuple[RetentionPeriod, ...] = ()  # how long closed cases' records are kept
    renewals: tuple[Watched, ...] = ()  # the tables whose renewal drp watches
    sms_hours: tuple[SmsHours, ...] = ()  # when texts may go (none: no texts)


POLICY_FILES: Mapping[str, tuple[str, Callable[[Mapping[str, Any], str], Any]]] = {
    "ctaeo": ("ctaeo.toml", load_ctaeo),
    "dea": ("dea.toml", load_dea),
    "fees": ("enforcement_fees.toml", load_fees),
    "interest": ("late_payment.toml", load_interest),
    "benefits": ("benefits.toml", load_benefits),
    "arrangements": ("arrangements.toml", load_arrangement_rules),
    "contact": ("calling_hours.toml", load_contact),
    "sms_hours": ("calling_hours.toml", load_sms_hours),
    "holds": ("holds.toml", load_holds),
    "outcomes": ("outcome_codes.toml", load_outcomes),
    "recovery": ("recovery.toml", load_recovery),
    "savings": ("affordability.toml", load_savings_rule),
    "figure_checks": ("affordability.toml", load_figure_checks),
    "queue": ("queue.toml", load_queue_weights),
    "writeoff": ("writeoff.toml", load_writeoff),
    "complaints": ("complaints.toml", load_complaints),
    "office_hours": ("appointments.toml", load_office_hours),
    "retention": ("retention.toml", load_retention),
}


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(str(path), "file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(str(path), f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise PolicyError(str(path), "is not UTF-8 text: save it as UTF-8") from None
    except OSError as exc:
        raise PolicyError(str(path), f"cannot be read: {exc.strerror}") from None


@cache
def load_policy(directory: Path) -> PolicyBook:
    """Read and validate every table in `directory`; the first problem raises PolicyError
    naming the file and row."""
    tables: dict[str, Any] = {}
    renewals: list[Watched] = []
    read: set[str] = set()
    for key, (filename, loader) in POLICY_FILES.items():
        path = directory / filename
        doc = read_toml(path)
        tables[key] = loader(doc, str(path))
        if filename not in read:  # a file with two tables declares its renewals once
            read.add(filename)
            renewals += load_renewals(doc, str(path), filename)
            _require_renewals(doc, path, filename)
    book = PolicyBook(directory=directory, renewals=tuple(renewals), **tables)
    _check_apply_order(book)
    return book


def _require_renewals(doc: Mapping[str, Any], path: Path, filename: str) -> None:
    """Every table a calculator uses must say how it renews: without the declaration drp would
    silently stop watching it."""
    section = doc.get("renewal", {})
    declared = set(section) if isinstance(section, Mapping) else set()
    for file, kind in sorted({t for tables in CALCULATOR_TABLES.values() for t in tables}):
        if file == filename and kind not in declared:
            raise PolicyError(
                str(path),
                f"[renewal] must declare how [[{kind}]] renews (a calculator uses it): add "
                f'{kind} = "april", "half-year" or "amendment"',
            )


def _check_apply_order(book: PolicyBook) -> None:
    """The arrangement policy's order of debt types names only debt types recovery.toml
    knows (a misspelt one would silently go last)."""
    known = {row.id for row in book.recovery.debt_types}
    for number, rules in enumerate(book.arrangements, start=1):
        for name in rules.apply_order:
            if name not in known:
                raise PolicyError(
                    str(book.directory / POLICY_FILES["arrangements"][0]),
                    f"apply_order: {name!r} is not a debt type in recovery.toml",
                    row=number,
                )


def policy_for(settings: Settings) -> PolicyBook:
    return load_policy(policy_dir(settings))


def example_guidelines_path() -> Path:
    return data_dir() / "sfs" / "example-guidelines.toml"


def read_guidelines(path: Path) -> GuidelineTable:
    return load_guidelines(read_toml(path), str(path))


def guidelines_for(settings: Settings, choice: str | None) -> GuidelineTable | None:
    """The guideline table to check against: `example`, a file, the council's loaded table,
    or none."""
    if choice == EXAMPLE_GUIDELINES:
        return read_guidelines(example_guidelines_path())
    if choice:
        return read_guidelines(Path(choice))
    if settings.guidelines_path.is_file():
        return read_guidelines(settings.guidelines_path)
    return None


def install_guidelines(settings: Settings, source: Path) -> GuidelineTable:
    """Validate a council's licensed SFS table and keep a copy where drp looks for it."""
    table = read_guidelines(source)
    settings.guidelines_path.parent.mkdir(parents=True, exist_ok=True)
    staging = settings.guidelines_path.with_suffix(".toml.new")
    shutil.copyfile(source, staging)
    staging.replace(settings.guidelines_path)
    return table
