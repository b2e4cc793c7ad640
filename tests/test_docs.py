"""The documentation tells the truth: every JSON example in docs/cli.md is re-run and
compared, and the README's commands are the ones CI runs."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from tests.conftest import REPO

EXAMPLE = re.compile(r"```console\n\$ (drp [^\n]*--json)\n(.*?)\n```", re.DOTALL)
EXAMPLES = EXAMPLE.findall((REPO / "docs" / "cli.md").read_text(encoding="utf-8"))


def test_cli_reference_has_an_example_for_every_calculator() -> None:
    documented = {shlex.split(command)[2] for command, _ in EXAMPLES if " calc " in command}
    assert documented == {
        "aeo",
        "dea",
        "fees",
        "interest",
        "benefit-deduction",
        "hb-recovery",
        "schedule",
        "affordability",
        "routes",
    }


@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_cli_reference_examples_match_what_drp_prints(
    command: str, shown: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, shlex.split(command)[1:])
    assert json.loads(result.stdout) == json.loads(shown)


def readme_block(name: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name} -->\n```sh\n(.*?)\n```\n<!-- /{name} -->", text, re.DOTALL)
    assert match, f"README.md has no {name} block"
    return match.group(1).strip()


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    main_command = readme_block("main-command")
    test_command = readme_block("test-command")
    assert "pip install -e ." in main_command
    assert "pytest" in test_command
    extracted = subprocess.run(
        [
            "bash",
            "-c",
            f"source <(sed -n '/^readme_block()/,/^}}/p' {REPO / '.ci' / 'run'}); "
            "readme_block test-command",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert extracted == test_command


def test_every_policy_file_is_documented() -> None:
    guide = (REPO / "docs" / "policy.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "data" / "policy").glob("*.toml")):
        assert f"`{path.name}`" in guide, f"docs/policy.md does not describe {path.name}"


def test_docs_name_only_files_that_exist() -> None:
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for link in re.findall(r"\]\(([^)#:]+)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / link).exists(), f"{doc.name} links to missing {link}"


def test_example_statement_is_valid(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["calc", "affordability", "--file", str(REPO / "docs" / "examples" / "statement.json")]
    )
    assert result.exit_code == 0, result.stderr
